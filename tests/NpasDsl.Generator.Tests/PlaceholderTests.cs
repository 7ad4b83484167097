using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using NpasDsl.Generator.Tests.Infrastructure;
using Xunit;
using static NpasDsl.Generator.Tests.Infrastructure.TestModels;

namespace NpasDsl.Generator.Tests;

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

    /// <summary>The one generated file of <paramref name="source"/>, after asserting the NPAS error expected and no compiler problem beside it.</summary>
    private static string PlaceholderWithNpasErrorsAlone(string source, Predicate<Diagnostic> expected)
    {
        var (driver, output, diagnostics) = GeneratorHarness.Run(source);
        Assert.Contains(diagnostics, expected);
        var compiler = GeneratorHarness.CompilerProblems(output);
        Assert.True(compiler.Count == 0, string.Join(" | ", compiler.Select(d => d.Id + " " + d.GetMessage())));
        return Assert.Single(GeneratorHarness.GeneratedFiles(driver)).Value;
    }

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
        var code = PlaceholderWithNpasErrorsAlone(source, d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("NPAS"));
        Assert.Contains("Placeholder layers of <see cref=\"Net\"/>", code);
        Assert.Contains("private partial global::NpasDsl.SharedLinear Broken => throw new global::System.InvalidOperationException(\"'Net' has errors in its NpasDsl attributes", code);
        Assert.Contains("public partial global::NpasDsl.SharedLinear Fine => throw", code);
        Assert.Contains("internal partial global::TorchSharp.Modules.ModuleList<global::NpasDsl.SharedConv2d> Body => throw", code);
        Assert.Contains("partial class Outer", code);
        Assert.Contains("Declaration => global::NpasDsl.NpasModule.DeclarationWithErrors(\"Net\")", code);
    }

    [Fact]
    public void A_budget_that_cannot_be_met_leaves_only_its_own_error_and_every_layer_gets_a_throwing_getter()
    {
        // The planning step builds this placeholder from the model (PlaceholderSpec.For), not from the class: it must
        // declare every layer as the user did, or the compiler adds CS9248 or CS8799 to the NPAS005.
        var source = Model("""
                    [Linear(10, 10)] public partial SharedLinear Fine { get; }
                    [Conv2d(1, 4, 3), Repeat(2)] internal partial ModuleList<SharedConv2d> @class { get; }
                    [Linear(10, 10)] private partial SharedLinear? Maybe { get; }
                    partial void OnCreated() { }
            """).Replace("[SharedBudget(0.5)]", "[SharedBudget(Parameters = 3), Sharing(Upsampler = Upsampler.None)]");
        var code = PlaceholderWithNpasErrorsAlone(source, d => d.Id is "NPAS005" or "NPAS020");
        Assert.Contains("public partial global::NpasDsl.SharedLinear Fine => throw", code);
        Assert.Contains("internal partial global::TorchSharp.Modules.ModuleList<global::NpasDsl.SharedConv2d> @class => throw", code);
        Assert.Contains("private partial global::NpasDsl.SharedLinear? Maybe => throw", code);
        Assert.Contains("Declaration => global::NpasDsl.NpasModule.DeclarationWithErrors(\"Net\")", code);
    }

    [Theory]
    [InlineData("private void OnCreated() { }")]
    [InlineData("public static int Declaration => 1;")]
    public void A_member_named_like_a_generated_one_leaves_only_its_own_error(string member)
    {
        // NPAS017 keeps Declaration and OnCreated out of the placeholder, but the constructor clashes with neither: without
        // it NpasModule's constructor was reported beside NPAS017 (CS7036: no argument for 'declaration').
        var source = Model("        [Linear(10, 10)] private partial SharedLinear Head { get; }\n        " + member);
        var code = PlaceholderWithNpasErrorsAlone(source, d => d.Id == "NPAS017");
        Assert.Contains("public Net(global::NpasDsl.NpasOptions? options = null)", code);
        Assert.DoesNotContain("NetworkSpec Declaration", code);
        Assert.DoesNotContain("partial void OnCreated()", code);
        Assert.Contains("private partial global::NpasDsl.SharedLinear Head => throw", code);
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
