using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using NpasDsl.Generator.Tests.Infrastructure;
using Xunit;
using static NpasDsl.Generator.Tests.Infrastructure.TestModels;

namespace NpasDsl.Generator.Tests;

/// <summary>The model class itself: partial, on NpasModule, not generic, static, abstract or file-local, no members that clash with the generated part, C# 13 or later.</summary>
public sealed class ModelClassDiagnosticTests
{
    [Fact]
    public void NPAS001_class_not_partial_points_at_the_class_name()
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed class Net : NpasModule"), "NPAS001");
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
    public void NPAS001_is_left_to_the_compiler_where_another_declaration_of_the_class_is_partial()
    {
        // Found by review: with 'partial' on the class's other declaration, the compiler's CS0260 already asks for it on the
        // attributed one; NPAS001 said it again, and the class lost its generated part (a CS9248 per layer, CS7036 too).
        var first = ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed class Net : NpasModule");
        var second = SampleModels.Usings + "namespace Demo;\npublic sealed partial class Net\n{\n    [Linear(3, 4)] private partial SharedLinear Tail { get; }\n}\n";
        var (driver, output, diagnostics) = GeneratorHarness.Run(first, second);
        Assert.Empty(diagnostics);
        Assert.Contains("public static global::NpasDsl.Planning.NetworkSpec Declaration", Assert.Single(GeneratorHarness.GeneratedFiles(driver)).Value);
        Assert.Equal(new[] { "CS0260" }, GeneratorHarness.CompilerProblems(output).Select(d => d.Id).ToArray());
    }

