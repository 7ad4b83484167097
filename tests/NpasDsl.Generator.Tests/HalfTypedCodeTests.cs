using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using NpasDsl.Generator.Tests.Infrastructure;
using Xunit;

namespace NpasDsl.Generator.Tests;

/// <summary>
/// Code a user is still typing, or a mistake the compiler already reports: the user sees the compiler's error alone.
/// No NPAS diagnostic adds noise, and nothing is reported inside a generated file, where the user cannot act on it.
/// </summary>
public sealed class HalfTypedCodeTests
{
    private static string Model(string members, string classAttributes = "[SharedBudget(0.5)]", string declaration = "public sealed partial class Net : NpasModule")
        => TestModels.ModelSource(classAttributes, members, declaration);

    private const string Head = "    [Linear(100, 10)] private partial SharedLinear Head { get; }";

    /// <summary>The generator's diagnostics and the compiler's problems in user code and in generated files.</summary>
    private static (IReadOnlyList<string> Npas, IReadOnlyList<string> InUserCode, IReadOnlyList<string> InGenerated) Build(string source)
    {
        var (_, output, diagnostics) = GeneratorHarness.Run(source);
        var compiler = GeneratorHarness.CompilerProblems(output);
        static bool Generated(Diagnostic d) => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", System.StringComparison.Ordinal) == true;
        static string Text(Diagnostic d) => d.Id + " " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        return (diagnostics.Select(Text).ToList(), compiler.Where(d => !Generated(d)).Select(Text).ToList(), compiler.Where(Generated).Select(Text).ToList());
    }

    [Theory]
    [InlineData("    [Linear(16, 10)] private partial SharedLinear Head { get; }\n    [Conv2d(1, 16, 3)] private partial SharedConv2d Head { get; }", "CS0102")]
    [InlineData("    [Conv2d(16, 16, 3), Repeat(2)] private partial ModuleList<SharedConvv2d> Body { get; }\n" + Head, "CS0246")]
    [InlineData("    [Conv2d(16, 16, 3), Repeat(2)] private partial ModuleList<> Body { get; }\n" + Head, "CS7003")]
    [InlineData("    [Conv2d(1, 16, 3)] private partial SharedConv2d Stem { }\n" + Head, "CS0548")]
    [InlineData("    [Conv2d(1, 16, 3), Repe] private partial ModuleList<SharedConv2d> Body { get; }\n" + Head, "CS0246")]
    [InlineData("    public class Outer<T> { public class Inner { } }\n    [Linear(100, 10)] private partial Outer<Missing>.Inner Body { get; }\n" + Head, "CS0246")]
    [InlineData("    [Linear(100, 10)] private unsafe partial SharedLinear Body { get; }\n" + Head, "CS0227")]
    [InlineData("    [Linear(100, 10)] private partial SharedConvv Body { get; }\n    partial void OnCreated() { }", "CS0246")]
    // Found by review: the implementation part repeats the property's modifiers, and with them the compiler's error.
    [InlineData("    [Linear(100, 10)] private readonly partial SharedLinear Body { get; }\n" + Head, "CS0106")]
    [InlineData("    [Linear(100, 10)] private volatile partial SharedLinear Body { get; }\n" + Head, "CS0106")]
    [InlineData("    [Linear(100, 10)] public virtual partial SharedLinear Body { get; }\n" + Head, "CS0549")] // in a sealed class
    // Found by review: an accessor list still being typed swallows the next layer's line as an accessor ("has an accessor
    // with its own modifier", NPAS008), and one named argument given twice (CS0643) was read as its first value.
    [InlineData("    [Linear(100, 10)] private partial SharedLinear Body { get;\n" + Head, "CS1014")]
    [InlineData("    [Linear(100, 10, Bias = true, Bias = false)] private partial SharedLinear Body { get; }\n" + Head, "CS0643")]
    [InlineData("    [Linear(10, 10)] private partial SharedLinear Stem { get; }\n    private partial SharedLinear Extra { get;\n" + Head, "CS1014")] // not NPAS024's "add the layer attribute" either
    public void A_mistake_the_compiler_reports_gets_no_diagnostic_of_ours_and_none_in_generated_code(string members, string compilerError)
    {
        var (npas, inUser, inGenerated) = Build(Model(members));
        Assert.Empty(npas);
        Assert.Contains(inUser, d => d.StartsWith(compilerError));
        // Nor what a missing generated part would add: no constructor (CS7036), an OnCreated without its declaration (CS0759).
        Assert.DoesNotContain(inUser, d => d.StartsWith("CS7036") || d.StartsWith("CS0759"));
        Assert.True(inGenerated.Count == 0, string.Join(" | ", inGenerated));
    }

