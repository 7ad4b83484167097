using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using NpasDsl.Generator.Tests.Infrastructure;
using Xunit;
using static NpasDsl.Generator.Tests.Infrastructure.TestModels;

namespace NpasDsl.Generator.Tests;

/// <summary>Sharing options: the [Sharing] values, group names, exact (SPIN) sharing settings and sharing attributes in the wrong place.</summary>
public sealed class SharingDiagnosticTests
{
    [Fact]
    public void NPAS013_invalid_sharing_option_points_at_the_named_argument()
    {
        var d = Single(ModelSource("[SharedBudget(0.5), Sharing(MaxTemplates = 0)]", OneLayer), "NPAS013");
        Assert.Equal("MaxTemplates = 0", At(d));
        Assert.Contains("MaxTemplates is 0", d.GetMessage());
    }

    [Fact]
    public void NPAS013_a_mask_period_below_one_points_at_the_named_argument()
    {
        var d = Single(ModelSource("[SharedBudget(0.5), Sharing(Upsampler = Upsampler.Mask, MaskPeriod = 0)]", OneLayer), "NPAS013");
        Assert.Equal("MaskPeriod = 0", At(d));
        Assert.Contains("MaskPeriod is 0 but a masked copy needs at least 1 multiplier", d.GetMessage());
    }

    [Theory]
    [InlineData("Sharing(MaskPeriod = 32)", "MaskPeriod = 32", "MaskPeriod sets the period of the Mask upsampler's copy masks, but the upsampler is Repeat, so it has no effect; set Upsampler = Upsampler.Mask, or remove MaskPeriod")]
    [InlineData("Sharing(Upsampler = Upsampler.Hash, MaskPeriod = 8)", "MaskPeriod = 8", "but the upsampler is Hash, so it has no effect")]
    [InlineData("Sharing(Combiner = Combiner.RoundRobin, MaxTemplates = 4)", "MaxTemplates = 4", "Combiner.RoundRobin reads one template per layer, so it has no effect")]
    public void NPAS025_an_option_the_other_options_make_moot_is_a_warning_at_its_argument(string sharing, string at, string message)
    {
        // Found by a review: MaskPeriod without the Mask upsampler was ignored without a word.
        var source = ModelSource($"[SharedBudget(0.5), {sharing}]", OneLayer);
        var d = Single(source, "NPAS025");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal(at, At(d));
        Assert.Contains(message, d.GetMessage());
        var (driver, output, _) = GeneratorHarness.Run(source); // the model is still generated
        Assert.Single(GeneratorHarness.GeneratedFiles(driver));
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
    }

    [Theory]
    [InlineData("Sharing(Upsampler = Upsampler.Mask, MaskPeriod = 32)")]
    [InlineData("Sharing(Combiner = Combiner.WeightedAverage, MaxTemplates = 4)")]
    [InlineData("Sharing(Combiner = Combiner.RoundRobin)")]
    public void NPAS025_is_not_reported_where_the_option_is_in_effect(string sharing)
        => Assert.DoesNotContain(GeneratorHarness.Run(ModelSource($"[SharedBudget(0.5), {sharing}]", OneLayer)).Diagnostics, d => d.Id == "NPAS025");

    [Fact]
    public void NPAS013_coefficient_sharing_needs_the_weighted_average_combiner()
    {
        var d = Single(ModelSource("[SharedBudget(0.5), Sharing(Combiner = Combiner.Average, CoefficientSharing = CoefficientSharing.ByShape)]", OneLayer), "NPAS013");
        Assert.Equal("CoefficientSharing = CoefficientSharing.ByShape", At(d));
        Assert.Contains("Combiner Average has none", d.GetMessage());
    }

