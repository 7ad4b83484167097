using System.Collections.Generic;
using System.Linq;
using NpasDsl.Runtime.Tests.Models;
using NpasDsl.Spin;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Spin;

/// <summary>SPIN weight fusion from a pretrained unshared model, and the compact export.</summary>
public sealed class SpinFusionTests
{
    /// <summary>A "pretrained" unshared model: every layer's weight distinct, as an unshared state dict.</summary>
    private static Dictionary<string, Tensor> Pretrained()
    {
        var g = new Generator(9);
        var dict = new Dictionary<string, Tensor>();
        for (int i = 0; i < 4; i++)
        {
            dict[$"Mixers.{i}.weight"] = randn(new long[] { 8, 8 }, generator: g);
            dict[$"Mixers.{i}.bias"] = randn(new long[] { 8 }, generator: g);
        }
        dict["Norm.weight"] = rand(new long[] { 8 }, generator: g);
        dict["Norm.bias"] = rand(new long[] { 8 }, generator: g);
        dict["Head.weight"] = randn(new long[] { 3, 8 }, generator: g);
        dict["Head.bias"] = randn(new long[] { 3 }, generator: g);
        return dict;
    }

    private static Tensor WeightOf(NpasModule model, string path) => model.SharedLayers().Single(l => l.Path == path).Layer.Weight();

    [Theory]
    [InlineData(FusionMethod.Mean)]
    [InlineData(FusionMethod.ChooseFirst)]
    public void Each_weight_set_becomes_the_fusion_of_its_members(FusionMethod method)
    {
        using var model = new SpinMixerNet();
        var pretrained = Pretrained();
        var report = SpinFusion.Fuse(model, pretrained, method);
        Assert.Equal(new[] { "Mixers.0", "Mixers.2" }, report.Fused);
        Assert.Empty(report.Skipped);

        using var _ = no_grad();
        for (int set = 0; set < 2; set++)
        {
            var first = pretrained[$"Mixers.{2 * set}.weight"];
            var expected = method == FusionMethod.Mean ? (first + pretrained[$"Mixers.{2 * set + 1}.weight"]) / 2 : first;
            Assert.True(WeightOf(model, $"Mixers.{2 * set}").allclose(expected, rtol: 1e-5, atol: 1e-6));
            Assert.True(WeightOf(model, $"Mixers.{2 * set + 1}").allclose(expected, rtol: 1e-5, atol: 1e-6)); // shared exactly
        }
        Assert.True(WeightOf(model, "Head").allclose(pretrained["Head.weight"]));
        Assert.True(model.state_dict()["Head.bias"].allclose(pretrained["Head.bias"]));
        Assert.Contains("Head.bias", report.Copied);
    }

    [Theory]
    [InlineData(FusionMethod.Mean)]
    [InlineData(FusionMethod.ChooseFirst)]
    public void Each_weight_set_fuses_its_members_biases_too(FusionMethod method)
    {
        using var model = new SpinMixerNet();
        var pretrained = Pretrained();
        var report = SpinFusion.Fuse(model, pretrained, method);

        using var _ = no_grad();
        var state = model.state_dict();
        Assert.False(state.ContainsKey("Mixers.1.bias")); // a repeat of a set has no bias of its own
        for (int set = 0; set < 2; set++)
        {
            var first = pretrained[$"Mixers.{2 * set}.bias"];
            var expected = method == FusionMethod.Mean ? (first + pretrained[$"Mixers.{2 * set + 1}.bias"]) / 2 : first;
            Assert.True(state[$"Mixers.{2 * set}.bias"].allclose(expected, rtol: 1e-5, atol: 1e-6));
            var repeat = model.SharedLayers().Single(l => l.Path == $"Mixers.{2 * set + 1}").Layer;
            Assert.Same(model.SharedLayers().Single(l => l.Path == $"Mixers.{2 * set}").Layer.Bias, repeat.Bias); // the very same parameter
            Assert.DoesNotContain($"Mixers.{2 * set}.bias", report.Copied); // fused, not copied
        }
    }

