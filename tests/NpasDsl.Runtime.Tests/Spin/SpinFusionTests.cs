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
        Assert.True(model.state_dict()["Mixers.1.bias"].allclose(pretrained["Mixers.1.bias"])); // biases stay per layer
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
        var report = SpinFusion.FuseLearned(learned, pretrained, method, Loss, steps: 30, learningRate: 0.05);
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
        Assert.Contains("Mixers.1.bias", compact.Keys);
        Assert.Contains("Mixers.1.weight", model.ExportUnsharedStateDict().Keys);

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
        var pretrained = new Dictionary<string, Tensor> { ["Layers.0.weight"] = randn(new long[] { 8, 8 }, generator: g), ["Layers.1.weight"] = randn(new long[] { 8, 8 }, generator: g) };
        var report = SpinFusion.Fuse(model, pretrained, FusionMethod.Mean);
        Assert.Empty(report.Fused);
        Assert.Contains("overlap each other", report.Skipped["Layers.0"]);
    }
}
