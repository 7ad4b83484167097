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
        => DiagnosticTests.Model(classAttributes, members, declaration);

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
    public void A_mistake_the_compiler_reports_gets_no_diagnostic_of_ours_and_none_in_generated_code(string members, string compilerError)
    {
        var (npas, inUser, inGenerated) = Build(Model(members));
        Assert.Empty(npas);
        Assert.Contains(inUser, d => d.StartsWith(compilerError));
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
    public void A_class_that_cannot_be_a_model_leaves_its_own_error_and_no_unimplemented_layer(string declaration, string id)
    {
        var (npas, inUser, inGenerated) = Build(Model(Head, declaration: declaration));
        Assert.Contains(npas, d => d.StartsWith(id));
        Assert.DoesNotContain(inUser, d => d.StartsWith("CS9248")); // the layer got a throwing getter
        Assert.True(inGenerated.Count == 0, string.Join(" | ", inGenerated));
    }
}
