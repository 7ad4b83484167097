using System.Linq;
using NpasDsl.Runtime.Tests.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>SPIN exact sharing: repeats mapped to one weight set have the very same weight, and it is counted once.</summary>
public sealed class ExactSharingTests
{
    private static Tensor WeightOf(SpinNet model, string path)
        => ((SharedLayer)model.named_modules().Single(m => m.name == path).module).Weight();

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Theory]
    [InlineData("Sequential", new[] { 0, 0, 1, 1 })] // π(l) = ⌊l / 2⌋
    [InlineData("Strided", new[] { 0, 1, 0, 1 })]    // π(l) = l mod 2
    public void Repeats_in_one_weight_set_share_their_weight_exactly(string property, int[] sets)
    {
        using var model = new SpinNet();
        using var _ = no_grad();
        for (int a = 0; a < 4; a++)
            for (int b = a + 1; b < 4; b++)
                Assert.Equal(sets[a] == sets[b], Same(WeightOf(model, $"{property}.{a}"), WeightOf(model, $"{property}.{b}")));
    }

    [Fact]
    public void Shared_sets_are_counted_once_and_only_owners_have_coefficients()
    {
        using var model = new SpinNet();
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("Sequential.0.coefficients", keys);
        Assert.DoesNotContain("Sequential.1.coefficients", keys);
        Assert.Contains("Sequential.0.bias", keys);
        Assert.DoesNotContain("Sequential.1.bias", keys);     // a repeat is its set's layer, bias included (the published SPIN counts)
        Assert.Same(model.SharedLayers().Single(l => l.Path == "Sequential.0").Layer.Bias, model.SharedLayers().Single(l => l.Path == "Sequential.1").Layer.Bias);
        Assert.Contains("Strided.1.coefficients", keys);
        Assert.DoesNotContain("Strided.2.coefficients", keys);
        Assert.Equal(model.Allocation.Breakdown.Total, model.TrainableParameters);
        Assert.Equal(2, model.Allocation.Group("sequential").Members.Count);
        Assert.Equal("Sequential.0", model.Allocation.Layer("Sequential.1").SharesWeightsWith);
        Assert.Contains("same weights as Strided.0 (rate 2, strided)", model.Allocation.ToString());
    }

    [Fact]
    public void Training_keeps_shared_weights_identical()
    {
        using var model = new SpinNet();
        var optimizer = optim.Adam(model.parameters(), 0.01);
        var x = randn(new long[] { 5, 8 }, generator: new Generator(1));
        for (int step = 0; step < 3; step++)
        {
            optimizer.zero_grad();
            model.call(x).sum().backward();
            optimizer.step();
        }
        using var _ = no_grad();
        Assert.True(Same(WeightOf(model, "Sequential.2"), WeightOf(model, "Sequential.3")));
    }
}
