using System;
using System.Collections.Generic;
using System.Linq;
using NpasDsl.Runtime.Tests.Models;
using NpasDsl.Spin;
using NpasDsl.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Spin;

/// <summary>Fusion given arguments it cannot use: refused by name, and never NaN weights written. Found by a review.</summary>
public sealed class SpinFusionArgumentTests
{
    private static Dictionary<string, Tensor> Pretrained()
    {
        using var source = new SpinMixerNet(new NpasOptions { Seed = 8 });
        return new Dictionary<string, Tensor>(source.ExportUnsharedStateDict());
    }

    // Made by the test, not by a static initializer: that would run inside the first step's dispose scope, which frees them.
    private readonly Tensor _inputs = randn(new long[] { 8, 8 }, generator: new Generator(6));
    private readonly Tensor _targets = randint(0, 3, new long[] { 8 }, generator: new Generator(7));
    private Tensor Loss(NpasModule m) => nn.functional.cross_entropy(m.call(_inputs), _targets);

    private static bool AllFinite(NpasModule model) => model.parameters().All(p => p.isfinite().all().item<bool>());

    [Fact]
    public void An_undefined_method_is_refused_rather_than_fused_as_choose_first()
    {
        using var model = new SpinMixerNet();
        Assert.Equal("method", Assert.Throws<ArgumentOutOfRangeException>(() => SpinFusion.Fuse(model, Pretrained(), (FusionMethod)7)).ParamName);
        Assert.Equal("method", Assert.Throws<ArgumentOutOfRangeException>(() => SpinFusion.FuseLearned(model, Pretrained(), (FusionMethod)7, Loss, 1)).ParamName);
        Assert.Equal("pretrained", Assert.Throws<ArgumentNullException>(() => SpinFusion.Fuse(model, null!, FusionMethod.Mean)).ParamName);
    }

    [Theory]
    [InlineData(double.NaN, 3, "learningRate")]
    [InlineData(0.0, 3, "learningRate")]
    [InlineData(double.PositiveInfinity, 3, "learningRate")]
    [InlineData(0.01, -1, "steps")]
    public void Learned_fusion_refuses_a_rate_or_step_count_it_cannot_train_with(double rate, int steps, string parameter)
    {
        // A NaN rate made every γ NaN, and the fusion wrote NaN weights into the model; -1 steps trained nothing, silently.
        using var model = new SpinMixerNet();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SpinFusion.FuseLearned(model, Pretrained(), FusionMethod.ScalarWeighted, Loss, steps, rate));
        Assert.Equal(parameter, e.ParamName);
        Assert.True(AllFinite(model));
        Assert.Equal("batchLoss", Assert.Throws<ArgumentNullException>(() => SpinFusion.FuseLearned(model, Pretrained(), FusionMethod.ScalarWeighted, null!, 1)).ParamName);
    }

    [Fact]
    public void A_loss_that_stops_being_finite_stops_learned_fusion_before_nan_weights_are_written()
    {
        using var model = new SpinMixerNet();
        int calls = 0;
        Tensor Poisoned(NpasModule m) => ++calls == 2 ? Loss(m) * float.NaN : Loss(m);
        var e = Assert.Throws<TrainingDivergedException>(() => SpinFusion.FuseLearned(model, Pretrained(), FusionMethod.ChannelWeighted, Poisoned, 5));
        Assert.StartsWith("Learning the fusion's γ failed: the loss became NaN at step 2, so no fused weight was written", e.Message);
        Assert.True(AllFinite(model));
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad)); // nothing left frozen
        using (no_grad()) Assert.True(float.IsFinite(Loss(model).item<float>()));
    }
}
