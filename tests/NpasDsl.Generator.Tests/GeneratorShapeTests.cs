using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using NpasDsl.Generator.Tests.Infrastructure;
using Xunit;
using static NpasDsl.Generator.Tests.Infrastructure.TestModels;

namespace NpasDsl.Generator.Tests;

/// <summary>Class shapes and options that once crashed, hung or broke the generator (found by review), each with the input that did it.</summary>
public sealed class GeneratorShapeTests
{
    private static string Problems(Compilation output, System.Collections.Immutable.ImmutableArray<Diagnostic> diagnostics)
        => string.Join(" | ", diagnostics.Concat(GeneratorHarness.CompilerProblems(output)).Select(d => d.Id + " " + d.GetMessage()));

    [Fact]
    public void A_nested_model_and_a_namespaced_model_of_the_same_dotted_name_both_get_their_code()
    {
        // Demo.Outer.Net twice: once as class Net in namespace Demo.Outer, once as class Net inside class Demo.Outer.
        var source = SampleModels.Usings + """
            namespace Demo.Outer { [SharedBudget(0.5)] public sealed partial class Net : NpasModule { [Linear(10, 10)] private partial SharedLinear Head { get; } public override Tensor forward(Tensor x) => Head.call(x); } }
            namespace Demo { public partial class Outer { [SharedBudget(0.5)] public sealed partial class Net : NpasModule { [Linear(10, 10)] private partial SharedLinear Head { get; } public override Tensor forward(Tensor x) => Head.call(x); } } }
            """;
        var (driver, output, diagnostics) = GeneratorHarness.Run(source);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        // The user's CS0101 (namespace Demo.Outer and class Demo.Outer) is the only problem: no CS8785, no missing code.
        Assert.True(diagnostics.IsEmpty && GeneratorHarness.CompilerProblems(output).All(d => d.Id == "CS0101"), Problems(output, diagnostics));
        Assert.Equal(new[] { "Demo.Outer+Net.g.cs", "Demo.Outer.Net.g.cs" }, result.GeneratedSources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("net", "@net")]     // CS8981: a lower-case name may become a keyword
    [InlineData("@net", "@net")]    // silenced with @ by the user, so the generated part must not warn either
    [InlineData("@record", "@record")] // CS8860: a contextual keyword
    [InlineData("Net", "Net")]
    public void A_model_type_name_the_compiler_warns_about_is_escaped_in_the_generated_part(string declared, string generated)
    {
        // Found by a fuzzing review: the generated 'partial class record' warned where the user cannot silence it.
        var model = ModelSource("[SharedBudget(0.5)]", OneLayer, $"public sealed partial class {declared} : NpasModule")
            .Replace("namespace Demo;", "namespace Demo; public partial class outer {").TrimEnd() + "\n}";
        var (driver, output, diagnostics) = GeneratorHarness.Run(model);
        var code = Assert.Single(GeneratorHarness.GeneratedFiles(driver)).Value;
        Assert.Contains($"partial class {generated}\n", code.Replace("\r\n", "\n"));
        Assert.Contains($"public {generated}(global::NpasDsl.NpasOptions? options = null)", code);
        Assert.Contains("partial class @outer", code);
        var generatedProblems = GeneratorHarness.CompilerProblems(output).Where(d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
        Assert.True(diagnostics.IsEmpty && !generatedProblems.Any(), Problems(output, diagnostics));

        // The escaped name in the doc comment's cref resolves: parsed with documentation diagnostics, nothing warns (CS1574).
        var documented = (Microsoft.CodeAnalysis.CSharp.CSharpParseOptions)GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        var reparsed = output.RemoveAllSyntaxTrees().AddSyntaxTrees(output.SyntaxTrees.Select(t => Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(t.ToString(), documented, t.FilePath)));
        Assert.DoesNotContain(reparsed.GetDiagnostics(), d => d.Id == "CS1574" || d.Id == "CS1584");
    }

    [Fact]
    public void A_model_whose_generated_code_passes_a_megabyte_is_written_whole()
    {
        // Found by review: Scriban stops a render at 1,048,576 characters by default (LimitToString) and appends "...", so a
        // model of many layers with long names got a cut-off generated file that did not compile (CS1513 and others).
        string name = new string('L', 400);
        var layers = string.Join("\n", Enumerable.Range(0, 320).Select(i => $"    [Linear(2, 2)] private partial SharedLinear {name}{i} {{ get; }}"));
        var (driver, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.9)]", layers));
        var code = Assert.Single(GeneratorHarness.GeneratedFiles(driver)).Value;
        Assert.True(code.Length > 1_100_000, code.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(diagnostics.IsEmpty && GeneratorHarness.CompilerProblems(output).Count == 0, Problems(output, diagnostics));
        Assert.EndsWith($"private partial global::NpasDsl.SharedLinear {name}319 => _{name.ToLowerInvariant()[0]}{name.Substring(1)}319;\n}}\n", code);
    }

    [Fact]
    public void A_backing_field_never_takes_the_models_own_name()
    {
        // Found by review: class _head with a layer Head got the backing field '_head', a member with its class's name
        // (CS0542) inside the generated file.
        var (driver, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class _head : NpasModule"));
        Assert.True(diagnostics.IsEmpty && GeneratorHarness.CompilerProblems(output).Count == 0, Problems(output, diagnostics));
        Assert.Contains("private partial global::NpasDsl.SharedLinear Head => _head2;", Assert.Single(GeneratorHarness.GeneratedFiles(driver)).Value);
    }

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
        Assert.Equal(new[] { "Demo.Net.g.cs" }, GeneratorHarness.GeneratedFiles(GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer)).Driver).Keys);
    }

