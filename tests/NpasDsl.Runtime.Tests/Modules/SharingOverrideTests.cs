using System;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using Xunit;

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
}
