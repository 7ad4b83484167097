using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using NpasDsl.Generator.Tests.Infrastructure;
using Xunit;

namespace NpasDsl.Generator.Tests;

/// <summary>Each diagnostic: its id, the source text it points at, and the numbers in its message.</summary>
public sealed class DiagnosticTests
{
    /// <summary>One model class in namespace Demo, with <paramref name="members"/> and a forward pass (shared with <see cref="HalfTypedCodeTests"/>).</summary>
    internal static string Model(string classAttributes, string members, string declaration = "public sealed partial class Net : NpasModule")
        => SampleModels.Usings + $$"""
            namespace Demo;

            {{classAttributes}}
            {{declaration}}
            {
            {{members}}
                public override Tensor forward(Tensor x) => x;
            }
            """;

    private const string OneLayer = "    [Linear(100, 10)] private partial SharedLinear Head { get; }";

    private static Diagnostic Single(string source, string id)
    {
        var (driver, _, diagnostics) = GeneratorHarness.Run(source);
        var matching = diagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"expected one {id}, got: {string.Join(" | ", diagnostics.Select(d => d.Id + " " + d.GetMessage()))}");
        return matching[0];
    }

    private static string At(Diagnostic diagnostic) => diagnostic.Location.SourceTree!.ToString().Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);

    [Fact]
    public void NPAS001_class_not_partial_points_at_the_class_name()
    {
        var d = Single(Model("[SharedBudget(0.5)]", OneLayer, "public sealed class Net : NpasModule"), "NPAS001");
        Assert.Equal("Net", At(d));
        Assert.Contains("add the 'partial' modifier", d.GetMessage());
    }

    [Fact]
    public void NPAS001_containing_type_not_partial()
    {
        var source = SampleModels.Usings + "public class Outer { [SharedBudget(0.5)] public partial class Net : NpasModule { " + OneLayer + " public override Tensor forward(Tensor x) => x; } }";
        var d = Single(source, "NPAS001");
        Assert.Contains("containing type 'Outer' must be partial", d.GetMessage());
    }

    [Fact]
    public void NPAS002_not_an_npas_module()
    {
        var d = Single(Model("[SharedBudget(0.5)]", OneLayer.Replace("private partial", "private partial"), "public sealed partial class Net : TorchSharp.torch.nn.Module<Tensor, Tensor>"), "NPAS002");
        Assert.Equal("Net", At(d));
        Assert.Contains("derive it from NpasDsl.NpasModule", d.GetMessage());
    }

    [Fact]
    public void NPAS002_alone_for_a_module_on_another_base_with_the_constructor_that_base_needs()
    {
        // Found by a consumer audit: TorchSharp's Module needs a constructor of the class's own, and NPAS017's "remove it"
        // was wrong advice while the class is on that base. It is reported once the class derives from NpasModule.
        var members = OneLayer + "\n    public Net() : base(\"net\") { }";
        var (_, _, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", members, "public sealed partial class Net : TorchSharp.torch.nn.Module<Tensor, Tensor>"));
        Assert.Equal(new[] { "NPAS002" }, diagnostics.Where(d => d.Id.StartsWith("NPAS", StringComparison.Ordinal)).Select(d => d.Id).ToArray());
        var onNpasModule = Model("[SharedBudget(0.5)]", OneLayer + "\n    public Net() : base(null!, null) { }");
        Assert.Contains("declares a constructor", Single(onNpasModule, "NPAS017").GetMessage());
    }

    [Theory]
    [InlineData("-0.5", "-0.5")]
    [InlineData("0", "0")]
    [InlineData("double.NaN", "NaN")]
    [InlineData("double.PositiveInfinity", "Infinity")]
    public void NPAS003_budget_fraction_not_finite_positive_points_at_the_argument(string argument, string shown)
    {
        var d = Single(Model($"[SharedBudget({argument})]", OneLayer), "NPAS003");
        Assert.Equal(argument, At(d));
        Assert.Contains(shown, d.GetMessage());
    }

    [Fact]
    public void NPAS003_budget_parameters_not_positive()
    {
        var d = Single(Model("[SharedBudget(Parameters = -5)]", OneLayer), "NPAS003");
        Assert.Equal("Parameters = -5", At(d));
    }

    [Fact]
    public void NPAS004_both_fraction_and_parameters()
    {
        var d = Single(Model("[SharedBudget(0.5, Parameters = 100)]", OneLayer), "NPAS004");
        Assert.Equal("SharedBudget(0.5, Parameters = 100)", At(d));
        Assert.Contains("both a fraction and Parameters", d.GetMessage());
    }

    [Fact]
    public void NPAS004_no_budget()
    {
        var d = Single(Model("[SharedBudget]", OneLayer), "NPAS004");
        Assert.Contains("without a budget", d.GetMessage());
    }

    [Fact]
    public void NPAS005_infeasible_budget_names_the_smallest_feasible_budget_as_count_and_fraction()
    {
        // Unshared: 1000 + 10 (bias) + 2 * 20 (norm) = 1,050. Never shared: 10 + 40 = 50, plus one coefficient
        // and a one-entry bank = 52. A budget of 0.01 gives 10 parameters.
        var members = "    [Linear(100, 10)] private partial SharedLinear Head { get; }\n    [LayerNorm(20)] private partial LayerNorm Norm { get; }";
        var d = Single(Model("[SharedBudget(0.01)]", members), "NPAS005");
        Assert.Equal("0.01", At(d));
        var message = d.GetMessage();
        Assert.Contains("budget of 10 parameters", message);
        Assert.Contains("at least 52 parameters", message);
        Assert.Contains("a fraction of 0.04953", message);
    }

    [Fact]
    public void NPAS005_counts_NoShare_layers()
    {
        var members = "    [Linear(100, 10), NoShare] private partial SharedLinear Head { get; }\n    [Linear(10, 10)] private partial SharedLinear Other { get; }";
        var d = Single(Model("[SharedBudget(Parameters = 1000)]", members), "NPAS005");
        Assert.Contains("need 1,022", d.GetMessage()); // 1,000 own weights + 10 + 10 biases + 1 coefficient + 1 bank entry
    }

    [Fact]
    public void NPAS005_for_a_model_with_nothing_to_share_says_so()
    {
        var members = "    [Linear(100, 10), NoShare] private partial SharedLinear Head { get; }\n    [LayerNorm(10)] private partial LayerNorm Norm { get; }";
        var d = Single(Model("[SharedBudget(0.5)]", members), "NPAS005");
        Assert.Equal("The budget of 515 parameters for 'Net' cannot be met: none of its layers draws from a bank (each is [NoShare], has no weight, or takes its " +
            "weight from the narrower family member), so sharing cannot bring it below the 1,030 parameters it pays for itself (biases, norms, own weights). " +
            "Raise the budget to at least 1,030 parameters (a fraction of 1), or remove [NoShare] from layers that may share.", d.GetMessage());
    }

    [Fact]
    public void NPAS005_with_the_Mask_upsampler_counts_the_cheapest_masks()
    {
        // The example of docs/diagnostics/NPAS005.md. Repeat would tile Head from a one-entry bank (minimum 52).
        // With masks that bank would give each of its 1,000 copies a mask entry; the cheapest bank has 125 entries:
        // 7 masked copies x 16 entries + 1 coefficient, so 50 + 125 + 112 + 1 = 288.
        var members = "    [Linear(100, 10)] private partial SharedLinear Head { get; }\n    [LayerNorm(20)] private partial LayerNorm Norm { get; }";
        var d = Single(Model("[SharedBudget(0.01), Sharing(Upsampler = Upsampler.Mask)]", members), "NPAS005");
        var message = d.GetMessage();
        Assert.Contains("the smallest coefficients, copy masks (112) and banks need 288", message);
        Assert.Contains("at least 288 parameters (a fraction of 0.2743)", message);
        Assert.Empty(GeneratorHarness.Run(Model("[SharedBudget(Parameters = 288), Sharing(Upsampler = Upsampler.Mask)]", members)).Diagnostics);
    }

    [Theory]
    [InlineData("[Linear(0, 10)]", "SharedLinear", "0", "in features is 0")]
    [InlineData("[Conv2d(3, -4, 3)]", "SharedConv2d", "-4", "out channels is -4")]
    [InlineData("[Conv2d(3, 4, 3, Groups = 2)]", "SharedConv2d", "Groups = 2", "divide both in channels (3)")]
    [InlineData("[Conv2d(4, 4, 3, Stride = 0)]", "SharedConv2d", "Stride = 0", "Stride is 0")]
    [InlineData("[Conv2d(4, 4, 3, Padding = -1)]", "SharedConv2d", "Padding = -1", "must not be negative")]
    [InlineData("[Conv2d(4, 4, 3, 0)]", "SharedConv2d", "0", "kernel width is 0")]
    [InlineData("[Embedding(0, 8)]", "SharedEmbedding", "0", "row count is 0")]
    public void NPAS006_impossible_layer_numbers_point_at_the_argument(string attribute, string type, string at, string message)
    {
        var d = Single(Model("[SharedBudget(0.5)]", $"    {attribute} private partial {type} Layer {{ get; }}\n" + OneLayer), "NPAS006");
        Assert.Equal(at, At(d));
        Assert.Contains(message, d.GetMessage());
    }

    [Fact]
    public void NPAS006_repeat_count_not_positive()
    {
        var d = Single(Model("[SharedBudget(0.5)]", "    [Linear(10, 10), Repeat(0)] private partial ModuleList<SharedLinear> Layers { get; }\n" + OneLayer), "NPAS006");
        Assert.Equal("0", At(d));
    }

    [Fact]
    public void NPAS007_names_the_full_type_where_the_users_own_class_has_the_same_short_name()
    {
        var source = Model("[SharedBudget(0.5)]", "    [Linear(100, 10)] private partial SharedLinear? Head { get; }")
            .Replace("namespace Demo;", "namespace Demo;\npublic sealed class SharedLinear { }\n");
        var d = Single(source, "NPAS007");
        Assert.Contains("must be 'SharedLinear', not 'Demo.SharedLinear?'", d.GetMessage());
    }

    [Fact]
    public void NPAS017_a_static_class_gets_one_error_that_says_why()
    {
        var (_, _, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", "    [Linear(100, 10)] private static partial SharedLinear Head { get; }", "public static partial class Net"));
        var d = Assert.Single(diagnostics);
        Assert.Equal("NPAS017", d.Id);
        Assert.Contains("is static, but a model is an object built with 'new Net(options)'; remove 'static' and derive it from NpasModule", d.GetMessage());
    }

    [Fact]
    public void NPAS007_a_module_list_of_nullable_layers_is_refused_by_its_name()
    {
        // The list's layers are never null; accepting the '?' would leave a nullability warning in the generated file.
        var d = Single(Model("[SharedBudget(0.5)]", "    [Linear(100, 10), Repeat(2)] private partial ModuleList<SharedLinear?> Body { get; }"), "NPAS007");
        Assert.Contains("must be 'ModuleList<SharedLinear>', not 'ModuleList<SharedLinear?>'", d.GetMessage());
        var own = Model("[SharedBudget(0.5)]", "    [Linear(100, 10), Repeat(2)] private partial ModuleList<SharedLinear?> Body { get; }")
            .Replace("namespace Demo;", "namespace Demo;\npublic sealed class SharedLinear { }\n");
        Assert.Contains("not 'TorchSharp.Modules.ModuleList<Demo.SharedLinear?>'", Single(own, "NPAS007").GetMessage());
    }

    [Fact]
    public void NPAS017_an_abstract_model_could_never_be_built()
    {
        var d = Single(Model("[SharedBudget(0.5)]", OneLayer, "public abstract partial class Net : NpasModule"), "NPAS017");
        Assert.Equal("Net", At(d));
        Assert.Contains("is abstract, but a model is built with 'new Net(options)' and no class may derive from it; remove 'abstract'", d.GetMessage());
    }

    [Fact]
    public void NPAS007_wrong_property_type_points_at_the_property()
    {
        var d = Single(Model("[SharedBudget(0.5)]", "    [Conv2d(3, 4, 3)] private partial SharedLinear Layer { get; }\n" + OneLayer), "NPAS007");
        Assert.Equal("Layer", At(d));
        Assert.Contains("must be 'SharedConv2d', not 'SharedLinear'", d.GetMessage());
    }

    [Theory]
    [InlineData("private SharedLinear Layer { get; }", "is not partial")]
    [InlineData("private partial SharedLinear Layer { get; set; }", "has a setter")]
    public void NPAS008_property_must_be_partial_get_only(string declaration, string problem)
    {
        var d = Single(Model("[SharedBudget(0.5)]", $"    [Linear(10, 10)] {declaration}\n" + OneLayer), "NPAS008");
        Assert.Equal("Layer", At(d));
        Assert.Contains(problem, d.GetMessage());
    }

    [Fact]
    public void NPAS009_repeat_without_list_type()
    {
        var d = Single(Model("[SharedBudget(0.5)]", "    [Linear(10, 10), Repeat(3)] private partial SharedLinear Layers { get; }\n" + OneLayer), "NPAS009");
        Assert.Equal("Repeat(3)", At(d));
        Assert.Contains("ModuleList<SharedLinear>", d.GetMessage());
    }

    [Fact]
    public void NPAS009_list_type_without_repeat()
    {
        var d = Single(Model("[SharedBudget(0.5)]", "    [Linear(10, 10)] private partial ModuleList<SharedLinear> Layers { get; }\n" + OneLayer), "NPAS009");
        Assert.Equal("Layers", At(d));
    }

    [Fact]
    public void NPAS010_two_layer_attributes()
    {
        var d = Single(Model("[SharedBudget(0.5)]", "    [Linear(10, 10), Conv2d(1, 1, 1)] private partial SharedLinear Layer { get; }\n" + OneLayer), "NPAS010");
        Assert.Equal("Conv2d(1, 1, 1)", At(d));
    }

    [Fact]
    public void NPAS011_no_layers()
    {
        var d = Single(Model("[SharedBudget(0.5)]", ""), "NPAS011");
        Assert.Equal("Net", At(d));
    }

    [Fact]
    public void NPAS012_generic_model()
    {
        var d = Single(Model("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net<T> : NpasModule"), "NPAS012");
        Assert.Equal("Net", At(d));
    }

    [Theory]
    [InlineData(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp12, "12.0")]
    [InlineData(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp10, "10.0")]
    public void NPAS023_below_csharp_13_names_the_version_and_generates_nothing(Microsoft.CodeAnalysis.CSharp.LanguageVersion version, string shown)
    {
        var (driver, output, diagnostics) = RunAt(version, Model("[SharedBudget(0.5)]", OneLayer));
        var d = Assert.Single(diagnostics);
        Assert.Equal("NPAS023", d.Id);
        Assert.Equal("Net", At(d));
        Assert.Contains($"this project compiles C# {shown}; set <LangVersion>13</LangVersion>", d.GetMessage());
        Assert.Empty(GeneratorHarness.GeneratedFiles(driver));
        // The compiler's own error stays, in the user's file only.
        Assert.Contains(GeneratorHarness.CompilerProblems(output), p => p.Id == "CS8703");
        Assert.DoesNotContain(GeneratorHarness.CompilerProblems(output), p => p.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
        // C# 13 itself is enough.
        Assert.Empty(RunAt(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp13, Model("[SharedBudget(0.5)]", OneLayer)).Diagnostics);
    }

    private static (GeneratorDriver Driver, Compilation Output, System.Collections.Immutable.ImmutableArray<Diagnostic> Diagnostics) RunAt(Microsoft.CodeAnalysis.CSharp.LanguageVersion version, string source)
    {
        var options = GeneratorHarness.ParseOptions.WithLanguageVersion(version);
        var compilation = GeneratorHarness.Compile().AddSyntaxTrees(Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(source, options, path: "Model0.cs"));
        var driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(new[] { new NpasGenerator().AsSourceGenerator() }, parseOptions: options)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (driver, output, diagnostics);
    }

    [Fact]
    public void NPAS013_invalid_sharing_option_points_at_the_named_argument()
    {
        var d = Single(Model("[SharedBudget(0.5), Sharing(MaxTemplates = 0)]", OneLayer), "NPAS013");
        Assert.Equal("MaxTemplates = 0", At(d));
        Assert.Contains("MaxTemplates is 0", d.GetMessage());
    }

    [Fact]
    public void NPAS013_a_mask_period_below_one_points_at_the_named_argument()
    {
        var d = Single(Model("[SharedBudget(0.5), Sharing(Upsampler = Upsampler.Mask, MaskPeriod = 0)]", OneLayer), "NPAS013");
        Assert.Equal("MaskPeriod = 0", At(d));
        Assert.Contains("MaskPeriod is 0 but a masked copy needs at least 1 multiplier", d.GetMessage());
    }

    [Fact]
    public void NPAS013_coefficient_sharing_needs_the_weighted_average_combiner()
    {
        var d = Single(Model("[SharedBudget(0.5), Sharing(Combiner = Combiner.Average, CoefficientSharing = CoefficientSharing.ByShape)]", OneLayer), "NPAS013");
        Assert.Equal("CoefficientSharing = CoefficientSharing.ByShape", At(d));
        Assert.Contains("Combiner Average has none", d.GetMessage());
    }

    [Fact]
    public void NPAS014_sharing_attribute_on_a_norm_is_a_warning_located_in_the_real_syntax_tree()
    {
        var members = "    [BatchNorm2d(8), NoShare] private partial BatchNorm2d Norm { get; }\n" + OneLayer;
        var (_, output, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", members));
        var d = diagnostics.Single(x => x.Id == "NPAS014");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("NoShare", At(d));
        // The compiler applies #pragma warning disable to a diagnostic only when its location is a span of
        // one of the compilation's own trees (not an external file location): that is what we report.
        Assert.Equal(LocationKind.SourceFile, d.Location.Kind);
        Assert.Contains(d.Location.SourceTree, output.SyntaxTrees);
    }

    [Fact]
    public void NPAS015_sharing_attribute_without_layer_attribute()
    {
        var d = Single(Model("[SharedBudget(0.5)]", "    [NoShare] private partial SharedLinear Layer { get; }\n" + OneLayer), "NPAS015");
        Assert.Equal("NoShare", At(d));
    }

    [Theory]
    [InlineData("Declaration", "has a name NpasDsl generates")]
    [InlineData("OnCreated", "has a name NpasDsl generates")]
    [InlineData("banks", "the state-dict entry of the model's parameter banks")]
    [InlineData("combiner", "the state-dict entry of the embedding combiner's shared coefficients")]
    [InlineData("Allocation", "a member the model inherits from NpasModule")]
    public void NPAS016_reserved_layer_names(string name, string problem)
    {
        var d = Single(Model("[SharedBudget(0.5)]", $"    [Linear(10, 10)] private partial SharedLinear {name} {{ get; }}\n" + OneLayer), "NPAS016");
        Assert.Equal(name, At(d));
        Assert.Contains(problem, d.GetMessage());
    }

    [Theory]
    [InlineData("public sealed partial class Net(int size) : NpasModule", "has a primary constructor")]
    [InlineData("file sealed partial class Net : NpasModule", "is a file-local class")]
    public void NPAS017_unsupported_class_shapes(string declaration, string problem)
    {
        var d = Single(Model("[SharedBudget(0.5)]", OneLayer, declaration), "NPAS017");
        Assert.Equal("Net", At(d));
        Assert.Contains(problem, d.GetMessage());
    }

    [Fact]
    public void NPAS017_user_constructor_and_derived_model()
    {
        var withConstructor = Single(Model("[SharedBudget(0.5)]", OneLayer + "\n    public Net() : base(Declaration, null) { }"), "NPAS017");
        Assert.Contains("declares a constructor", withConstructor.GetMessage());

        var derived = SampleModels.Usings + "namespace Demo;\n[SharedBudget(0.5)] public partial class Base : NpasModule { " + OneLayer
            + " public override Tensor forward(Tensor x) => x; }\n[SharedBudget(0.5)] public partial class Derived : Base { [Linear(4, 4)] private partial SharedLinear Extra { get; } }";
        var d = Single(derived, "NPAS017");
        Assert.Contains("derives from the model 'Base'", d.GetMessage());
    }

    [Theory]
    [InlineData("    void OnCreated() { }", "declares 'OnCreated', which the generated constructor calls as 'partial void OnCreated()'")]
    [InlineData("    public int OnCreated => 1;", "declares 'OnCreated'")]
    [InlineData("    public static int Declaration = 3;", "declares a member named 'Declaration'")]
    public void NPAS017_members_that_clash_with_the_generated_part(string member, string problem)
    {
        var d = Single(Model("[SharedBudget(0.5)]", OneLayer + "\n" + member), "NPAS017");
        Assert.Equal("Net", At(d));
        Assert.Contains(problem, d.GetMessage());
    }

    [Fact]
    public void The_OnCreated_hook_and_its_overloads_are_no_clash()
    {
        var (driver, output, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", OneLayer + "\n    partial void OnCreated() { }\n    void OnCreated(int size) { }"));
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
        Assert.Single(driver.GetRunResult().Results.Single().GeneratedSources);
    }

    [Theory]
    [InlineData("a.b", "is not a simple name")]
    [InlineData("a<b", "is not a simple name")]
    [InlineData("training", "member of TorchSharp's Module")]
    public void NPAS013_group_names_must_be_simple_and_free(string group, string problem)
    {
        var d = Single(Model("[SharedBudget(0.5)]", $"    [Linear(10, 10), ShareGroup(\"{group}\")] private partial SharedLinear Layer {{ get; }}\n" + OneLayer), "NPAS013");
        Assert.Contains(problem, d.GetMessage());
    }

    [Fact]
    public void NPAS018_a_named_group_with_one_layer_that_is_tiled_at_a_low_budget()
    {
        var members = "    [Linear(100, 100), ShareGroup(\"alone\")] private partial SharedLinear Big { get; }\n    [Linear(100, 10), Repeat(2)] private partial ModuleList<SharedLinear> Heads { get; }";
        var d = Single(Model("[SharedBudget(0.05)]", members), "NPAS018");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("ShareGroup(\"alone\")", At(d));
        Assert.Contains("Group 'alone' has the single layer 'Big' (10,000 weights)", d.GetMessage());
    }

    [Fact]
    public void NPAS019_a_high_budget_no_layer_can_read_is_a_warning_with_the_usable_budget()
    {
        // 10 x 10 weights, K_max = 2: no layer reads more than 200 bank entries, so most of 50x is unusable.
        var d = Single(Model("[SharedBudget(50.0), Sharing(MaxTemplates = 2)]", "    [Linear(10, 10, Bias = false)] private partial SharedLinear Layer { get; }"), "NPAS019");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("50.0", At(d));
        Assert.Contains("of the budget's 5,000 parameters cannot be used: with MaxTemplates = 2", d.GetMessage());
        Assert.Contains("lower the budget to 202", d.GetMessage()); // a 200-entry bank and 2 coefficients
        Assert.Contains("or raise [Sharing(MaxTemplates = 50)]", d.GetMessage()); // 50 templates of 100 read the whole 4,950-entry bank
    }

    [Fact]
    public void NPAS019_suggests_a_budget_that_builds_without_it_where_coefficient_sharing_reserves_part_of_the_budget()
    {
        // Found by a consumer audit: with coefficient sharing the plan sets a reserve aside for unsharing, and the warning
        // said "lower the budget to 1,006" (the plan's total without the reserve), which warned again at 1,006.
        const string sharing = "Sharing(BankSplit = BankSplit.Templates, CoefficientSharing = CoefficientSharing.ByShape)";
        const string members = "    [Conv1d(2, 8, 5, Padding = 2)] private partial SharedConv1d C1 { get; }\n" +
                               "    [Conv1d(8, 8, 5, Padding = 2), Repeat(2)] private partial ModuleList<SharedConv1d> C2 { get; }\n" +
                               "    [Linear(8, 3)] private partial SharedLinear Head { get; }";
        var warning = Single(Model($"[SharedBudget(1.5), {sharing}]", members), "NPAS019");
        var suggested = System.Text.RegularExpressions.Regex.Match(warning.GetMessage(), "lower the budget to ([0-9,]+)");
        Assert.True(suggested.Success, warning.GetMessage());
        string budget = suggested.Groups[1].Value.Replace(",", "");
        var (_, _, after) = GeneratorHarness.Run(Model($"[SharedBudget(Parameters = {budget}), {sharing}]", members));
        Assert.DoesNotContain(after, d => d.Id.StartsWith("NPAS", StringComparison.Ordinal));
    }

    [Fact]
    public void NPAS020_a_layer_larger_than_any_bank_with_upsampling_off()
    {
        var members = "    [Linear(100, 100, Bias = false)] private partial SharedLinear Big { get; }\n    [Linear(10, 10, Bias = false)] private partial SharedLinear Small { get; }";
        var d = Single(Model("[SharedBudget(0.1), Sharing(Upsampler = Upsampler.None)]", members), "NPAS020");
        Assert.Equal("0.1", At(d));
        Assert.Contains("Layer 'Big' has 10,000 weights", d.GetMessage());
        Assert.Contains("it needs 10,009", d.GetMessage()); // a 10,000-entry bank, one coefficient for Big, K_max = 8 for Small
    }

    [Theory]
    [InlineData("[Linear(10, 10), Repeat(4), ShareGroup(\"g\", Rate = 3)]", "ModuleList<SharedLinear>", "Rate = 3", "Rate = 3 does not divide Repeat(4); use one of 1, 2, 4")]
    [InlineData("[Linear(10, 10), Repeat(36), ShareGroup(\"g\", Rate = 5)]", "ModuleList<SharedLinear>", "Rate = 5", "Rate = 5 does not divide Repeat(36); use one of 1, 2, 3, 4, 6, 9, 12, 18, 36")]
    [InlineData("[Linear(10, 10), Repeat(4), ShareGroup(\"g\", Rate = 0)]", "ModuleList<SharedLinear>", "Rate = 0", "must be at least 1")]
    [InlineData("[Linear(10, 10), ShareGroup(\"g\", Rate = 2)]", "SharedLinear", "Rate = 2", "this layer has no [Repeat]")]
    [InlineData("[Linear(10, 10), Repeat(4), ShareGroup(\"g\", Mapping = ShareMapping.Strided)]", "ModuleList<SharedLinear>", "Mapping = ShareMapping.Strided", "there is no Rate")]
    [InlineData("[Linear(10, 10), NoShare, ShareGroup(\"g\")]", "SharedLinear", "ShareGroup(\"g\")", "keep one of them")]
    public void NPAS013_exact_sharing_options_that_cannot_work(string attributes, string type, string at, string problem)
    {
        var d = Single(Model("[SharedBudget(0.5)]", $"    {attributes} private partial {type} Layers {{ get; }}\n" + OneLayer), "NPAS013");
        Assert.Equal(at, At(d));
        Assert.Contains(problem, d.GetMessage());
    }

    [Fact]
    public void A_repeat_count_out_of_range_is_reported_once_without_listing_its_divisors()
    {
        // int.MaxValue, a typo the repeat limit exists for: listing its divisors took 2^31 steps on every keystroke.
        var source = Model("[SharedBudget(0.5)]", "    [Linear(10, 10), Repeat(2147483647), ShareGroup(\"g\", Rate = 2)] private partial ModuleList<SharedLinear> Layers { get; }\n" + OneLayer);
        var d = Single(source, "NPAS006");
        Assert.Contains("must repeat the layer from 1 to 100,000 times", d.GetMessage());
        var (_, _, diagnostics) = GeneratorHarness.Run(source);
        Assert.DoesNotContain(diagnostics, x => x.Id == "NPAS013");
    }

    [Fact]
    public void NPAS021_one_group_with_conflicting_exact_sharing_settings()
    {
        var members = "    [Linear(10, 10), Repeat(4), ShareGroup(\"g\", Rate = 2)] private partial ModuleList<SharedLinear> A { get; }\n"
            + "    [Linear(10, 10), Repeat(4), ShareGroup(\"g\", Rate = 4)] private partial ModuleList<SharedLinear> B { get; }\n" + OneLayer;
        var d = Single(Model("[SharedBudget(0.5)]", members), "NPAS021");
        Assert.Equal("ShareGroup(\"g\", Rate = 4)", At(d));
        Assert.Contains("Group 'g' is declared on 'A' with Rate = 2, Mapping = Sequential but on 'B' with Rate = 4, Mapping = Sequential", d.GetMessage());
    }

    [Fact]
    public void NPAS022_a_planner_defect_is_reported_on_the_budget_and_the_class_gets_no_model_code()
    {
        NpasDsl.Generator.Parsing.BudgetDiagnostics.PlannerForTests = _ => throw new System.Collections.Generic.KeyNotFoundException("a planner defect");
        try
        {
            var source = Model("[SharedBudget(0.5)]", OneLayer);
            var (driver, _, _) = GeneratorHarness.Run(source);
            var result = driver.GetRunResult().Results.Single();
            Assert.Null(result.Exception);
            // Only the placeholder: throwing getters and constructor, no declaration or wiring.
            var generated = Assert.Single(result.GeneratedSources).SourceText.ToString();
            Assert.Contains("Placeholder layers", generated);
            Assert.DoesNotContain("LayerSpec", generated);
            var d = Single(source, "NPAS022");
            Assert.Equal("0.5", At(d)); // the budget argument, as NPAS005
            Assert.Equal("NpasDsl's budget planner failed on 'Net' (KeyNotFoundException: a planner defect); this is a bug in NpasDsl, please report it with this class. " +
                "Until it is fixed, another budget or [Sharing] choice may plan", d.GetMessage());
        }
        finally
        {
            NpasDsl.Generator.Parsing.BudgetDiagnostics.PlannerForTests = null;
        }
    }

    [Fact]
    public void Every_descriptor_is_tested_documented_and_listed_in_the_analyzer_release_file()
    {
        var ids = NpasDsl.Generator.Diagnostics.DiagnosticDescriptors.ById.Keys.OrderBy(k => k).ToList();
        var tested = typeof(DiagnosticTests).GetMethods().Select(m => m.Name).Where(n => n.StartsWith("NPAS")).Select(n => n.Substring(0, 7)).Distinct().ToList();
        Assert.Equal(ids, tested.OrderBy(k => k).ToList());
        var releases = System.IO.File.ReadAllText(System.IO.Path.Combine(RepoRoot(), "generator", "AnalyzerReleases.Unshipped.md"));
        foreach (var id in ids)
        {
            Assert.Contains(id + " |", releases);
            Assert.True(System.IO.File.Exists(System.IO.Path.Combine(RepoRoot(), "docs", "diagnostics", id + ".md")), $"docs/diagnostics/{id}.md is missing");
            Assert.EndsWith("/docs/diagnostics/" + id + ".md", NpasDsl.Generator.Diagnostics.DiagnosticDescriptors.ById[id].HelpLinkUri);
        }
    }

    internal static string RepoRoot()
    {
        for (var dir = System.AppContext.BaseDirectory; dir is not null; dir = System.IO.Path.GetDirectoryName(dir))
            if (System.IO.File.Exists(System.IO.Path.Combine(dir, "NpasDsl.sln"))) return dir;
        throw new System.InvalidOperationException("NpasDsl.sln not found above the test directory");
    }

    [Fact]
    public void A_weight_set_shared_by_every_repeat_plans_at_a_low_budget_instead_of_crashing_the_generator()
    {
        // Rate == Repeat makes each list one weight set; at 0.5 the planner used to pay it in full and then fail
        // to place its sharers (KeyNotFoundException inside the generator: CS8785 and one CS9248 per layer).
        string members = """
                [Linear(64, 64), Repeat(6), ShareGroup("proj", Rate = 6)] private partial ModuleList<SharedLinear> Proj { get; }
                [Linear(64, 192), Repeat(6), ShareGroup("qkv", Rate = 6)] private partial ModuleList<SharedLinear> Qkv { get; }
                [Linear(64, 10)] private partial SharedLinear Head { get; }
            """;
        var (driver, output, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", members));
        Assert.Null(driver.GetRunResult().Results.Single().Exception);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
        Assert.Single(driver.GetRunResult().Results.Single().GeneratedSources);
    }
}

/// <summary>Class shapes and options that once crashed, hung or broke the generator (found by review), each with the input that did it.</summary>
public sealed class GeneratorShapeTests
{
    private static string Model(string classAttributes, string members, string declaration = "public sealed partial class Net : NpasModule", string before = "")
        => SampleModels.Usings + $$"""
            namespace Demo;

            {{before}}
            {{classAttributes}}
            {{declaration}}
            {
            {{members}}
                public override Tensor forward(Tensor x) => x;
            }
            """;

    private const string OneLayer = "    [Linear(100, 10)] private partial SharedLinear Head { get; }";

    private static string Problems(Compilation output, System.Collections.Immutable.ImmutableArray<Diagnostic> diagnostics)
        => string.Join(" | ", diagnostics.Concat(GeneratorHarness.CompilerProblems(output)).Select(d => d.Id + " " + d.GetMessage()));

    [Fact]
    public void Two_models_whose_names_differ_only_in_case_both_get_their_code()
    {
        var source = SampleModels.Usings + """
            namespace Demo;
            [SharedBudget(0.5)] public partial class Net : NpasModule { [Linear(10, 10)] private partial SharedLinear Head { get; } public override Tensor forward(Tensor x) => Head.call(x); }
            [SharedBudget(0.5)] public partial class NET : NpasModule { [Linear(10, 10)] private partial SharedLinear Head { get; } public override Tensor forward(Tensor x) => Head.call(x); }
            """;
        var (driver, output, diagnostics) = GeneratorHarness.Run(source);
        Assert.True(diagnostics.IsEmpty && GeneratorHarness.CompilerProblems(output).Count == 0, Problems(output, diagnostics));
        var names = GeneratorHarness.GeneratedFiles(driver).Keys.ToList();
        Assert.Equal(2, names.Count);
        Assert.Equal(2, names.Distinct(System.StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(names, n => Assert.Matches(@"^Demo\.(Net|NET)-[0-9a-f]{8}\.g\.cs$", n));
        // The hash is of the exact name: the same on every run.
        Assert.Equal(names, GeneratorHarness.GeneratedFiles(GeneratorHarness.Run(source).Driver).Keys.ToList());
        // A model with no such neighbour keeps the plain name.
        Assert.Equal(new[] { "Demo.Net.g.cs" }, GeneratorHarness.GeneratedFiles(GeneratorHarness.Run(Model("[SharedBudget(0.5)]", OneLayer)).Driver).Keys);
    }

    [Fact]
    public void A_template_split_with_no_cap_on_templates_is_planned_in_the_ide_without_hanging()
    {
        var (driver, output, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(1.0), Sharing(BankSplit = BankSplit.Templates, MaxTemplates = int.MaxValue)]",
            "    [Linear(10, 10), Repeat(2)] private partial ModuleList<SharedLinear> Body { get; }"));
        Assert.DoesNotContain(diagnostics, d => d.Id == "NPAS022");
        Assert.Single(GeneratorHarness.GeneratedFiles(driver));
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
    }

    [Fact]
    public void A_higher_template_cap_that_cannot_be_planned_is_not_suggested_and_is_no_internal_error()
    {
        // Without upsampling, 4,096 templates would give the 600 small layers more coefficients than the budget holds.
        var (driver, _, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(2.0), Sharing(Upsampler = Upsampler.None, MaxTemplates = 1)]",
            "    [Linear(1000, 1000)] private partial SharedLinear Big { get; }\n    [Linear(8, 8, Bias = false), Repeat(600)] private partial ModuleList<SharedLinear> Tiny { get; }"));
        Assert.DoesNotContain(diagnostics, d => d.Id == "NPAS022");
        Assert.Contains(diagnostics, d => d.Id == "NPAS019");
        Assert.Single(GeneratorHarness.GeneratedFiles(driver));
    }

    [Theory]
    [InlineData("[ShareGroup(\"body\\n\")]")]
    [InlineData("[ShareGroup(\"body\\r\\n\")]")]
    public void A_group_name_ending_in_a_line_break_is_refused(string attribute)
    {
        var (_, _, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", $"    [Linear(100, 10)]{attribute} private partial SharedLinear Head {{ get; }}"));
        Assert.Contains(diagnostics, d => d.Id == "NPAS013" && d.GetMessage().Contains("is not a simple name"));
    }

    [Fact]
    public void A_mask_period_beyond_the_supported_one_is_refused_with_the_limit()
    {
        var (_, _, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5), Sharing(Upsampler = Upsampler.Mask, MaskPeriod = int.MaxValue)]", OneLayer));
        Assert.Contains(diagnostics, d => d.Id == "NPAS013" && d.GetMessage().Contains("at most 65,536 multipliers per copy"));
    }

    [Theory]
    [InlineData("    private partial void OnCreated() { }")]
    [InlineData("    static partial void OnCreated() { }")]
    [InlineData("    partial void OnCreated();")]
    public void An_OnCreated_that_is_not_the_hooks_implementation_is_NPAS017(string member)
    {
        var (_, _, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", OneLayer + "\n" + member));
        var d = Assert.Single(diagnostics, x => x.Id == "NPAS017");
        Assert.Contains("(with a body, no access modifier, not static, no parameters)", d.GetMessage());
    }

    [Fact]
    public void A_base_class_between_the_model_and_NpasModule_needs_the_model_constructor()
    {
        const string without = "public abstract class MyBase : NpasModule { protected MyBase(NpasDsl.Planning.NetworkSpec d) : base(d, null) { } }";
        var (_, _, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: without));
        var d = Assert.Single(diagnostics, x => x.Id == "NPAS017");
        Assert.Contains("derives from NpasModule through 'MyBase'", d.GetMessage());
        Assert.Contains("protected MyBase(NetworkSpec declaration, NpasOptions? options) : base(declaration, options)", d.GetMessage());

        const string with = "public abstract class MyBase : NpasModule { protected MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions? o) : base(d, o) { } }";
        var (driver, output, clean) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: with));
        Assert.True(clean.IsEmpty && GeneratorHarness.CompilerProblems(output).Count == 0, Problems(output, clean));
        Assert.Single(GeneratorHarness.GeneratedFiles(driver));
    }

    [Theory]
    [InlineData("private protected MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions? o, int extra = 0) : base(d, o) { }", true)]
    [InlineData("protected MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions? o, params int[] more) : base(d, o) { }", true)]
    [InlineData("private MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions? o) : base(d, o) { }", false)]
    [InlineData("protected MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions? o, int extra) : base(d, o) { }", false)]
    [InlineData("protected MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions o) : base(d, o) { }", false)]
    [InlineData("protected MyBase(NpasDsl.Planning.NetworkSpec d, ref NpasOptions? o) : base(d, o) { }", false)]
    [InlineData("protected MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions? o, int a = 0) : base(d, o) { } protected MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions? o, string b = \"\") : base(d, o) { }", false)]
    [InlineData("protected MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions? o, int a = 0) : base(d, o) { } protected MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions? o) : base(d, o) { }", true)]
    public void The_base_classs_constructor_must_be_callable_as_base_declaration_options(string constructor, bool callable)
    {
        string baseClass = "public abstract class MyBase : NpasModule { " + constructor + " }";
        var (_, output, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: baseClass));
        if (callable)
            Assert.True(diagnostics.IsEmpty && GeneratorHarness.CompilerProblems(output).Count == 0, Problems(output, diagnostics));
        else
            Assert.Contains(diagnostics, d => d.Id == "NPAS017" && d.GetMessage().Contains("derives from NpasModule through 'MyBase'"));
    }

    /// <summary>
    /// Overloaded base constructors: the generator accepts only where the winner of <c>base(Declaration, options)</c> is
    /// certain, and the compiler is the judge, read from a hand-written class that makes the same call. Where the
    /// compiler finds no winner the generator must refuse; where the generator accepts, the compiler must bind the call
    /// and the generated code must compile warning-free. Some calls the compiler would resolve are refused, with the fix.
    /// </summary>
    [Theory]
    [InlineData(true, "NetworkSpec d, NpasOptions? o, int a = 0", "NetworkSpec d, NpasOptions? o")] // exact beats defaults
    [InlineData(true, "NetworkSpec d, NpasOptions? o", "NetworkSpec d, NpasOptions? o, params int[] p")] // ... and expansion
    [InlineData(true, "NetworkSpec d, NpasOptions? o", "object d, object o")]                          // ... and conversions
    [InlineData(true, "NetworkSpec d, NpasOptions? o", "in NetworkSpec d, NpasOptions? o")]           // ... and in
    [InlineData(true, "NetworkSpec d, NpasOptions? o, int extra = 0")]                                 // the only candidate
    [InlineData(true, "NetworkSpec d, NpasOptions? o, params int[] more")]
    [InlineData(true, "in NetworkSpec d, NpasOptions? o")]
    [InlineData(false, "NetworkSpec d, NpasOptions? o, int a = 0", "NetworkSpec d, NpasOptions? o, params int[] p")] // the compiler picks the first
    [InlineData(false, "NetworkSpec d, NpasOptions? o, int a = 0", "NetworkSpec d, NpasOptions? o, string b = \"\"")] // ambiguous
    [InlineData(false, "NetworkSpec d, NpasOptions? o, int a = 0", "NetworkSpec d, NpasOptions? o, int a = 0, int b = 0")]
    [InlineData(false, "NetworkSpec d, NpasOptions? o, params int[] p", "NetworkSpec d, NpasOptions? o, params string[] q")]
    [InlineData(false, "NetworkSpec d, NpasOptions? o, params int[] p", "NetworkSpec d, NpasOptions? o, int a = 0, params int[] p", "NetworkSpec d, NpasOptions? o, string s = \"\", params int[] p")]
    [InlineData(false, "NetworkSpec d, NpasOptions o, long b = 0", "NetworkSpec d, NpasOptions? o, int a = 0")] // one that does not fit still competes
    [InlineData(false, "NetworkSpec d, NpasOptions o, long b = 0", "NetworkSpec d, NpasOptions? o, params int[] p")] // ... and may win (CS8604)
    [InlineData(false, "in NetworkSpec d, NpasOptions? o", "NetworkSpec d, in NpasOptions? o")]
    [InlineData(false, "NetworkSpec d, params object[] rest", "NetworkSpec d, NpasOptions? o, int a = 0")]
    [InlineData(false, "NetworkSpec d, NpasOptions? o, params System.ReadOnlySpan<int> p", "NetworkSpec d, NpasOptions? o, params int[] q")]
    [InlineData(false, "NetworkSpec d, ref readonly NpasOptions? o")] // binds, with a warning on an rvalue
    [InlineData(false, "NetworkSpec d, NpasOptions o")]                // binds, with CS8604
    [InlineData(false, "NetworkSpec d, params object[] rest")]         // options would land in the params array
    [InlineData(false, "NetworkSpec d, [System.Diagnostics.CodeAnalysis.DisallowNull] NpasOptions? o")] // CS8604
    [InlineData(false, "NetworkSpec d, NpasOptions? o", "[System.Runtime.CompilerServices.OverloadResolutionPriority(1)] NetworkSpec d, NpasOptions o, int a = 0")] // priority first
    [InlineData(false, "NetworkSpec d, NpasOptions? o, __arglist")]
    public void Overloaded_base_constructors_are_accepted_only_where_the_compilers_choice_is_certain(bool accepted, string first, string? second = null, string? third = null)
    {
        static string Constructor(string? parameters)
        {
            if (parameters is null) return "";
            // An attribute on the constructor is written before it.
            string attribute = parameters.StartsWith("[System.Runtime", StringComparison.Ordinal) ? parameters[..(parameters.IndexOf(']') + 1)] : "";
            return $"{attribute} protected MyBase({parameters[attribute.Length..].Trim().Replace("NetworkSpec", "NpasDsl.Planning.NetworkSpec", StringComparison.Ordinal)}) : base(null!, null) {{ }} ";
        }
        string baseClass = $"public abstract class MyBase : NpasModule {{ {Constructor(first)}{Constructor(second)}{Constructor(third)}}}\n" +
            "public sealed class HandWritten : MyBase { static readonly NpasDsl.Planning.NetworkSpec D = null!; public HandWritten(NpasOptions? options) : base(D, options) { } public override Tensor forward(Tensor x) => x; }";
        var (_, output, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: baseClass));

        var tree = output.SyntaxTrees.First();
        var call = tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ConstructorInitializerSyntax>().Single(i => i.ArgumentList.Arguments.Count == 2 && i.ArgumentList.Arguments[0].ToString() == "D");
        var callErrors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree == tree && call.Span.Contains(d.Location.SourceSpan.Start));
        bool compilerCalls = !callErrors.Any() && output.GetSemanticModel(tree).GetSymbolInfo(call).Symbol is not null;
        Assert.DoesNotContain(output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree == tree && d.Location.SourceSpan.Start < call.SpanStart - 120); // the base class compiles

        bool generatorCalls = !diagnostics.Any(d => d.Id == "NPAS017");
        Assert.Equal(accepted, generatorCalls);
        if (generatorCalls)
        {
            Assert.True(compilerCalls, "the generator accepts a call the compiler cannot bind: " + Problems(output, diagnostics));
            Assert.Empty(GeneratorHarness.CompilerProblems(output));
        }
        else
            Assert.Contains(diagnostics, d => d.Id == "NPAS017" && d.GetMessage().Contains("derives from NpasModule through 'MyBase', whose constructor", StringComparison.Ordinal)
                && (d.GetMessage().Contains("protected MyBase(NetworkSpec declaration, NpasOptions? options) : base(declaration, options)", StringComparison.Ordinal)
                    || d.GetMessage().Contains("declare its options parameter as 'NpasOptions? options'", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("[System.Obsolete] ", "is marked [Obsolete]")]
    [InlineData("", "declare its options parameter as 'NpasOptions? options'", "NpasOptions o")]
    public void A_base_constructor_whose_call_would_warn_is_refused_with_the_fix(string attribute, string fix, string options = "NpasOptions? o")
    {
        string baseClass = $"public abstract class MyBase : NpasModule {{ {attribute}protected MyBase(NpasDsl.Planning.NetworkSpec d, {options}) : base(d, o) {{ }} }}";
        var (_, _, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: baseClass));
        Assert.Contains(diagnostics, d => d.Id == "NPAS017" && d.GetMessage().Contains(fix, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("public static NpasDsl.Planning.NetworkSpec Declaration => null!;", true)]
    [InlineData("protected virtual void OnCreated() { }", true)]
    [InlineData("protected void OnCreated(int stage) { }", false)]
    [InlineData("private static int Declaration => 0;", false)]
    public void A_base_class_member_the_generated_part_would_hide_is_refused(string member, bool refused)
    {
        string baseClass = $"public abstract class MyBase : NpasModule {{ protected MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions? o) : base(d, o) {{ }} {member} }}";
        var (_, output, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: baseClass));
        if (refused)
            Assert.Contains(diagnostics, d => d.Id == "NPAS017" && d.GetMessage().Contains("from 'MyBase', which the generated part declares too", StringComparison.Ordinal));
        else
            Assert.True(diagnostics.IsEmpty && GeneratorHarness.CompilerProblems(output).Count == 0, Problems(output, diagnostics));
    }

    [Theory]
    [InlineData("internal", false)]
    [InlineData("private protected", false)]
    [InlineData("protected", true)]
    [InlineData("protected internal", true)]
    public void A_base_constructor_in_another_assembly_counts_when_a_derived_class_there_can_call_it(string access, bool callable)
    {
        var library = GeneratorHarness.Library("Lib", SampleModels.Usings + "namespace Lib;\npublic abstract class MyBase : NpasModule { " + access + " MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions? o) : base(d, o) { } }");
        var diagnostics = GeneratorHarness.RunWith(library, Model("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : Lib.MyBase"));
        Assert.Equal(!callable, diagnostics.Any(d => d.Id == "NPAS017" && d.GetMessage().Contains("derives from NpasModule through 'MyBase'")));
    }

    [Fact]
    public void A_model_nested_in_a_file_local_class_is_NPAS017()
    {
        var source = SampleModels.Usings + "namespace Demo;\nfile partial class Outer { [SharedBudget(0.5)] public partial class Net : NpasModule { " + OneLayer + " public override Tensor forward(Tensor x) => x; } }";
        var (_, _, diagnostics) = GeneratorHarness.Run(source);
        Assert.Contains(diagnostics, d => d.Id == "NPAS017" && d.GetMessage().Contains("nested in the file-local class 'Outer'"));
    }

    [Fact]
    public void Members_of_the_users_own_named_like_the_base_factories_are_not_called_by_the_generated_constructor()
    {
        var members = OneLayer + "\n    public int CreateList => 0;\n    private static new SharedLinear CreateLinear(string path) => throw new System.InvalidOperationException(path);\n    private void register_module(string a, int b) { }";
        var (driver, output, diagnostics) = GeneratorHarness.Run(Model("[SharedBudget(0.5)]", members));
        Assert.True(diagnostics.IsEmpty && GeneratorHarness.CompilerProblems(output).Count == 0, Problems(output, diagnostics));
        var code = GeneratorHarness.GeneratedFiles(driver).Single().Value;
        Assert.Contains("_head = base.CreateLinear(\"Head\");", code);
        Assert.Contains("base.CompleteConstruction();", code);
    }
}

/// <summary>A class whose attributes have errors gets throwing layer getters, so its NPAS errors are not buried under CS9248.</summary>
public sealed class PlaceholderTests
{
    private static string Model(string members) => SampleModels.Usings + $$"""
        namespace Demo;

        public partial class Outer
        {
            [SharedBudget(0.5)]
            public sealed partial class Net : NpasModule
            {
        {{members}}
                public override Tensor forward(Tensor x) => x;
            }
        }
        """;

    [Fact]
    public void An_invalid_layer_leaves_only_its_own_error_and_every_layer_gets_a_throwing_getter()
    {
        var source = Model("""
                    [Linear(0, 10)] private partial SharedLinear Broken { get; }
                    [Linear(10, 10)] public partial SharedLinear Fine { get; }
                    [Conv2d(1, 4, 3), Repeat(2)] internal partial ModuleList<SharedConv2d> @Body { get; }
                    partial void OnCreated() { }
                    public static int Layers => Declaration.Layers.Count;
            """);
        var (driver, output, diagnostics) = GeneratorHarness.Run(source);
        Assert.Contains(diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("NPAS"));
        var compiler = GeneratorHarness.CompilerProblems(output);
        Assert.True(compiler.Count == 0, string.Join(" | ", compiler.Select(d => d.Id + " " + d.GetMessage())));
        var code = Assert.Single(GeneratorHarness.GeneratedFiles(driver)).Value;
        Assert.Contains("Placeholder layers of <see cref=\"Net\"/>", code);
        Assert.Contains("private partial global::NpasDsl.SharedLinear Broken => throw new global::System.InvalidOperationException(\"'Net' has errors in its NpasDsl attributes", code);
        Assert.Contains("public partial global::NpasDsl.SharedLinear Fine => throw", code);
        Assert.Contains("internal partial global::TorchSharp.Modules.ModuleList<global::NpasDsl.SharedConv2d> Body => throw", code);
        Assert.Contains("partial class Outer", code);
        Assert.Contains("Declaration => global::NpasDsl.NpasModule.DeclarationWithErrors(\"Net\")", code);
    }

    [Fact]
    public void A_class_that_cannot_take_generated_code_gets_no_placeholder_either()
    {
        // Not partial: a generated part would be a second class.
        var source = SampleModels.Usings + "namespace Demo;\n[SharedBudget(0.5)] public sealed class Net : NpasModule { [Linear(0, 10)] private partial SharedLinear Broken { get; } public override Tensor forward(Tensor x) => x; }";
        var (driver, _, diagnostics) = GeneratorHarness.Run(source);
        Assert.Contains(diagnostics, d => d.Id == "NPAS001");
        Assert.Empty(GeneratorHarness.GeneratedFiles(driver));
    }

    [Fact]
    public void Fixing_the_attribute_replaces_the_placeholder_with_the_model()
    {
        var driver = GeneratorHarness.Run(Model("        [Linear(0, 10)] private partial SharedLinear Head { get; }")).Driver;
        Assert.Contains("Placeholder layers", Assert.Single(GeneratorHarness.GeneratedFiles(driver)).Value);
        driver = driver.RunGenerators(GeneratorHarness.Compile(Model("        [Linear(100, 10)] private partial SharedLinear Head { get; }")));
        var code = Assert.Single(GeneratorHarness.GeneratedFiles(driver)).Value;
        Assert.DoesNotContain("Placeholder layers", code);
        Assert.Contains("public static global::NpasDsl.Planning.NetworkSpec Declaration", code);
    }
}
