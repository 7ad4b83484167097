using System.Linq;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using Xunit;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>Exact, total accounting: the model holds exactly what the allocation says, never more than the budget, and uses nearly all of it.</summary>
public sealed class AccountingTests
{
    [Theory]
    [InlineData(0.05)]
    [InlineData(0.10)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void Parameters_fit_the_budget_and_use_nearly_all_of_it(double fraction)
    {
        using var model = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(fraction) });
        var plan = model.Allocation;

        Assert.Equal(1884, plan.Unshared);
        Assert.Equal((long)System.Math.Floor(fraction * 1884), plan.Budget);
        Assert.Equal(plan.Breakdown.Total, model.TrainableParameters);
        Assert.True(model.TrainableParameters <= plan.Budget, $"{model.TrainableParameters} > budget {plan.Budget}");
        Assert.True(plan.Breakdown.Unused <= System.Math.Max(2, plan.Budget / 100), $"unused {plan.Breakdown.Unused} of {plan.Budget}:\n{plan}");
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.5)]
    [InlineData(2.0)]
    [InlineData(20.0)]
    public void Every_bank_entry_is_read_by_some_layer(double fraction)
    {
        using var model = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(fraction) });
        foreach (var group in model.Allocation.Groups)
        {
            var read = new bool[group.BankSize];
            foreach (var layer in group.Members.Select(model.Allocation.Layer))
                foreach (var (start, end) in TemplateLayout.Intervals(group.BankSize, layer.Offset, layer.ReadLength))
                    for (long i = start; i < end; i++) read[i] = true;
            Assert.True(read.All(r => r), $"bank {group.Name} has unread entries:\n{model.Allocation}");
        }
    }

    [Fact]
    public void Breakdown_counts_every_kind_of_parameter()
    {
        using var model = new MixedNet();
        var b = model.Allocation.Breakdown;
        Assert.Equal(20000, b.Budget);
        Assert.Equal(16 + 16 + 64 + 16 + 5, b.Biases);     // conv1d x2, up, down, classifier
        Assert.Equal(2 * 16, b.Norms);                      // layer norm affine
        Assert.Equal(16 * 5, b.OwnWeights);                 // the [NoShare] classifier
        Assert.Equal(b.Total, model.TrainableParameters);
        Assert.Equal(new[] { "embedding_50x16", "conv1d_16x16x3", "mlp" }, model.Allocation.Groups.Select(g => g.Name));
    }

    [Fact]
    public void High_budget_gives_layers_more_templates_than_low_budget()
    {
        using var low = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(0.1) });
        using var high = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(2.0) });
        Assert.True(high.Allocation.Layer("Body.0").Templates > low.Allocation.Layer("Body.0").Templates);
        Assert.True(high.Allocation.Groups.Single().BankSize > 1884);
    }

    [Fact]
    public void A_run_time_budget_that_cannot_be_met_throws_with_the_numbers()
    {
        var e = Assert.Throws<BudgetInfeasibleException>(() => new TinyCnn(new NpasOptions { Budget = BudgetSpec.Parameters(40) }));
        Assert.Equal(40, e.Budget);
        Assert.Equal(36 + 16 + 5 + 1, e.Minimum); // biases, norms, one coefficient per layer, a one-entry bank
        Assert.Contains("at least 58 parameters", e.Message);
    }

    [Fact]
    public void A_run_time_budget_that_is_not_positive_is_rejected()
    {
        var e = Assert.Throws<System.ArgumentException>(() => new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(double.NaN) }));
        Assert.Contains("not a finite positive number", e.Message);
    }

    [Fact]
    public void Allocation_summary_names_groups_layers_aliasing_and_breakdown()
    {
        using var model = new TinyCnn();
        var text = model.Allocation.ToString();
        Assert.Contains("budget 188 parameters (10.0 % of 1,884 unshared", text);
        Assert.Contains("used 188 = banks 127 + coefficients 9 + biases 36 + norms 16 + own weights 0 = 188 of 188 (unused 0)", text);
        Assert.Contains("shared   127       5             1,832       14.43x", text); // the group row: bank, layers, unshared, compression
        Assert.Contains("Body.1    conv2d       8x8x3x3  bank shared  1      68    576  tiled x4.54 from a smaller bank", text);
        Assert.Contains("layers that read the same bank entries", text);
        Assert.Contains("Body.0 ~ Body.1: 127 entries (100.0 % of bank shared)", text);
        Assert.Contains("biases 36", text);
        Assert.Contains("norms 16", text);
    }

    [Fact]
    public void A_budget_beyond_what_layers_can_read_is_left_unused_and_reported()
    {
        // Body: 3 layers x 8 templates x 576 weights = 13,824 readable entries; 20x the model is 37,680.
        using var model = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(20.0) });
        var plan = model.Allocation;
        Assert.Equal(13_824, plan.Groups.Single().BankSize);
        Assert.True(plan.Breakdown.Unused > 20_000, plan.ToString());
        Assert.Equal(plan.Breakdown.Total, model.TrainableParameters);
        Assert.Contains("used 13,916 = banks 13,824 + coefficients 40 + biases 36 + norms 16 + own weights 0 = 13,916 of 37,680 (unused 23,764)", plan.ToString());
    }
}
