using System;
using System.Linq;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>
/// Generated weights start at the Kaiming scale of their layer. The reference code does not rescale, so a
/// weighted combination of K templates starts with the wrong spread; the test reports both.
/// </summary>
public sealed class InitialScaleTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0.05)]
    [InlineData(0.5)]
    [InlineData(2.0)]
    public void Generated_weights_start_at_the_kaiming_standard_deviation(double fraction)
    {
        using var model = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(fraction), Seed = 4 });
        using var _ = no_grad();
        foreach (var (name, module) in model.named_modules().Where(m => m.module is SharedLayer))
        {
            var layer = (SharedLayer)module;
            if (layer.Plan.Source != WeightSource.Bank || layer.Plan.Spec.WeightSize < 500) continue; // too few elements for a stable estimate
            double target = layer.Plan.Spec.InitialStd;
            double ours = layer.Weight().std().item<float>();
            double scale = layer.named_buffers().Single(b => b.name == "scale").buffer.item<float>();
            double reference = ours / scale; // the same combination without the correction
            output.WriteLine($"budget {fraction}: {name} K={layer.Plan.Templates} target std {target:0.0000}, ours {ours:0.0000}, uncorrected {reference:0.0000}");
            Assert.InRange(ours / target, 0.98, 1.02);
        }
    }

    [Theory]
    [InlineData(Combiner.WeightedAverage)]
    [InlineData(Combiner.Embedding)]
    public void A_weight_tiled_from_a_one_entry_bank_keeps_the_scale_of_that_entry(Combiner combiner)
    {
        // Found by a review: at the smallest budget the check accepts, every group's bank is one entry and each layer tiles it,
        // so its weight is one value repeated. float32 rounding gave that constant a spread of about 1e-8 of its size, and the
        // correction s = target / spread became up to 1e8: weights of millions and NaN outputs, with no error. A weight without
        // spread cannot be given one; it keeps s = 1 (the entry starts at its layer's Kaiming scale).
        var sharing = new SharingSpec(GroupStrategy.ByShape, combiner, Upsampler.Repeat, seed: 1);
        long minimum = BudgetCheck.For(TinyCnn.Declaration.WithSharing(sharing)).Minimum;
        using var model = new TinyCnn(new NpasOptions { Sharing = sharing, Budget = BudgetSpec.Parameters(minimum), Seed = 2 });
        Assert.All(model.Allocation.Groups, g => Assert.Equal(1, g.BankSize));
        using var _ = no_grad();
        foreach (var (path, layer) in model.SharedLayers().Where(l => l.Layer.Plan.Source == WeightSource.Bank))
        {
            double scale = layer.named_buffers().Single(b => b.name == "scale").buffer.item<float>();
            double largest = layer.Weight().abs().max().item<float>();
            output.WriteLine($"{path}: scale {scale}, largest |w| {largest:0.0000}, target std {layer.Plan.Spec.InitialStd:0.0000}");
            Assert.Equal(1.0, scale);
            Assert.True(largest < 10 * layer.Plan.Spec.InitialStd, $"{path}: |w| up to {largest}");
        }
        Assert.True(model.call(randn(2, 1, 6, 6)).isfinite().all().item<bool>());
    }

    [Fact]
    public void Without_the_correction_a_plain_average_of_templates_starts_too_small()
    {
        // At a high budget each body layer combines several templates. The reference code's plain average
        // (coefficients 1/K, no rescaling) shrinks the spread by about √K; our corrected weight stays at target.
        using var model = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(2.0), Seed = 4 });
        var layer = (SharedLayer)model.named_modules().Single(m => m.name == "Body.1").module;
        var plan = layer.Plan;
        Assert.True(plan.Templates >= 4, $"expected several templates at budget 2.0, got {plan.Templates}");
        using var _ = no_grad();
        var bank = model.Banks["shared"];
        var templates = bank.repeat(3).narrow(0, plan.Offset, plan.ReadLength).view(plan.Templates, plan.Spec.WeightSize);
        double target = plan.Spec.InitialStd;
        double plainAverage = templates.mean(new long[] { 0 }).std().item<float>();
        double ours = layer.Weight().std().item<float>();
        output.WriteLine($"K={plan.Templates}: target {target:0.0000}, reference plain average {plainAverage:0.0000} ({plainAverage / target:0.00}x), ours {ours:0.0000} ({ours / target:0.00}x)");
        Assert.InRange(plainAverage / (templates.std().item<float>() / Math.Sqrt(plan.Templates)), 0.85, 1.15);
        Assert.True(Math.Abs(plainAverage / target - 1) > 0.3, "the uncorrected average should be visibly off the Kaiming scale");
        Assert.InRange(ours / target, 0.98, 1.02);
    }
}
