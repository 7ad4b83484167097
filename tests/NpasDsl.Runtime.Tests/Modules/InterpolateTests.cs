using System.Linq;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>The Interpolate upsampler: the largest grid that fits, resized bilinearly to the layer's shape.</summary>
public sealed class InterpolateTests
{
    [Theory]
    [InlineData(100, 100, 1, 5000, 70, 70)]          // p = 0.70: 70·70 = 4,900 <= 5,000 < 75·75
    [InlineData(64, 64, 3, 13974, 38, 38 * 9)]       // p = 0.60: 38·38·9 = 12,996; p = 0.65 gives 42·42·9
    public void The_grid_is_the_largest_that_fits(int inSize, int outSize, int kernel, long bank, long rows, long columns)
    {
        var spec = kernel == 1 ? LayerSpec.Linear("L", inSize, outSize) : LayerSpec.Conv2d("C", inSize, outSize, kernel, kernel);
        var grid = InterpolationGrid.For(spec, bank);
        Assert.Equal(new InterpolationGrid(rows, columns), grid);
        Assert.Null(InterpolationGrid.For(LayerSpec.Conv2d("C", 64, 64, 3, 3), 8)); // not even 1x1x9 fits: tile instead
    }

    [Fact]
    public void Layers_larger_than_the_bank_are_interpolated_start_at_the_kaiming_scale_and_train()
    {
        using var model = new InterpolateNet(new NpasOptions { Seed = 2 });
        var body = model.Allocation.Layer("Body.0");
        Assert.NotNull(body.Grid);
        Assert.True(body.Grid!.Value.Size <= model.Allocation.Groups.Single().BankSize);
        Assert.Contains("interpolated from a", model.Allocation.ToString());
        Assert.Equal(model.Allocation.Breakdown.Total, model.TrainableParameters);

        using (no_grad())
        {
            var layer = model.SharedLayers().Single(l => l.Path == "Body.0").Layer;
            Assert.InRange(layer.Weight().std().item<float>() / body.Spec.InitialStd, 0.98, 1.02);
        }

        var (first, last) = TestData.LossesOnFixedBatch(model);
        Assert.True(last < 0.8f * first, $"loss went from {first} to {last}");
        Assert.True(model.Banks["shared"].grad!.abs().sum().item<float>() > 0);
    }
}