    [Fact]
    public void A_template_split_with_no_cap_on_templates_is_planned_in_the_ide_without_hanging()
    {
        var (driver, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(1.0), Sharing(BankSplit = BankSplit.Templates, MaxTemplates = int.MaxValue)]",
            "    [Linear(10, 10), Repeat(2)] private partial ModuleList<SharedLinear> Body { get; }"));
        Assert.DoesNotContain(diagnostics, d => d.Id == "NPAS022");
        Assert.Single(GeneratorHarness.GeneratedFiles(driver));
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
    }

    [Fact]
    public void A_higher_template_cap_that_cannot_be_planned_is_not_suggested_and_is_no_internal_error()
    {
        // Without upsampling, 4,096 templates would give the 600 small layers more coefficients than the budget holds.
        var (driver, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(2.0), Sharing(Upsampler = Upsampler.None, MaxTemplates = 1)]",
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
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", $"    [Linear(100, 10)]{attribute} private partial SharedLinear Head {{ get; }}"));
        Assert.Contains(diagnostics, d => d.Id == "NPAS013" && d.GetMessage().Contains("is not a simple name"));
    }

    [Fact]
    public void A_mask_period_beyond_the_supported_one_is_refused_with_the_limit()
    {
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5), Sharing(Upsampler = Upsampler.Mask, MaskPeriod = int.MaxValue)]", OneLayer));
        Assert.Contains(diagnostics, d => d.Id == "NPAS013" && d.GetMessage().Contains("at most 65,536 multipliers per copy"));
    }

    [Theory]
    [InlineData("    private partial void OnCreated() { }")]
    [InlineData("    static partial void OnCreated() { }")]
    [InlineData("    partial void OnCreated();")]
    public void An_OnCreated_that_is_not_the_hooks_implementation_is_NPAS017(string member)
    {
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer + "\n" + member));
        var d = Assert.Single(diagnostics, x => x.Id == "NPAS017");
        Assert.Contains("(with a body, no access modifier, not static, no parameters)", d.GetMessage());
    }

    [Fact]
    public void A_base_class_between_the_model_and_NpasModule_needs_the_model_constructor()
    {
        const string without = "public abstract class MyBase : NpasModule { protected MyBase(NpasDsl.Planning.NetworkSpec d) : base(d, null) { } }";
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: without));
        var d = Assert.Single(diagnostics, x => x.Id == "NPAS017");
        Assert.Contains("derives from NpasModule through 'MyBase'", d.GetMessage());
        Assert.Contains("protected MyBase(NetworkSpec declaration, NpasOptions? options) : base(declaration, options)", d.GetMessage());

        const string with = "public abstract class MyBase : NpasModule { protected MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions? o) : base(d, o) { } }";
        var (driver, output, clean) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: with));
        Assert.True(clean.IsEmpty && GeneratorHarness.CompilerProblems(output).Count == 0, Problems(output, clean));
        Assert.Single(GeneratorHarness.GeneratedFiles(driver));
    }

    [Fact]
    public void A_layer_may_take_the_name_of_a_private_member_of_a_base_class_but_not_of_a_protected_one()
    {
        // A private member is not inherited: NPAS016 said "has the name of a member the model inherits from MyBase".
        string Base(string access) => "public abstract class MyBase : NpasModule { protected MyBase(NpasDsl.Planning.NetworkSpec d, NpasOptions? o) : base(d, o) { } "
            + access + " int Head = 1; public int Read() => Head; }";
        var (driver, output, clean) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: Base("private")));
        Assert.True(clean.IsEmpty && GeneratorHarness.CompilerProblems(output).Count == 0, Problems(output, clean));
        Assert.Single(GeneratorHarness.GeneratedFiles(driver));

        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: Base("protected")));
        var d = Assert.Single(diagnostics, x => x.Id == "NPAS016");
        Assert.Contains("has the name of a member the model inherits from MyBase", d.GetMessage());
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
        var (_, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: baseClass));
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
        var (_, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: baseClass));

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
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: baseClass));
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
        var (_, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : MyBase", before: baseClass));
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
        var diagnostics = GeneratorHarness.RunWith(library, ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : Lib.MyBase"));
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
        var (driver, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", members));
        Assert.True(diagnostics.IsEmpty && GeneratorHarness.CompilerProblems(output).Count == 0, Problems(output, diagnostics));
        var code = GeneratorHarness.GeneratedFiles(driver).Single().Value;
        Assert.Contains("_head = base.CreateLinear(\"Head\");", code);
        Assert.Contains("base.CompleteConstruction();", code);
    }
}