    [Fact]
    public void Learned_fusion_scales_each_members_bias_by_its_gamma()
    {
        // Zero input and zero mixer weights: the mixers' outputs are their biases alone, so γ can lower the loss only
        // through the biases it scales.
        var pretrained = Pretrained();
        for (int i = 0; i < 4; i++) pretrained[$"Mixers.{i}.weight"] = zeros(8, 8);
        var inputs = zeros(16, 8);
        var targets = full(16, 2L, dtype: ScalarType.Int64);
        Tensor Loss(NpasModule m) => nn.functional.cross_entropy(m.call(inputs), targets);

        using var mean = new SpinMixerNet();
        SpinFusion.Fuse(mean, pretrained, FusionMethod.Mean);
        using var learned = new SpinMixerNet();
        SpinFusion.FuseLearned(learned, pretrained, FusionMethod.ChannelWeighted, Loss, steps: 30, learningRate: 0.05);
        using var _ = no_grad();
        Assert.True(Loss(learned).item<float>() < Loss(mean).item<float>() - 1e-3, "γ learned through the biases should lower a loss only the biases can change");
    }

    [Theory]
    [InlineData(FusionMethod.ScalarWeighted)]
    [InlineData(FusionMethod.ChannelWeighted)]
    public void Learned_gamma_starts_at_the_mean_and_lowers_the_loss(FusionMethod method)
    {
        var pretrained = Pretrained();
        var g = new Generator(4);
        var inputs = randn(new long[] { 32, 8 }, generator: g);
        var targets = randint(0, 3, new long[] { 32 }, generator: g);
        Tensor Loss(NpasModule m) => nn.functional.cross_entropy(m.call(inputs), targets);

        using var mean = new SpinMixerNet();
        SpinFusion.Fuse(mean, pretrained, FusionMethod.Mean);
        float meanLoss;
        using (no_grad()) meanLoss = Loss(mean).item<float>();

        using var untrained = new SpinMixerNet();
        SpinFusion.FuseLearned(untrained, pretrained, method, Loss, steps: 0);
        using (no_grad()) Assert.Equal(meanLoss, Loss(untrained).item<float>(), 4); // γ = 1 is the mean

        using var learned = new SpinMixerNet();
        learned.eval();
        var report = SpinFusion.FuseLearned(learned, pretrained, method, Loss, steps: 30, learningRate: 0.05);
        Assert.False(learned.training, "the model comes back in the mode it was given in"); // found by a review: it was left training
        Assert.Equal(2, report.Fused.Count);
        using (no_grad()) Assert.True(Loss(learned).item<float>() < meanLoss, "learning γ should fit the data better than the plain mean");
        Assert.All(learned.parameters(), p => Assert.True(p.requires_grad)); // nothing left frozen
    }

    [Fact]
    public void The_compact_export_has_one_weight_per_set_and_missing_keys_are_explained()
    {
        using var model = new SpinMixerNet();
        var compact = model.ExportCompactStateDict();
        Assert.Contains("Mixers.0.weight", compact.Keys);
        Assert.DoesNotContain("Mixers.1.weight", compact.Keys);
        Assert.DoesNotContain("Mixers.1.bias", compact.Keys); // a repeat of a set is the set's layer, bias included
        var unshared = model.ExportUnsharedStateDict();
        Assert.Contains("Mixers.1.weight", unshared.Keys);
        Assert.True(unshared["Mixers.1.bias"].allclose(unshared["Mixers.0.bias"], rtol: 0, atol: 0)); // the ordinary model has a bias per layer

        var partial = Pretrained();
        partial.Remove("Mixers.3.weight");
        var e = Assert.Throws<KeyNotFoundException>(() => SpinFusion.Fuse(model, partial, FusionMethod.Mean));
        Assert.Contains("'Mixers.3.weight'", e.Message);
    }

    [Fact]
    public void A_set_whose_templates_overlap_is_reported_not_fused_wrongly()
    {
        using var model = new OverlappingAverageNet();
        var g = new Generator(3);
        var pretrained = new Dictionary<string, Tensor>
        {
            ["Layers.0.weight"] = randn(new long[] { 8, 8 }, generator: g), ["Layers.1.weight"] = randn(new long[] { 8, 8 }, generator: g),
            ["Layers.0.bias"] = randn(new long[] { 8 }, generator: g), ["Layers.1.bias"] = randn(new long[] { 8 }, generator: g),
        };
        var report = SpinFusion.Fuse(model, pretrained, FusionMethod.Mean);
        Assert.Equal(127, model.Allocation.Group("g").BankSize);
        Assert.Empty(report.Fused);
        Assert.Contains("overlap each other", report.Skipped["Layers.0"]);
        using var _ = no_grad(); // the bias is an ordinary parameter: it is fused even where the weight cannot be
        Assert.True(model.state_dict()["Layers.0.bias"].allclose((pretrained["Layers.0.bias"] + pretrained["Layers.1.bias"]) / 2));
    }
}