    [Theory]
    [InlineData("[SharedBudget(\n#warning todo\n0.5)]", Head)]
    [InlineData("[SharedBudget(0.5)]", "    [Linear(100,\n#pragma unknown\n 10)] private partial SharedLinear Head { get; }")]
    public void A_warning_inside_an_attribute_leaves_the_model_whole(string classAttributes, string members)
    {
        // Only a syntax error marks an attribute as half-typed; a #warning or an unknown #pragma in its brackets does not.
        var (driver, output, diagnostics) = GeneratorHarness.Run(Model(members, classAttributes: classAttributes));
        Assert.Empty(diagnostics);
        var code = Assert.Single(GeneratorHarness.GeneratedFiles(driver)).Value;
        Assert.DoesNotContain("Placeholder layers", code);
        Assert.Contains("public static global::NpasDsl.Planning.NetworkSpec Declaration", code);
        Assert.DoesNotContain(GeneratorHarness.CompilerProblems(output), d => d.Severity == DiagnosticSeverity.Error);
    }

    [Theory]
    [InlineData("    [Linear(100, 10)] private partial ref SharedLinear Head { get; }", "returns by reference")]
    [InlineData("    [Linear(100, 10)] private extern partial SharedLinear Head { get; }", "already has an implementation")]
    [InlineData("    [Linear(100, 10)] public partial SharedLinear Head { private get; }", "has an accessor with its own modifier")]
    public void A_layer_property_of_a_shape_nothing_can_implement_is_npas008_and_nothing_in_generated_code(string members, string problem)
    {
        foreach (var declaration in new[] { "public sealed partial class Net : NpasModule", "public sealed partial class Net : NpasModule { public Net() : base(null!, null) { } }\npublic sealed partial class Net" })
        {
            var (npas, _, inGenerated) = Build(Model(members, declaration: declaration));
            Assert.Contains(npas, d => d.StartsWith("NPAS008") && d.Contains(problem));
            Assert.True(inGenerated.Count == 0, string.Join(" | ", inGenerated));
        }
    }

    [Fact]
    public void A_layer_property_that_is_not_partial_is_npas008_and_no_unset_member_warning_in_generated_code()
    {
        // Found by a consumer audit: the placeholder's constructor left the user's non-nullable auto-property unset, so
        // CS8618 (an error under TreatWarningsAsErrors) pointed into the generated file. That constructor never returns.
        var (npas, _, inGenerated) = Build(Model("    [Linear(100, 10)] private SharedLinear Body { get; }\n" + Head));
        Assert.Contains(npas, d => d.StartsWith("NPAS008"));
        Assert.True(inGenerated.Count == 0, string.Join(" | ", inGenerated));
    }

    [Fact]
    public void An_unsafe_layer_property_where_unsafe_code_is_allowed_is_an_ordinary_layer()
    {
        var compilation = GeneratorHarness.Compile(Model("    [Linear(100, 10)] private unsafe partial SharedLinear Body { get; }\n" + Head));
        compilation = compilation.WithOptions(compilation.Options.WithAllowUnsafe(true));
        var driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        Assert.Empty(diagnostics);
        Assert.Contains("private unsafe partial global::NpasDsl.SharedLinear Body => _body;", Assert.Single(GeneratorHarness.GeneratedFiles(driver)).Value);
        Assert.DoesNotContain(GeneratorHarness.CompilerProblems(output), d => d.Severity == DiagnosticSeverity.Error);
    }