    [Fact]
    public void NPAS014_sharing_attribute_on_a_norm_is_a_warning_located_in_the_real_syntax_tree()
    {
        var members = "    [BatchNorm2d(8), NoShare] private partial BatchNorm2d Norm { get; }\n" + OneLayer;
        var (_, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", members));
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
        var d = Single(ModelSource("[SharedBudget(0.5)]", "    [NoShare] private partial SharedLinear Layer { get; }\n" + OneLayer), "NPAS015");
        Assert.Equal("NoShare", At(d));
    }

    [Theory]
    [InlineData("[NoShare] private partial SharedLinear Layer { get; }")]
    [InlineData("[ShareGroup(\"g\")] private partial SharedLinear Layer { get; }")]
    [InlineData("[Repeat(2)] private partial ModuleList<SharedLinear> Layer { get; }")]
    public void NPAS015_stands_alone_without_the_compilers_missing_implementation(string member)
    {
        // The placeholder implements the property (throwing) as it does every layer, so CS9248 does not stand beside NPAS015.
        var (_, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", "    " + member + "\n" + OneLayer));
        Assert.Contains(diagnostics, x => x.Id == "NPAS015");
        var compiler = GeneratorHarness.CompilerProblems(output);
        Assert.True(compiler.Count == 0, string.Join(" | ", compiler.Select(x => x.Id + " " + x.GetMessage())));
    }

    [Theory]
    [InlineData("a.b", "is not a simple name")]
    [InlineData("a<b", "is not a simple name")]
    [InlineData("training", "member of TorchSharp's Module")]
    public void NPAS013_group_names_must_be_simple_and_free(string group, string problem)
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", $"    [Linear(10, 10), ShareGroup(\"{group}\")] private partial SharedLinear Layer {{ get; }}\n" + OneLayer), "NPAS013");
        Assert.Contains(problem, d.GetMessage());
    }

    [Theory]
    [InlineData("", "shared", "GroupStrategy.Single", true)]
    [InlineData("Strategy = GroupStrategy.ByKind", "linear", "GroupStrategy.ByKind", true)]
    [InlineData("Strategy = GroupStrategy.ByShape", "linear_10x10", "GroupStrategy.ByShape", true)]
    [InlineData("Strategy = GroupStrategy.Random", "random_0", "GroupStrategy.Random", false)] // Random would deal it to any group
    public void NPAS013_a_group_name_the_strategy_also_gives_other_layers(string sharing, string group, string strategy, bool removingJoins)
    {
        // Without it 'Free' would silently join 'Pinned' in the named group, which the user asked to have a bank of its own.
        var members = $"    [Linear(10, 10), Repeat(2), ShareGroup(\"{group}\")] private partial ModuleList<SharedLinear> Pinned {{ get; }}\n"
            + "    [Linear(10, 10)] private partial SharedLinear Free { get; }";
        var attributes = sharing.Length == 0 ? "[SharedBudget(0.5)]" : $"[SharedBudget(0.5), Sharing({sharing})]";
        var d = Single(ModelSource(attributes, members), "NPAS013");
        Assert.Equal($"ShareGroup(\"{group}\")", At(d));
        Assert.Contains($"'Pinned': the group name '{group}' is also the group that {strategy} gives to layers without [ShareGroup], so 'Free' would silently join 'Pinned'", d.GetMessage());
        Assert.Contains($"such as \"{group}_own\"", d.GetMessage());
        Assert.Equal(removingJoins, d.GetMessage().Contains("or remove [ShareGroup] from 'Pinned' if it should share with them", StringComparison.Ordinal));
    }

    [Fact]
    public void NPAS013_does_not_advise_removing_a_share_group_where_the_strategy_would_put_the_layer_elsewhere()
    {
        // Found by a review: without [ShareGroup] a 10-to-20 layer goes to ByShape's 'linear_20x10', not to 'linear_10x10'
        // with 'Free', so "remove [ShareGroup] if it should share with them" sent the user the wrong way.
        var members = "    [Linear(10, 20), ShareGroup(\"linear_10x10\")] private partial SharedLinear Pinned { get; }\n"
            + "    [Linear(10, 10)] private partial SharedLinear Free { get; }";
        var d = Single(ModelSource("[SharedBudget(0.5), Sharing(Strategy = GroupStrategy.ByShape)]", members), "NPAS013");
        Assert.Contains("so 'Free' would silently join 'Pinned'", d.GetMessage());
        Assert.DoesNotContain("remove [ShareGroup]", d.GetMessage());
        Assert.EndsWith("such as \"linear_10x10_own\" (and give that name to 'Free' too if it should share with 'Pinned')", d.GetMessage());
    }

    [Fact]
    public void NPAS013_a_group_name_of_the_strategy_is_fine_when_no_other_layer_gets_it()
    {
        // ByKind would call the convolution's group 'conv2d', not 'linear': nothing joins the named group.
        var members = "    [Linear(10, 10), Repeat(2), ShareGroup(\"linear\")] private partial ModuleList<SharedLinear> Pinned { get; }\n"
            + "    [Conv2d(4, 4, 3), Repeat(2)] private partial ModuleList<SharedConv2d> Free { get; }";
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5), Sharing(Strategy = GroupStrategy.ByKind)]", members));
        Assert.DoesNotContain(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void NPAS013_undefined_enum_values_are_reported_once_each()
    {
        // "CoefficientSharing.3 ... but Combiner 42 has none" on top of the two undefined values said nothing new.
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5), Sharing(Combiner = (Combiner)42, CoefficientSharing = (CoefficientSharing)3)]", OneLayer));
        var messages = diagnostics.Where(d => d.Id == "NPAS013").Select(d => d.GetMessage()).ToList();
        Assert.Equal(2, messages.Count);
        Assert.Contains(messages, m => m.Contains("Combiner 42 is not a Combiner"));
        Assert.Contains(messages, m => m.Contains("CoefficientSharing 3 is not a CoefficientSharing"));
    }

    [Fact]
    public void NPAS018_a_named_group_with_one_layer_that_is_tiled_at_a_low_budget()
    {
        var members = "    [Linear(100, 100), ShareGroup(\"alone\")] private partial SharedLinear Big { get; }\n    [Linear(100, 10), Repeat(2)] private partial ModuleList<SharedLinear> Heads { get; }";
        var d = Single(ModelSource("[SharedBudget(0.05)]", members), "NPAS018");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("ShareGroup(\"alone\")", At(d));
        Assert.Contains("Group 'alone' has the single layer 'Big' (10,000 weights)", d.GetMessage());
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
        var d = Single(ModelSource("[SharedBudget(0.5)]", $"    {attributes} private partial {type} Layers {{ get; }}\n" + OneLayer), "NPAS013");
        Assert.Equal(at, At(d));
        Assert.Contains(problem, d.GetMessage());
    }

    [Fact]
    public void NPAS021_one_group_with_conflicting_exact_sharing_settings()
    {
        var members = "    [Linear(10, 10), Repeat(4), ShareGroup(\"g\", Rate = 2)] private partial ModuleList<SharedLinear> A { get; }\n"
            + "    [Linear(10, 10), Repeat(4), ShareGroup(\"g\", Rate = 4)] private partial ModuleList<SharedLinear> B { get; }\n" + OneLayer;
        var d = Single(ModelSource("[SharedBudget(0.5)]", members), "NPAS021");
        Assert.Equal("ShareGroup(\"g\", Rate = 4)", At(d));
        Assert.Contains("Group 'g' is declared on 'A' with Rate = 2, Mapping = Sequential but on 'B' with Rate = 4, Mapping = Sequential", d.GetMessage());
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
        var (driver, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", members));
        Assert.Null(driver.GetRunResult().Results.Single().Exception);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
        Assert.Single(driver.GetRunResult().Results.Single().GeneratedSources);
    }

    [Fact]
    public void NPAS013_once_for_an_undefined_mapping_without_a_rate()
    {
        // Found by a fuzzing review: the undefined value and "there is no Rate" were two errors on one argument.
        var d = Single(ModelSource("[SharedBudget(0.5)]", "    [Linear(10, 10), Repeat(2), ShareGroup(\"g\", Mapping = (ShareMapping)9)] private partial ModuleList<SharedLinear> Layers { get; }\n" + OneLayer), "NPAS013");
        Assert.Contains("Mapping 9 is not a ShareMapping", d.GetMessage());
    }
}