    [Theory]
    [InlineData("Declaration")]
    [InlineData("OnCreated")]
    public void NPAS017_a_model_named_like_a_generated_member_says_to_rename_it(string name)
    {
        // Found by review: the generated part declared a member of the class's own name, CS0542 inside the generated file.
        var (_, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer, $"public sealed partial class {name} : NpasModule"));
        var d = Assert.Single(diagnostics);
        Assert.Equal("NPAS017", d.Id);
        Assert.Equal(name, At(d));
        Assert.Contains($"is named '{name}', like a member the generated part declares in it", d.GetMessage());
        Assert.Contains("rename the class", d.GetMessage());
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
    }

    [Theory]
    [InlineData("public sealed partial record Net")]
    [InlineData("public sealed partial record class Net")]
    [InlineData("public sealed partial record Net : NpasModule")] // the compiler's CS8864 too; ours says what to write
    public void NPAS017_a_record_says_to_declare_a_class(string declaration)
    {
        // Found by review: [SharedBudget] is valid on a record class (AttributeUsage Class), but the generator only looked at
        // class declarations, so a record got nothing but one CS9248 per layer, with no word of why.
        var d = Single(ModelSource("[SharedBudget(0.5)]", OneLayer, declaration), "NPAS017");
        Assert.Equal("Net", At(d));
        Assert.Contains("is a record", d.GetMessage());
        Assert.Contains("declare it as 'partial class Net : NpasModule'", d.GetMessage());
    }

    [Fact]
    public void A_record_struct_with_SharedBudget_is_the_compilers_error_alone()
    {
        var (_, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", "", "public partial record struct Net"));
        Assert.Empty(diagnostics);
        Assert.Contains(GeneratorHarness.CompilerProblems(output), d => d.Id == "CS0592");
    }

    [Fact]
    public void NPAS002_not_an_npas_module()
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", OneLayer.Replace("private partial", "private partial"), "public sealed partial class Net : TorchSharp.torch.nn.Module<Tensor, Tensor>"), "NPAS002");
        Assert.Equal("Net", At(d));
        Assert.Contains("derive it from NpasDsl.NpasModule", d.GetMessage());
    }

    [Fact]
    public void NPAS002_names_a_sealed_base_as_written_and_is_not_raised_where_that_base_is_an_npas_module()
    {
        // Found by a fuzzing review: the compiler refuses a sealed base (CS0509) and leaves 'object' as the base type, so
        // NPAS002 said "derives from 'object'". A sealed NpasModule base is the compiler's error alone.
        const string sealedModule = "public sealed class Base : NpasModule { public Base() : base(null!, null) { } public override Tensor forward(Tensor x) => x; }";
        var (_, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : Base", sealedModule));
        Assert.DoesNotContain(diagnostics, d => d.Id.StartsWith("NPAS", StringComparison.Ordinal));
        var compiler = GeneratorHarness.CompilerProblems(output);
        Assert.Contains(compiler, c => c.Id == "CS0509");
        Assert.DoesNotContain(compiler, c => c.Id == "CS9248" || c.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);

        var d = Single(ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : Base", "public sealed class Base { }"), "NPAS002");
        Assert.Contains("derives from 'Demo.Base'", d.GetMessage());
    }

    [Fact]
    public void NPAS002_alone_for_a_module_on_another_base_with_the_constructor_that_base_needs()
    {
        // Found by a consumer audit: TorchSharp's Module needs a constructor of the class's own, and NPAS017's "remove it"
        // was wrong advice while the class is on that base. It is reported once the class derives from NpasModule.
        var members = OneLayer + "\n    public Net() : base(\"net\") { }";
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", members, "public sealed partial class Net : TorchSharp.torch.nn.Module<Tensor, Tensor>"));
        Assert.Equal(new[] { "NPAS002" }, diagnostics.Where(d => d.Id.StartsWith("NPAS", StringComparison.Ordinal)).Select(d => d.Id).ToArray());
        var onNpasModule = ModelSource("[SharedBudget(0.5)]", OneLayer + "\n    public Net() : base(null!, null) { }");
        Assert.Contains("declares a constructor", Single(onNpasModule, "NPAS017").GetMessage());
    }

    [Fact]
    public void NPAS017_a_static_class_gets_one_error_that_says_why()
    {
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", "    [Linear(100, 10)] private static partial SharedLinear Head { get; }", "public static partial class Net"));
        var d = Assert.Single(diagnostics);
        Assert.Equal("NPAS017", d.Id);
        Assert.Contains("is static, but a model is an object built with 'new Net(options)'; remove 'static' and derive it from NpasModule", d.GetMessage());
    }

    [Fact]
    public void NPAS017_an_abstract_model_could_never_be_built()
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", OneLayer, "public abstract partial class Net : NpasModule"), "NPAS017");
        Assert.Equal("Net", At(d));
        Assert.Contains("is abstract, but a model is built with 'new Net(options)' and no class may derive from it; remove 'abstract'", d.GetMessage());
    }

    [Fact]
    public void NPAS012_generic_model()
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net<T> : NpasModule"), "NPAS012");
        Assert.Equal("Net", At(d));
        Assert.StartsWith("'Net' is generic; declare the model in a non-generic class", d.GetMessage());
    }

    [Fact]
    public void NPAS012_a_model_nested_in_a_generic_type_names_that_type_not_the_model()
    {
        // 'Net' has no type parameters of its own: "'Net' is generic" would send the user looking for them on the wrong class.
        var source = SampleModels.Usings + "public partial class Outer<T> { [SharedBudget(0.5)] public sealed partial class Net : NpasModule { " + OneLayer + " public override Tensor forward(Tensor x) => x; } }";
        var d = Single(source, "NPAS012");
        Assert.Equal("Net", At(d));
        Assert.StartsWith("'Net' is nested in the generic type 'Outer<T>'; declare the model in a non-generic class, outside any generic type", d.GetMessage());
    }

    [Theory]
    [InlineData(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp12, "12.0")]
    [InlineData(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp10, "10.0")]
    public void NPAS023_below_csharp_13_names_the_version_and_generates_nothing(Microsoft.CodeAnalysis.CSharp.LanguageVersion version, string shown)
    {
        var (driver, output, diagnostics) = RunAt(version, ModelSource("[SharedBudget(0.5)]", OneLayer));
        var d = Assert.Single(diagnostics);
        Assert.Equal("NPAS023", d.Id);
        Assert.Equal("Net", At(d));
        Assert.Contains($"this project compiles C# {shown}; set <LangVersion>13</LangVersion>", d.GetMessage());
        Assert.Empty(GeneratorHarness.GeneratedFiles(driver));
        // The compiler's own error stays, in the user's file only.
        Assert.Contains(GeneratorHarness.CompilerProblems(output), p => p.Id == "CS8703");
        Assert.DoesNotContain(GeneratorHarness.CompilerProblems(output), p => p.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
        // C# 13 itself is enough.
        Assert.Empty(RunAt(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp13, ModelSource("[SharedBudget(0.5)]", OneLayer)).Diagnostics);
    }

    private static (GeneratorDriver Driver, Compilation Output, System.Collections.Immutable.ImmutableArray<Diagnostic> Diagnostics) RunAt(Microsoft.CodeAnalysis.CSharp.LanguageVersion version, string source)
    {
        var options = GeneratorHarness.ParseOptions.WithLanguageVersion(version);
        var compilation = GeneratorHarness.Compile().AddSyntaxTrees(Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(source, options, path: "Model0.cs"));
        var driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(new[] { new NpasGenerator().AsSourceGenerator() }, parseOptions: options)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (driver, output, diagnostics);
    }

    [Theory]
    [InlineData("public sealed partial class Net(int size) : NpasModule", "has a primary constructor")]
    [InlineData("file sealed partial class Net : NpasModule", "is a file-local class")]
    public void NPAS017_unsupported_class_shapes(string declaration, string problem)
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", OneLayer, declaration), "NPAS017");
        Assert.Equal("Net", At(d));
        Assert.Contains(problem, d.GetMessage());
    }

    [Fact]
    public void NPAS017_user_constructor_and_derived_model()
    {
        var withConstructor = Single(ModelSource("[SharedBudget(0.5)]", OneLayer + "\n    public Net() : base(Declaration, null) { }"), "NPAS017");
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
        var d = Single(ModelSource("[SharedBudget(0.5)]", OneLayer + "\n" + member), "NPAS017");
        Assert.Equal("Net", At(d));
        Assert.Contains(problem, d.GetMessage());
    }

    [Fact]
    public void The_OnCreated_hook_and_its_overloads_are_no_clash()
    {
        var (driver, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer + "\n    partial void OnCreated() { }\n    void OnCreated(int size) { }"));
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
        Assert.Single(driver.GetRunResult().Results.Single().GeneratedSources);
    }
}
