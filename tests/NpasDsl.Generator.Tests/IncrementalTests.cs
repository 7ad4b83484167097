using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NpasDsl.Generator.Tests.Infrastructure;
using Xunit;

namespace NpasDsl.Generator.Tests;

/// <summary>The pipeline caches: unrelated edits leave the model steps cached; a budget change modifies them.</summary>
public sealed class IncrementalTests
{
    private static readonly string[] ModelSteps = { NpasGenerator.Steps.Parse, NpasGenerator.Steps.Models };

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorDriver driver, string step)
        => driver.GetRunResult().Results.Single().TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    private static GeneratorDriver RunTwice(string first, System.Func<Compilation, Compilation> edit)
    {
        var compilation = GeneratorHarness.Compile(first);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        return driver.RunGenerators(edit(compilation));
    }

    [Fact]
    public void Adding_an_unrelated_file_leaves_model_steps_cached()
    {
        var driver = RunTwice(SampleModels.FashionNet, c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other; public class Unrelated { }", GeneratorHarness.ParseOptions, path: "Other.cs")));
        foreach (var step in ModelSteps.Append(NpasGenerator.Steps.HintNameClashes))
            Assert.All(Reasons(driver, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
    }

    [Fact]
    public void Editing_the_forward_body_leaves_the_model_unchanged()
    {
        var driver = RunTwice(SampleModels.FashionNet, c =>
        {
            var tree = c.SyntaxTrees.Single();
            var edited = tree.ToString().Replace("mean(new long[] { 2, 3 })", "mean(new long[] { 3, 2 })");
            return c.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(edited)));
        });
        Assert.All(Reasons(driver, NpasGenerator.Steps.Models), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.All(Reasons(driver, NpasGenerator.Steps.Parse), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void Adding_a_model_whose_name_differs_only_in_case_renames_both_files()
    {
        var driver = RunTwice(SampleModels.FashionNet, c =>
        {
            var tree = c.SyntaxTrees.Single();
            var upper = tree.ToString().Replace("partial class FashionNet", "partial class FASHIONNET").Replace("FashionNet(", "FASHIONNET(");
            return c.AddSyntaxTrees(CSharpSyntaxTree.ParseText(upper, GeneratorHarness.ParseOptions, path: "Upper.cs"));
        });
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(driver, NpasGenerator.Steps.HintNameClashes));
        var names = GeneratorHarness.GeneratedFiles(driver).Keys.ToList();
        Assert.Equal(2, names.Count);
        Assert.All(names, n => Assert.Matches(@"\.(FashionNet|FASHIONNET)-[0-9a-f]{8}\.g\.cs$", n));
    }

    [Fact]
    public void Changing_the_budget_modifies_the_model()
    {
        var driver = RunTwice(SampleModels.FashionNet, c =>
        {
            var tree = c.SyntaxTrees.Single();
            var edited = tree.ToString().Replace("SharedBudget(0.10)", "SharedBudget(0.25)");
            return c.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(edited)));
        });
        foreach (var step in ModelSteps)
            Assert.Contains(IncrementalStepRunReason.Modified, Reasons(driver, step));
        // The file names are not worked out again: no model was added, removed or renamed.
        Assert.All(Reasons(driver, NpasGenerator.Steps.HintNameClashes), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }
}
