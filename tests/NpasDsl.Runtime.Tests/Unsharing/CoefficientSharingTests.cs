using System.Linq;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Unsharing;

/// <summary>[Sharing(CoefficientSharing = ByShape)]: one coefficient vector per set of same-shape layers, counted once, with the rest reserved.</summary>
public sealed class CoefficientSharingTests
{
    private static SharingSpec Without(SharingSpec s)
        => new(s.Strategy, s.Combiner, s.Upsampler, s.MaxTemplates, s.Seed, s.ExactTemplates, s.BankSplit, CoefficientSharing.None);

    [Fact]
    public void Accounting_is_exact_with_one_vector_per_set_and_the_rest_reserved()
    {
        using var model = new SharedCoefficientNet();
        var plan = model.Allocation;
        var b = plan.Breakdown;
        Assert.Equal(b.Total, model.TrainableParameters);
        Assert.True(b.Total + b.CoefficientReserveLeft <= plan.Budget, plan.ToString());

        // Body.0..2 share one vector; Stem and Head (other shapes) have their own.
        var sets = CoefficientSets.Of(plan);
        Assert.Equal(new[] { "Stem", "Body.0", "Head" }, sets.Select(s => s.Founder));
        Assert.Equal(new[] { "Body.0", "Body.1", "Body.2" }, sets[1].Members.Select(m => m.Path));
        Assert.Equal(sets.Sum(s => (long)s.Members[0].Templates), b.Coefficients);
        int bodyK = plan.Layer("Body.0").Templates;
        Assert.Equal(2L * bodyK, b.CoefficientReserve);
        Assert.Equal(0, b.CoefficientReserveUsed);

        // The reserve is exactly what the same model without coefficient sharing spends on the borrowed vectors:
        // banks, templates and offsets are identical.
        var unshared = BudgetPlanner.Plan(model.Allocation.Network.WithSharing(Without(plan.Network.Sharing)));
        Assert.Equal(unshared.Groups.Select(g => g.BankSize), plan.Groups.Select(g => g.BankSize));
        Assert.Equal(unshared.Layers.Select(l => (l.Templates, l.Offset)), plan.Layers.Select(l => (l.Templates, l.Offset)));
        Assert.Equal(unshared.Breakdown.Total, b.Total + b.CoefficientReserve);
    }

    [Fact]
    public void Layers_of_one_set_really_read_the_same_vector()
    {
        using var model = new SharedCoefficientNet(new NpasOptions { Seed = 2 });
        var layers = model.SharedLayers().ToDictionary(l => l.Path, l => l.Layer);
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("Body.0.coefficients", keys);
        Assert.DoesNotContain("Body.1.coefficients", keys);
        Assert.DoesNotContain("Body.2.coefficients", keys);
        Assert.Same(layers["Body.0"].CoefficientVector, layers["Body.1"].CoefficientVector);
        Assert.Same(layers["Body.0"].CoefficientVector, layers["Body.2"].CoefficientVector);
        Assert.NotSame(layers["Body.0"].CoefficientVector, layers["Stem"].CoefficientVector);

        // Changing the vector changes every member's weight, and no other layer's.
        using var _ = no_grad();
        var before = layers.ToDictionary(l => l.Key, l => l.Value.Weight().clone());
        layers["Body.0"].CoefficientVector!.mul_(2);
        foreach (var path in new[] { "Body.0", "Body.1", "Body.2" })
            Assert.True(layers[path].Weight().allclose(before[path] * 2, rtol: 1e-5, atol: 1e-7), path);
        Assert.True(layers["Stem"].Weight().allclose(before["Stem"], rtol: 0, atol: 0));
        Assert.True(layers["Head"].Weight().allclose(before["Head"], rtol: 0, atol: 0));
    }

    [Fact]
    public void The_summary_shows_the_sets_and_the_reserve()
    {
        using var model = new SharedCoefficientNet();
        var text = model.Allocation.ToString();
        int k = model.Allocation.Layer("Body.0").Templates;
        Assert.Contains($"coefficient sharing ByShape: 3 vectors for 5 layers; {2 * k} parameters reserved for unsharing, 0 used, {2 * k} left", text);
        Assert.Contains($"Body.0.coefficients (K {k}) read by Body.0, Body.1, Body.2", text);
        Assert.Contains("coefficients of Body.0", text);
        Assert.Contains($"reserved for coefficient unsharing {2 * k}", model.Allocation.Breakdown.ToString());
    }

    [Fact]
    public void Without_the_option_or_with_another_combiner_nothing_is_shared()
    {
        using var tiny = new TinyCnn();
        Assert.Empty(CoefficientSets.Of(tiny.Allocation));
        Assert.Equal(0, tiny.Allocation.Breakdown.CoefficientReserve);
        Assert.DoesNotContain("reserved", tiny.Allocation.ToString());

        var s = SharedCoefficientNet.Declaration.Sharing;
        var average = BudgetPlanner.Plan(SharedCoefficientNet.Declaration.WithSharing(
            new SharingSpec(s.Strategy, Combiner.Average, s.Upsampler, s.MaxTemplates, s.Seed, s.ExactTemplates, s.BankSplit, CoefficientSharing.ByShape)));
        Assert.Empty(CoefficientSets.Of(average));
        Assert.All(average.Layers, l => Assert.Null(l.CoefficientsFrom));
    }

    [Fact]
    public void A_partition_can_split_sets_but_never_merge_layers_of_different_shapes()
    {
        var partition = new CoefficientPartition(new[]
        {
            new System.Collections.Generic.KeyValuePair<string, string>("Stem", "x"),
            new System.Collections.Generic.KeyValuePair<string, string>("Body.0", "x"),
            new System.Collections.Generic.KeyValuePair<string, string>("Body.1", "y"),
            new System.Collections.Generic.KeyValuePair<string, string>("Body.2", "x"),
        });
        var plan = BudgetPlanner.Plan(SharedCoefficientNet.Declaration.WithCoefficientPartition(partition));
        Assert.Null(plan.Layer("Stem").CoefficientsFrom);       // label x, but another shape
        Assert.Null(plan.Layer("Body.0").CoefficientsFrom);
        Assert.Null(plan.Layer("Body.1").CoefficientsFrom);     // split off
        Assert.Equal("Body.0", plan.Layer("Body.2").CoefficientsFrom);
        Assert.Null(plan.Layer("Head").CoefficientsFrom);       // not named: a vector of its own
        int k = plan.Layer("Body.0").Templates;
        Assert.Equal(2L * k, plan.Breakdown.CoefficientReserve);
        Assert.Equal((long)k, plan.Breakdown.CoefficientReserveUsed);
    }
}
