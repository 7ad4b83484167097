using System;
using System.Linq;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>Sharing options chosen at start-up: planned like declared ones, and checked again since the generator never saw them.</summary>
public sealed class SharingOverrideTests
{
    [Fact]
    public void Other_sharing_options_beside_a_saved_allocation_are_refused_naming_both_ways_out()
    {
        using var saved = new TinyCnn();
        var allocation = NpasDsl.Allocation.AllocationFile.From(saved.Allocation);
        var sharing = TinyCnn.Declaration.Sharing.With(maxTemplates: 3);
        var e = Assert.Throws<ArgumentException>(() => new TinyCnn(new NpasOptions { Allocation = allocation, Sharing = sharing }));
        Assert.Contains("NpasOptions.Sharing for 'TinyCnn' asks for", e.Message);
        Assert.Contains("MaxTemplates = 3", e.Message);
        Assert.Contains("Drop NpasOptions.Sharing", e.Message);
        // With a budget the allocation's groups are planned afresh under the new options, as the message says.
        using var replanned = new TinyCnn(new NpasOptions { Allocation = allocation, Sharing = sharing, Budget = BudgetSpec.Fraction(0.1) });
        Assert.Equal(3, replanned.Allocation.Network.Sharing.MaxTemplates);
    }

    [Fact]
    public void Run_time_sharing_options_replace_the_declared_ones()
    {
        using var model = new TinyCnn(new NpasOptions { Sharing = new SharingSpec(GroupStrategy.ByShape, upsampler: Upsampler.Mask), Budget = BudgetSpec.Fraction(0.5), Seed = 1 });
        Assert.Equal(GroupStrategy.ByShape, model.Allocation.Network.Sharing.Strategy);
        Assert.Equal(Upsampler.Mask, model.Allocation.Network.Sharing.Upsampler);
        Assert.DoesNotContain(model.Allocation.Groups, g => g.Name == GroupAssigner.SingleGroupName);
        Assert.Equal(model.Allocation.Breakdown.Total, model.TrainableParameters);
        Assert.Equal(SharingSpec.Default.Strategy, model.Network.Sharing.Strategy); // the declaration itself is unchanged
    }

    [Fact]
    public void Impossible_run_time_sharing_options_are_refused_with_the_fix()
    {
        var none = Assert.Throws<ArgumentException>(() => new TinyCnn(new NpasOptions { Sharing = new SharingSpec(maxTemplates: 0) }));
        Assert.Contains("at least 1", none.Message);
        var mixed = Assert.Throws<ArgumentException>(() => new TinyCnn(new NpasOptions
        {
            Sharing = new SharingSpec(combiner: Combiner.Average, coefficientSharing: CoefficientSharing.ByShape),
        }));
        Assert.Contains("Combiner.WeightedAverage", mixed.Message);
        var undefined = Assert.Throws<ArgumentException>(() => new TinyCnn(new NpasOptions { Sharing = new SharingSpec(upsampler: (Upsampler)7) }));
        Assert.Contains("Upsampler 7 is not an Upsampler", undefined.Message);
        Assert.Throws<BudgetInfeasibleException>(() => new TinyCnn(new NpasOptions
        {
            Budget = BudgetSpec.Parameters(60),
            Sharing = new SharingSpec(upsampler: Upsampler.None),
        }));
    }

    [Fact]
    public void A_run_time_strategy_that_names_a_group_like_a_share_group_is_refused_with_the_fix()
    {
        // Declared with Single, 'linear' is a name of its own (the generator saw no clash). ByKind calls the group of every
        // unpinned linear layer 'linear' too: 'Free' would join 'Pinned' in it without a word, so the bank the user asked for
        // would not be theirs.
        using (var declared = new NamedLinearNet())
            Assert.Equal(new[] { "linear", GroupAssigner.SingleGroupName }, declared.Allocation.Groups.Select(g => g.Name).ToArray());
        var e = Assert.Throws<ArgumentException>(() => new NamedLinearNet(new NpasOptions { Sharing = new SharingSpec(GroupStrategy.ByKind) }));
        Assert.Contains("Invalid sharing options for 'NamedLinearNet': the group name 'linear' is also the group that GroupStrategy.ByKind gives", e.Message);
        Assert.Contains("so 'Free' would silently join 'Pinned'", e.Message);
        Assert.Contains("\"linear_own\"", e.Message);
        // A strategy with other names plans as before.
        using var byShape = new NamedLinearNet(new NpasOptions { Sharing = new SharingSpec(GroupStrategy.ByShape) });
        Assert.Contains(byShape.Allocation.Groups, g => g.Name == "linear" && g.Members.Count == 2);
    }
}

/// <summary>A [ShareGroup] named like the group ByKind gives linear layers, beside an unpinned linear layer.</summary>
[SharedBudget(0.5)]
public sealed partial class NamedLinearNet : NpasModule
{
    [Linear(8, 8), Repeat(2), ShareGroup("linear")] private partial ModuleList<SharedLinear> Pinned { get; }
    [Linear(8, 8), Repeat(2)] private partial ModuleList<SharedLinear> Free { get; }

    public override Tensor forward(Tensor x)
    {
        foreach (var layer in Pinned) x = layer.call(x);
        foreach (var layer in Free) x = layer.call(x);
        return x;
    }
}