    [Theory]
    [InlineData("int*")]
    [InlineData("delegate*<void>")]
    public void A_pointer_typed_layer_is_npas007_and_nothing_in_generated_code(string type)
    {
        var source = Model($"    [Linear(100, 10)] private partial {type} Body {{ get; }}\n" + Head, declaration: "public sealed unsafe partial class Net : NpasModule");
        var compilation = GeneratorHarness.Compile(source);
        compilation = compilation.WithOptions(compilation.Options.WithAllowUnsafe(true));
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        Assert.Contains(diagnostics, d => d.Id == "NPAS007");
        Assert.DoesNotContain(GeneratorHarness.CompilerProblems(output), d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", System.StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("    [Linear(100, 10)] private partial SharedLinear IHas.{ get; }\n", null)]    // the member's name still to be typed
    [InlineData("    [Linear(100, 10)] partial SharedLinear IHas. { get; }\n", null)]
    [InlineData("    [Linear(100, 10)] partial SharedLinear Missing.Head { get; }\n", "NPAS008")] // an interface that does not bind
    public void An_explicit_interface_layer_that_implements_nothing_leaves_nothing_in_generated_code(string layer, string? id)
    {
        // Found by review: with the interface or its member unbound, the property implements nothing, so the check for an
        // explicit implementation passed it, and its name ('Demo.IHas.', 'Missing.Head') went into the generated model as
        // written: two dozen errors in the generated file (CS1001, CS0106, CS0538, CS0103 ...).
        var source = TestModels.ModelSource("[SharedBudget(0.5)]", layer + Head.Replace("Head", "Tail"), "public sealed partial class Net : NpasModule, IHas",
            before: "public interface IHas { SharedLinear Head { get; } }");
        var (npas, inUser, inGenerated) = Build(source);
        Assert.Equal(id is null ? new string[0] : new[] { id }, npas.Select(d => d.Substring(0, 7)).ToArray());
        Assert.NotEmpty(inUser);
        Assert.True(inGenerated.Count == 0, string.Join(" | ", inGenerated));
    }

    [Fact]
    public void A_budget_argument_given_twice_is_the_compilers_error_alone()
    {
        // Found by review: [SharedBudget(Parameters = 5, Parameters = 600)] is CS0643, and the first value was planned
        // beside it (NPAS005, "the budget of 5 parameters cannot be met").
        var (npas, inUser, inGenerated) = Build(Model(Head, classAttributes: "[SharedBudget(Parameters = 5, Parameters = 600)]"));
        Assert.Empty(npas);
        Assert.Contains(inUser, d => d.StartsWith("CS0643"));
        Assert.True(inGenerated.Count == 0, string.Join(" | ", inGenerated));
    }

    [Theory]
    [InlineData("[SharedBudget(Parameters = 1e6)]", Head, "CS0266")]       // a double where a long is wanted
    [InlineData("[SharedBudget(Parameters = 100000L * 3.5)]", Head, "CS0266")]
    [InlineData("[SharedBudget(0.5), Sharing(MaxTemplates = 2.5)]", Head, "CS0266")]
    [InlineData("[SharedBudget(0.5), Sharing(MaxTemplates = 2.0)]", Head, "CS0266")]
    [InlineData("[SharedBudget(0.5), Sharing(Strategy = 1)]", Head, "CS0266")]                   // an int where an enum is wanted
    [InlineData("[SharedBudget(0.5)]", "    [Conv2d(1, 16, 3, Padding = 1.5)] private partial SharedConv2d Stem { get; }\n" + Head, "CS0266")]
    [InlineData("[SharedBudget(0.5)]", "    [Linear(100, 10, Bias = 1)] private partial SharedLinear Head { get; }", "CS0029")]
    [InlineData("[SharedBudget(0.5)]", "    [Linear(100L, 10)] private partial SharedLinear Head { get; }", "CS1503")]
    public void An_argument_the_compiler_refuses_to_convert_is_the_compilers_error_alone(string classAttributes, string members, string compilerError)
    {
        // Found by review: [SharedBudget(Parameters = 1e6)] is CS0266, yet the binder hands the attribute a converted value,
        // and the model was planned with it beside the compiler's error (an NPAS019 could join).
        var (npas, inUser, inGenerated) = Build(Model(members, classAttributes));
        Assert.Empty(npas);
        Assert.Contains(inUser, d => d.StartsWith(compilerError));
        Assert.True(inGenerated.Count == 0, string.Join(" | ", inGenerated));
    }

    [Theory]
    [InlineData("    [Linear(100, 10)] private partial SharedLinear Body { get; } x\n" + Head)]
    [InlineData("    [Linear(100, 10)] private partial SharedLinear Body { get; } ;\n" + Head)]
    [InlineData("    [Linear(100, 10)] private partial SharedLinear Body { get; } 5\n" + Head)]
    [InlineData("    [Linear(100, 10)] private partial SharedLinear Body { get; } x.\n" + Head)]
    [InlineData("    [Linear(100, 10)] private partial SharedLinear Body { get; } =\n" + Head)]
    [InlineData("    [Linear(100, 10)] private partial SharedLinear Body { get; } [\n" + Head)]
    public void A_stray_token_after_a_layer_leaves_the_next_layer_to_the_compilers_error(string members)
    {
        var (npas, inUser, inGenerated) = Build(Model(members));
        Assert.True(npas.Count == 0, string.Join(" | ", npas) + " beside " + string.Join(" | ", inUser));
        Assert.NotEmpty(inUser);
        Assert.True(inGenerated.Count == 0, string.Join(" | ", inGenerated));
    }

    [Fact]
    public void A_budget_attribute_being_typed_gets_no_missing_budget_error()
    {
        var (npas, inUser, inGenerated) = Build(Model(Head, classAttributes: "[SharedBudget(]"));
        Assert.DoesNotContain(npas, d => d.StartsWith("NPAS004"));
        Assert.Contains(inUser, d => d.StartsWith("CS1026") || d.StartsWith("CS1525")); // the syntax error itself
        Assert.True(inGenerated.Count == 0, string.Join(" | ", inGenerated));
    }

    [Theory]
    [InlineData("public sealed partial class Net : TorchSharp.torch.nn.Module<Tensor, Tensor>", "NPAS002")]
    [InlineData("public sealed partial class Net(int size) : NpasModule", "NPAS017")]
    [InlineData("public abstract partial class Net : NpasModule", "NPAS017")]
    public void A_class_that_cannot_be_a_model_leaves_its_own_error_and_no_unimplemented_layer(string declaration, string id)
    {
        var (npas, inUser, inGenerated) = Build(Model(Head, declaration: declaration));
        Assert.Contains(npas, d => d.StartsWith(id));
        Assert.DoesNotContain(inUser, d => d.StartsWith("CS9248")); // the layer got a throwing getter
        Assert.True(inGenerated.Count == 0, string.Join(" | ", inGenerated));
    }

    [Fact]
    public void A_class_without_a_name_yet_gets_no_generated_code()
    {
        // Found by a fuzzing review: 'partial class : NpasModule' while typing gave a file 'Demo..g.cs' of code with no class
        // name, two dozen errors in generated code. The compiler's CS1001 says what is missing.
        var source = SampleModels.Usings + "namespace Demo;\n[SharedBudget(0.5)] public sealed partial class : NpasModule { [Linear(10, 10)] private partial SharedLinear Head { get; } public override Tensor forward(Tensor x) => x; }";
        var (driver, output, diagnostics) = GeneratorHarness.Run(source);
        Assert.Null(driver.GetRunResult().Results.Single().Exception);
        Assert.Empty(GeneratorHarness.GeneratedFiles(driver));
        Assert.DoesNotContain(diagnostics, d => d.Id.StartsWith("NPAS", System.StringComparison.Ordinal));
        Assert.Contains(GeneratorHarness.CompilerProblems(output), d => d.Id == "CS1001");
    }

    [Theory]
    [InlineData("    [Linear(100, 10)] private partial SharedLinear Tail\n")]              // before its '{ get; }'
    [InlineData("    [Linear(100, 10), Repeat(2)] private partial ModuleList<SharedLinear> Tail\n")]
    public void A_layer_typed_up_to_its_name_leaves_nothing_in_generated_code(string typing)
    {
        // Found by review: the parser reads the line as a field (the next member's modifiers ending it), the model was
        // generated, and its constructor left the field unset: CS8618 in the generated file on every new layer typed.
        var (npas, inUser, inGenerated) = Build(Model(Head + "\n" + typing));
        Assert.Empty(npas);
        Assert.Contains(inUser, d => d.StartsWith("CS0592"));
        Assert.True(inGenerated.Count == 0, string.Join(" | ", inGenerated));
    }

    [Theory]
    [InlineData("namespace Demo.\n")]                 // typing 'namespace Demo.Models;'
    [InlineData("namespace \n")]
    [InlineData("namespace { Conv2d(1, 2) Demo;\n")]
    [InlineData("namespace Demo;\npublic partial class {\n", "}")] // a containing class without a name yet
    public void A_model_in_a_namespace_or_type_without_a_name_yet_gets_no_generated_code(string before, string after = "")
    {
        // Found by review: the namespace's missing name is an empty namespace symbol, so the generated part went to
        // 'namespace Demo.;' (a syntax error in the generated file) or to the global namespace, where it met no class of the
        // user's: CS9249, CS1729 and a CS0117 per generated call, all in the generated file. The compiler's CS1001 says it all.
        var source = SampleModels.Usings + before + "[SharedBudget(0.5)] public sealed partial class Net : NpasModule {\n" + Head
            + "\n    public override Tensor forward(Tensor x) => x;\n}\n" + after;
        var (driver, output, diagnostics) = GeneratorHarness.Run(source);
        Assert.Null(driver.GetRunResult().Results.Single().Exception);
        Assert.Empty(GeneratorHarness.GeneratedFiles(driver));
        Assert.DoesNotContain(diagnostics, d => d.Id.StartsWith("NPAS", System.StringComparison.Ordinal));
        Assert.Contains(GeneratorHarness.CompilerProblems(output), d => d.Id == "CS1001");
    }

    [Theory]
    [InlineData("this[] { get; }")]
    [InlineData("this[int] { get; }")]
    public void A_half_typed_indexer_with_a_layer_attribute_leaves_nothing_in_generated_code(string declaration)
    {
        // Found by review: the placeholder repeated 'this[]' or 'this[int ]', and with it the parser's error.
        var (_, output, _) = GeneratorHarness.Run(TestModels.ModelSource("[SharedBudget(0.5)]", TestModels.OneLayer + "\n    [Linear(3, 4)] private partial SharedLinear " + declaration));
        Assert.DoesNotContain(GeneratorHarness.CompilerProblems(output), d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", System.StringComparison.Ordinal) == true);
    }
}
