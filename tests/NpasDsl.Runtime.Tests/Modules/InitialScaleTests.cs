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
