using System;
using System.Linq;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>The embedding, round-robin and average combiners: what they cost, where their parameters live, and that they train.</summary>
public sealed class CombinerTests
{
    public static TheoryData<string> Models => new() { nameof(EmbeddingNet), nameof(RoundRobinNet), nameof(AverageNet) };

    private static NpasModule Create(string name, NpasOptions? options = null) => name switch
    {
        nameof(EmbeddingNet) => new EmbeddingNet(options),
        nameof(RoundRobinNet) => new RoundRobinNet(options),
        _ => new AverageNet(options),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Accounting_is_exact_and_within_budget(string name)
    {
        using var model = Create(name);
        var plan = model.Allocation;
        Assert.Equal(plan.Breakdown.Total, model.TrainableParameters);
        Assert.True(plan.Breakdown.Total <= plan.Budget);
        Assert.True(plan.Breakdown.Unused <= Math.Max(2, plan.Budget / 100), plan.ToString());
    }

    [Fact]
    public void Embedding_combiner_shares_A_and_b_per_template_count()
    {
        using var model = new EmbeddingNet();
        var counts = model.Allocation.Layers.Where(l => l.Source == WeightSource.Bank).Select(l => l.Templates).Distinct().ToList();
        var keys = model.state_dict().Keys.ToHashSet();
        foreach (int k in counts)
        {
            Assert.Contains($"combiner.A_{k}", keys);
            Assert.Contains($"combiner.b_{k}", keys);
        }
        Assert.Contains("Body.0.embedding", keys);
        Assert.DoesNotContain("Body.0.coefficients", keys);
        Assert.Equal(counts.Sum(k => 25L * k), model.Allocation.Breakdown.Coefficients);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.EndsWith(".embedding")); // φ is fixed
    }

    [Fact]
    public void Round_robin_reads_one_slice_per_layer_and_has_no_coefficients()
    {
        using var model = new RoundRobinNet();
        Assert.All(model.Allocation.Layers.Where(l => l.Source == WeightSource.Bank), l => Assert.Equal(1, l.Templates));
        Assert.Equal(0, model.Allocation.Breakdown.Coefficients);
        Assert.DoesNotContain(model.state_dict().Keys, k => k.EndsWith(".coefficients"));
    }

    [Fact]
    public void Average_has_no_coefficients_and_still_starts_at_the_kaiming_scale()
    {
        using var model = new AverageNet();
        Assert.Equal(0, model.Allocation.Breakdown.Coefficients);
        using var _ = no_grad();
        var body = model.SharedLayers().Single(l => l.Path == "Body.1").Layer;
        Assert.True(body.Plan.Templates > 1);
        Assert.InRange(body.Weight().std().item<float>() / body.Plan.Spec.InitialStd, 0.98, 1.02);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void A_few_steps_lower_the_loss(string name)
    {
        using var model = Create(name, new NpasOptions { Seed = 3 });
        var (first, last) = TestData.LossesOnFixedBatch(model);
        Assert.True(last < 0.8f * first, $"{name}: loss went from {first} to {last}");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Materialized_and_exported_weights_match(string name)
    {
        using var model = Create(name);
        var (images, _) = TestData.Images();
        model.eval();
        var expected = model.call(images);
        model.Materialize();
        using (no_grad()) Assert.True(expected.eq(model.call(images)).all().item<bool>()); // the cached weights

        // The export is an ordinary network's weights: exactly one weight and bias per layer, and the plain convolutions and
        // linear layer on them compute what the model computes.
        var export = model.ExportUnsharedStateDict();
        var layers = new[] { "Stem", "Body.0", "Body.1", "Body.2", "Head" };
        Assert.Equal(layers.SelectMany(l => new[] { l + ".bias", l + ".weight" }).OrderBy(k => k, StringComparer.Ordinal), export.Keys.OrderBy(k => k, StringComparer.Ordinal));
        using (no_grad())
        {
            var x = images;
            foreach (var conv in layers[..^1])
                x = nn.functional.relu(nn.functional.conv2d(x, export[conv + ".weight"], export[conv + ".bias"], padding: new long[] { 1, 1 }));
            var plain = nn.functional.linear(x.mean(new long[] { 2, 3 }), export["Head.weight"], export["Head.bias"]);
            Assert.True(plain.allclose(expected, rtol: 0, atol: 1e-6), $"{name}: the exported weights compute outputs up to {(plain - expected).abs().max().item<float>()} away");
        }
    }
}
