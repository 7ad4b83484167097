using System.Linq;
using NpasDsl.Examples.WideResNet;
using NpasDsl.Planning;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Models;

/// <summary>The example's wide residual networks against the reference sizes of methods.md.</summary>
public sealed class WideResNetTests
{
    [Fact]
    public void Wrn_28_10_has_the_reference_size_and_29_shareable_layers()
    {
        var spec = Wrn28x10.Declaration;
        Assert.Equal(36_536_884, spec.UnsharedParameters);
        Assert.Equal(29, spec.Layers.Where(l => l.IsShareable).Sum(l => l.Count));
    }

    [Fact]
    public void Wrn_16_4_builds_within_budget_and_classifies_a_batch()
    {
        using var model = new Wrn16x4(new NpasOptions { Seed = 1 });
        Assert.Equal(model.Allocation.Breakdown.Total, model.TrainableParameters);
        Assert.True(model.TrainableParameters <= model.Allocation.Budget);
        model.eval();
        using var _ = no_grad();
        var logits = model.call(randn(new long[] { 2, 3, 32, 32 }, generator: new Generator(1)));
        Assert.Equal(new long[] { 2, 10 }, logits.shape);
    }
}
