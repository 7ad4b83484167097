using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NpasDsl.Generator.Tests.Infrastructure;
using Xunit;
using static NpasDsl.Generator.Tests.Infrastructure.TestModels;

namespace NpasDsl.Generator.Tests;

/// <summary>The pipeline caches: unrelated edits leave the model steps cached; a budget change modifies them.</summary>
public sealed class IncrementalTests
{
    private static readonly string[] ModelSteps = { NpasGenerator.Steps.Parse, NpasGenerator.Steps.Networks, NpasGenerator.Steps.Budget, NpasGenerator.Steps.Planned, NpasGenerator.Steps.Models };

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
    public void The_missing_budget_check_stays_cached_for_an_unrelated_file_and_reports_once_a_budget_goes()
    {
        var unrelated = RunTwice(SampleModels.FashionNet, c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other; public class Unrelated { }", GeneratorHarness.ParseOptions, path: "Other.cs")));
        Assert.All(Reasons(unrelated, NpasGenerator.Steps.MissingBudget), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));

        var removed = RunTwice(SampleModels.FashionNet, c =>
        {
            var tree = c.SyntaxTrees.Single();
            return c.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(tree.ToString().Replace("[SharedBudget(0.10)]", ""))));
        });
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(removed, NpasGenerator.Steps.MissingBudget));
        Assert.Equal("NPAS026", Assert.Single(removed.GetRunResult().Diagnostics).Id);
    }

    [Fact]
    public void The_missing_budget_check_follows_a_budget_added_or_removed_in_another_file_of_the_class()
    {
        // The layers are in one file, the class's attributes in another: an edit of the second alone must clear NPAS026
        // (and bring it back), though the file with the layers did not change.
        var withLayers = SampleModels.Usings + "namespace Demo;\npublic sealed partial class Net\n{\n" + OneLayer + "\n}\n";
        string Head(string attributes) => SampleModels.Usings + "namespace Demo;\n" + attributes + "\npublic sealed partial class Net : NpasModule\n{\n    public override Tensor forward(Tensor x) => Head.forward(x);\n}\n";
        var compilation = GeneratorHarness.Compile(Head(""), withLayers);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        Assert.Equal("NPAS026", Assert.Single(driver.GetRunResult().Diagnostics).Id);

        var first = compilation.SyntaxTrees.First();
        var budgeted = compilation.ReplaceSyntaxTree(first, first.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Head("[SharedBudget(0.5)]"))));
        driver = driver.RunGenerators(budgeted);
        Assert.DoesNotContain(driver.GetRunResult().Diagnostics, d => d.Id == "NPAS026");

        var again = budgeted.SyntaxTrees.First();
        driver = driver.RunGenerators(budgeted.ReplaceSyntaxTree(again, again.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Head("")))));
        Assert.Equal("NPAS026", Assert.Single(driver.GetRunResult().Diagnostics).Id);
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

    private static Compilation EditSingleTree(Compilation compilation, System.Func<string, string> edit)
    {
        var tree = compilation.SyntaxTrees.Single();
        return compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(edit(tree.ToString()))));
    }

    [Fact]
    public void Moving_the_class_within_its_file_does_not_plan_the_budget_again()
    {
        // Lines above the class move every attribute: the parse runs again and sees new places, but the model is the same,
        // so the planning step (which a large model's budget bisection makes the costly one) is served from the cache.
        var driver = RunTwice(SampleModels.FashionNet, c => EditSingleTree(c, text => "// a comment\n// and another\n" + text));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(driver, NpasGenerator.Steps.Parse));
        Assert.All(Reasons(driver, NpasGenerator.Steps.ParsedModels), r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));
        // Cached, not Unchanged: the planner did not run at all (Unchanged would mean it ran and found the same).
        Assert.All(Reasons(driver, NpasGenerator.Steps.Budget), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(Reasons(driver, NpasGenerator.Steps.Models), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void Changing_how_a_layer_property_is_written_rewrites_the_class_without_planning_it_again()
    {
        // The modifier goes into the generated part, but the planner never reads it: the network is unchanged.
        var driver = RunTwice(SampleModels.FashionNet, c => EditSingleTree(c, text => text.Replace("private partial SharedLinear Head", "internal partial SharedLinear Head")));
        Assert.All(Reasons(driver, NpasGenerator.Steps.ParsedModels), r => Assert.Equal(IncrementalStepRunReason.Modified, r));
        Assert.All(Reasons(driver, NpasGenerator.Steps.Networks), r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));
        Assert.All(Reasons(driver, NpasGenerator.Steps.Budget), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(Reasons(driver, NpasGenerator.Steps.Models), r => Assert.Equal(IncrementalStepRunReason.Modified, r));
        Assert.Contains("internal partial global::NpasDsl.SharedLinear Head", Assert.Single(GeneratorHarness.GeneratedFiles(driver).Values));
    }

    [Fact]
    public void Editing_one_model_leaves_the_other_models_output_cached()
    {
        // Every model looks its verdict up among all of them, so the lookup runs again for both; the untouched model's
        // pair compares equal and its file is not written again.
        var other = ModelSource("[SharedBudget(0.5)]", "    [Linear(10, 10)] private partial SharedLinear Layer { get; }");
        var compilation = GeneratorHarness.Compile(SampleModels.FashionNet, other);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var fashion = compilation.SyntaxTrees.First();
        var edited = fashion.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(fashion.ToString().Replace("SharedBudget(0.10)", "SharedBudget(0.25)")));
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(fashion, edited));
        var reasons = Reasons(driver, NpasGenerator.Steps.Models).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
        Assert.Contains(reasons, r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void A_cached_budget_warning_points_at_the_budget_where_it_is_after_an_edit()
    {
        // NPAS019: 50x the parameters of a layer that two templates can read only 200 entries of.
        var source = ModelSource("[SharedBudget(50.0), Sharing(MaxTemplates = 2)]", "    [Linear(10, 10, Bias = false)] private partial SharedLinear Layer { get; }");
        var compilation = GeneratorHarness.Compile(source);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        int lineBefore = BudgetWarning(driver).Location.GetLineSpan().StartLinePosition.Line;

        driver = driver.RunGenerators(EditSingleTree(compilation, text => "// three lines\n// pushed in\n// above\n" + text));
        Assert.All(Reasons(driver, NpasGenerator.Steps.Budget), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        var after = BudgetWarning(driver);
        Assert.Equal(lineBefore + 3, after.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal("50.0", At(after));
    }

    private static Diagnostic BudgetWarning(GeneratorDriver driver)
        => Assert.Single(driver.GetRunResult().Diagnostics, d => d.Id == "NPAS019");
}
