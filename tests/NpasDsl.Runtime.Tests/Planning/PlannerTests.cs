using System.Linq;
using NpasDsl.Planning;
using Xunit;

namespace NpasDsl.Runtime.Tests.Planning;

/// <summary>The budget planner on its own: split, templates, offsets, feasibility. No tensors involved.</summary>
public sealed class PlannerTests
{
    [Theory]
    [InlineData(1000, new long[] { 1, 1, 1 })]
    [InlineData(7, new long[] { 5, 3, 1 })]
    [InlineData(123457, new long[] { 9216, 288, 320, 9216 })]
    public void Proportional_split_sums_exactly_to_what_is_available(long available, long[] weights)
    {
        var banks = BudgetSplit.Proportional(available, weights, weights.Select(_ => 1L).ToList())!;
        Assert.Equal(available, banks.Sum());
        Assert.All(banks, b => Assert.True(b >= 1));
        for (int i = 0; i < weights.Length; i++)
            Assert.InRange(banks[i], available * weights[i] / weights.Sum() - 1, available * weights[i] / weights.Sum() + 2);
    }

    [Theory]
    [InlineData(1, 1)]   // one repeat, extended
    [InlineData(4, 2)]   // the first two of four repeats extend a narrower list of two
    [InlineData(3, 5)]   // a narrower list longer than this one: every repeat extends
    public void The_generated_total_in_closed_form_is_the_sum_over_the_repeats(int repeat, int baseCount)
    {
        // GeneratedTotal is computed without a loop (a [Repeat(100000)] list is read on every keystroke); it must equal the
        // sum of what each repeat generates, with the first repeats of a family member generating less than a whole weight.
        var plain = LayerSpec.Conv2d("body", 8, 16, 3, 3, repeat: repeat);
        var extended = plain.Extending(new LayerExtension(4, 8, baseCount));
        foreach (var layer in new[] { plain, extended })
            Assert.Equal(Enumerable.Range(0, layer.Count).Sum(i => layer.GeneratedSize(i)), layer.GeneratedTotal);
        Assert.True(extended.GeneratedTotal < plain.GeneratedTotal);
    }

    [Fact]
    public void A_spec_built_in_code_is_held_to_the_generators_rules_for_repeats_and_share_rates()
    {
        // Found by a review: Rate 2 over 5 repeats planned into a KeyNotFoundException (sequential) or fused sets of 3 and 2 (strided).
        var e = Assert.Throws<System.ArgumentException>(() => LayerSpec.Linear("Mix", 8, 8, repeat: 5, shareRate: 2));
        Assert.Contains("Layer 'Mix': the share rate 2 must divide the 5 repeated layers (SPIN's r divides D); use a divisor of 5.", e.Message);
        Assert.Throws<System.ArgumentOutOfRangeException>(() => LayerSpec.Linear("Mix", 8, 8, repeat: -1));
        Assert.Throws<System.ArgumentOutOfRangeException>(() => LayerSpec.Linear("Mix", 8, 8, repeat: 4, shareRate: -2));
        Assert.Equal(2, LayerSpec.Linear("Mix", 8, 8, repeat: 4, shareRate: 2, mapping: ShareMapping.Strided).WeightSets);
    }

    [Fact]
    public void Split_pins_groups_whose_share_is_below_their_minimum()
    {
        var banks = BudgetSplit.Proportional(1000, new long[] { 10, 990 }, new long[] { 200, 1 })!;
        Assert.Equal(new long[] { 200, 800 }, banks);
        Assert.Null(BudgetSplit.Proportional(100, new long[] { 10, 10 }, new long[] { 60, 60 }));
    }

    [Fact]
    public void Split_stops_at_each_group_maximum_and_gives_the_rest_to_the_others()
    {
        var banks = BudgetSplit.Proportional(1000, new long[] { 500, 500 }, new long[] { 1, 1 }, new long[] { 100, long.MaxValue })!;
        Assert.Equal(new long[] { 100, 900 }, banks);
        var full = BudgetSplit.Proportional(1000, new long[] { 1, 1 }, new long[] { 1, 1 }, new long[] { 100, 200 })!;
        Assert.Equal(new long[] { 100, 200 }, full); // the remaining 700 are not capacity
    }

    [Fact]
    public void Split_never_pins_more_than_is_available_when_groups_fall_below_and_above_their_bounds_at_once()
    {
        // At the first scale (1500/1710 of each size) group 0 is above its maximum (614 > 600) and group 1 below its
        // minimum (885 < 1000). Pinning both in one pass took 1,600 of 1,500; group 1 is fixed at 1,000, so group 0 gets 500.
        var banks = BudgetSplit.Proportional(1500, new long[] { 700, 1010 }, new long[] { 300, 1000 }, new long[] { 600, 1000 })!;
        Assert.Equal(new long[] { 500, 1000 }, banks);
    }

    [Fact]
    public void A_network_whose_groups_hit_both_bounds_is_planned_within_its_budget()
    {
        // By kind, round robin, no upsampling, 1,500 parameters: at the first split the conv group's share is above the
        // most its layers can read and the linear group's below its cheapest bank (its largest layer, 1,000).
        var layers = new[]
        {
            LayerSpec.Conv2d("A", 3, 100, 1, 1, bias: false), LayerSpec.Conv2d("B", 3, 100, 1, 1, bias: false), LayerSpec.Conv2d("C", 1, 100, 1, 1, bias: false),
            LayerSpec.Linear("D", 100, 10, false), LayerSpec.Linear("E", 1, 10, false),
        };
        var spec = new NetworkSpec("Net", BudgetSpec.Parameters(1500), layers, new SharingSpec(GroupStrategy.ByKind, Combiner.RoundRobin, Upsampler.None));
        Assert.True(BudgetCheck.For(spec).IsFeasible);
        var plan = BudgetPlanner.Plan(spec);
        Assert.True(plan.Breakdown.Total <= 1500, plan.ToString());
    }

    [Fact]
    public void Maximum_useful_bank_is_the_largest_walk_of_one_block_size()
        => Assert.Equal(3 * 8 * 576, TemplateLayout.MaximumUsefulBank(new long[] { 72, 576, 576, 576, 32 }, 8));

    [Theory]
    [InlineData(100, 1000, 8, 8)]   // capped at K_max
    [InlineData(300, 1000, 8, 4)]   // ⌈1000/300⌉: the fourth template wraps so the whole bank is read
    [InlineData(1000, 1000, 8, 1)]
    [InlineData(5000, 1000, 8, 1)]  // larger than the bank: one template, tiled
    public void Templates_per_layer(long weight, long bank, int maxTemplates, int expected)
        => Assert.Equal(expected, TemplateLayout.TemplatesFor(weight, bank, maxTemplates));

    [Fact]
    public void Same_shape_layers_walk_through_the_bank_and_different_shapes_start_at_zero()
    {
        var layout = TemplateLayout.Layout(new long[] { 100, 100, 100, 30 }, 1000, 2);
        Assert.Equal(new[] { (2, 0L), (2, 200L), (2, 400L), (2, 0L) }, layout);
        var small = TemplateLayout.Layout(new long[] { 400, 400, 400 }, 1000, 1);
        Assert.Equal(new[] { 0L, 400L, 800L }, small.Select(s => s.Offset));
    }

    [Fact]
    public void Circular_reads_and_overlaps()
    {
        Assert.Equal(new[] { (800L, 1000L), (0L, 200L) }, TemplateLayout.Intervals(1000, 800, 400));
        Assert.Equal(new[] { (0L, 1000L) }, TemplateLayout.Intervals(1000, 300, 5000));
        Assert.Equal(200, TemplateLayout.Overlap(1000, 800, 400, 0, 500));
        Assert.Equal(0, TemplateLayout.Overlap(1000, 0, 100, 100, 100));
    }

    private static NetworkSpec Net(BudgetSpec budget, params LayerSpec[] layers) => new("Net", budget, layers);

    [Fact]
    public void Smallest_feasible_budget_counts_what_is_never_shared()
    {
        var spec = Net(BudgetSpec.Parameters(10),
            LayerSpec.Linear("A", 100, 10),
            LayerSpec.Linear("B", 100, 10, noShare: true),
            LayerSpec.LayerNorm("N", 10),
            LayerSpec.Conv2d("C", 4, 4, 3, 3, repeat: 2, bias: false));
        var check = BudgetCheck.For(spec);
        // biases 10 + 10, own weights 1000, norm 20, then 3 coefficients and one-entry banks for the single group.
        Assert.Equal(10 + 10 + 1000 + 20 + 3 + 1, check.Minimum);
        Assert.False(check.IsFeasible);
        var e = Assert.Throws<BudgetInfeasibleException>(() => BudgetPlanner.Plan(spec));
        Assert.Contains("1,044", e.Message);
    }

    [Fact]
    public void Upsampling_off_requires_each_bank_to_hold_its_largest_layer()
    {
        var spec = new NetworkSpec("Net", BudgetSpec.Parameters(100), new[] { LayerSpec.Linear("A", 100, 10, bias: false) },
            new SharingSpec(upsampler: Upsampler.None));
        Assert.Equal(1000 + 1, BudgetCheck.For(spec).Minimum);
    }

    [Fact]
    public void A_lone_layer_is_paid_in_full_at_a_low_budget_when_the_rest_still_fits()
    {
        var spec = new NetworkSpec("Net", BudgetSpec.Fraction(0.3), new[]
        {
            LayerSpec.Linear("Small", 10, 10, bias: false),
            LayerSpec.Linear("Big", 100, 100, bias: false, repeat: 3),
        }, new SharingSpec(strategy: GroupStrategy.ByShape));
        var plan = BudgetPlanner.Plan(spec);
        Assert.Equal(WeightSource.Own, plan.Layer("Small").Source);
        Assert.Equal(WeightSource.Bank, plan.Layer("Big.0").Source);
        Assert.True(plan.Breakdown.Total <= plan.Budget);
    }

    [Fact]
    public void Fractions_round_down_so_the_budget_is_never_exceeded()
    {
        Assert.Equal(188, BudgetSpec.Fraction(0.1).Resolve(1884));
        Assert.Equal(42, BudgetSpec.Parameters(42).Resolve(1884));
        Assert.Equal("0.02762", BudgetInfeasibleException.FeasibleFraction(52, 1883)); // rounded up: floor(0.02762 * 1883) = 52
    }

    [Fact]
    public void Random_grouping_is_seeded_and_makes_as_many_groups_as_by_shape()
    {
        var layers = new[]
        {
            LayerSpec.Linear("A", 10, 10, repeat: 4), LayerSpec.Linear("B", 10, 20, repeat: 2), LayerSpec.Conv2d("C", 4, 4, 3, 3, repeat: 3),
        };
        NetworkSpec Spec(long seed) => new("Net", BudgetSpec.Fraction(0.5), layers, new SharingSpec(strategy: GroupStrategy.Random, seed: seed));
        var first = BudgetPlanner.Plan(Spec(1));
        Assert.Equal(3, first.Groups.Count);
        Assert.Equal(9, first.Groups.Sum(g => g.Members.Count));
        Assert.Equal(first.Groups.Select(g => string.Join(",", g.Members)), BudgetPlanner.Plan(Spec(1)).Groups.Select(g => string.Join(",", g.Members)));
        Assert.NotEqual(first.Groups.Select(g => string.Join(",", g.Members)), BudgetPlanner.Plan(Spec(2)).Groups.Select(g => string.Join(",", g.Members)));
    }

    [Fact]
    public void Template_split_gives_groups_whole_templates_larger_groups_first()
    {
        // A: three layers of 100, B: one layer of 50. One template each (150), then A gets a second and a third
        // (it has more layers than templates), then one template at a time round robin while one fits.
        var banks = BudgetSplit.InTemplates(1000, new long[] { 100, 50 }, new[] { 3, 1 }, new long[] { 2400, 400 }, 8)!;
        Assert.Equal(new long[] { 700, 300 }, banks);
        Assert.Null(BudgetSplit.InTemplates(120, new long[] { 100, 50 }, new[] { 3, 1 }, new long[] { 2400, 400 }, 8));
    }

    [Fact]
    public void A_model_with_the_template_split_has_banks_in_whole_templates()
    {
        var spec = new NetworkSpec("Net", BudgetSpec.Parameters(2000), new[]
        {
            LayerSpec.Linear("A", 10, 10, bias: false, repeat: 3, group: "a"),
            LayerSpec.Linear("B", 5, 10, bias: false, group: "b"),
            LayerSpec.Linear("C", 5, 10, bias: false, group: "b"),
        }, new SharingSpec(bankSplit: BankSplit.Templates));
        var plan = BudgetPlanner.Plan(spec);
        Assert.All(plan.Groups, g => Assert.Equal(0, g.BankSize % (g.Name == "a" ? 100 : 50)));
        Assert.True(plan.Breakdown.Total <= 2000);
        Assert.Contains("bank split Templates", plan.ToString());
    }

    [Fact]
    public void A_template_split_without_a_cap_on_templates_ends_and_equals_a_cap_above_every_membership()
    {
        // int.MaxValue used to run the template rounds until the counter wrapped, that is forever (in the IDE too).
        NetworkSpec Spec(int cap) => new("Net", BudgetSpec.Fraction(1.0), new[] { LayerSpec.Linear("Body", 10, 10, repeat: 2) },
            new SharingSpec(bankSplit: BankSplit.Templates, maxTemplates: cap));
        var unbounded = BudgetPlanner.Plan(Spec(int.MaxValue));
        var capped = BudgetPlanner.Plan(Spec(1000));
        Assert.Equal(capped.Groups.Select(g => g.BankSize), unbounded.Groups.Select(g => g.BankSize));
        Assert.Equal(capped.Breakdown.Total, unbounded.Breakdown.Total);
    }

    [Fact]
    public void The_summary_says_when_the_template_split_fell_back()
    {
        var spec = new NetworkSpec("Net", BudgetSpec.Parameters(150), new[] { LayerSpec.Linear("A", 10, 10, bias: false, repeat: 3, group: "a"), LayerSpec.Linear("B", 10, 10, bias: false, repeat: 2, group: "b") },
            new SharingSpec(bankSplit: BankSplit.Templates));
        var plan = BudgetPlanner.Plan(spec); // 150 cannot pay one 100-entry template for each of the two groups
        Assert.Equal(BankSplit.Proportional, plan.BankSplitUsed);
        Assert.Contains("bank split Proportional (Templates did not fit one template per group)", plan.ToString());
    }

    [Fact]
    public void Spin_convmixer_768_32_at_rate_2_plans_to_the_published_count_with_sixteen_whole_sets()
    {
        // methods.md section 8: ConvMixer-768/32 (patch 14, kernel 3) is 20,465,896 parameters unshared and 11,016,424
        // shared at rate 2. The published figure pays one pointwise weight and bias per set, so a set is a whole layer.
        var spec = new NetworkSpec("ConvMixer768", BudgetSpec.Parameters(11_016_424), new[]
        {
            LayerSpec.Conv2d("Patches", 3, 768, 14, 14, stride: 14, noShare: true),
            LayerSpec.BatchNorm2d("PatchNorm", 768),
            LayerSpec.Conv2d("Depthwise", 768, 768, 3, 3, padding: 1, groups: 768, repeat: 32, noShare: true),
            LayerSpec.BatchNorm2d("DepthwiseNorms", 768, repeat: 32),
            LayerSpec.Conv2d("Pointwise", 768, 768, 1, 1, repeat: 32, group: "pointwise", shareRate: 2),
            LayerSpec.BatchNorm2d("PointwiseNorms", 768, repeat: 32),
            LayerSpec.Linear("Head", 768, 1000, noShare: true),
        }, new SharingSpec(combiner: Combiner.RoundRobin));
        Assert.Equal(20_465_896, spec.UnsharedParameters);

        var plan = BudgetPlanner.Plan(spec);
        Assert.Equal(11_016_424, plan.Breakdown.Total);
        Assert.Equal(0, plan.Breakdown.Unused);
        Assert.Equal(16 * 768 * 768L, plan.Group("pointwise").BankSize); // sixteen whole weights, no entry short
        Assert.Equal(16 * 768L, plan.Breakdown.Biases - 768 - 32 * 768 - 1000); // one pointwise bias per set
        Assert.Empty(plan.Aliases()); // no two sets read common entries: the sharing is exact
    }

    [Fact]
    public void A_no_share_layer_with_a_rate_pays_a_bias_per_repeat_like_its_weights()
    {
        // [NoShare] wins over a rate (the generator refuses the pair; a hand-built spec may still give it): every repeat
        // is a layer of its own, weight and bias, and the accounting must say so or the model fails its own count.
        var layer = LayerSpec.Linear("Mix", 8, 8, repeat: 4, noShare: true, shareRate: 2);
        Assert.Equal(4 * 8L, layer.BiasTotal);
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(i, layer.BiasOwnerOf(i)));
        var spin = LayerSpec.Linear("Mix", 8, 8, repeat: 4, shareRate: 2);
        Assert.Equal(2 * 8L, spin.BiasTotal);
        Assert.Equal(new[] { 0, 0, 2, 2 }, Enumerable.Range(0, 4).Select(spin.BiasOwnerOf));
        var plan = BudgetPlanner.Plan(new NetworkSpec("Net", BudgetSpec.Fraction(1.0), new[] { layer }));
        Assert.Equal(4 * 8L, plan.Breakdown.Biases);
    }

    [Fact]
    public void A_lone_weight_set_that_serves_several_repeats_keeps_its_bank()
    {
        // Rate == Repeat: the six repeats of "Proj" are one weight set, so its group has one member, yet that member is
        // six layers' weight. Paying it in full would leave the five sharers pointing at a bank the plan no longer has.
        var spec = new NetworkSpec("Net", BudgetSpec.Fraction(0.5), new[]
        {
            LayerSpec.Linear("Proj", 16, 16, bias: false, repeat: 6, group: "proj", shareRate: 6),
            LayerSpec.Linear("Qkv", 16, 48, bias: false, repeat: 6, group: "qkv", shareRate: 6),
            LayerSpec.Linear("Head", 16, 10, bias: false, group: "head"),
        });
        var plan = BudgetPlanner.Plan(spec);
        Assert.True(plan.Breakdown.Total <= plan.Breakdown.Budget);
        foreach (var name in new[] { "Proj", "Qkv" })
        {
            var layers = plan.Layers.Where(l => l.Spec.Name == name).ToList();
            Assert.Equal(6, layers.Count);
            Assert.All(layers, l => Assert.Equal(WeightSource.Bank, l.Source));
            Assert.All(layers.Skip(1), l => Assert.Equal(layers[0].Offset, l.Offset));
        }
    }

    [Theory]
    [InlineData(Combiner.WeightedAverage, CoefficientSharing.None, "one template each: one weight up to a scale")]
    [InlineData(Combiner.RoundRobin, CoefficientSharing.None, "no coefficients: one weight")]
    [InlineData(Combiner.Average, CoefficientSharing.None, "no coefficients: one weight")]
    [InlineData(Combiner.WeightedAverage, CoefficientSharing.ByShape, "one coefficient vector between them: one weight")]
    public void The_summary_says_what_still_tells_apart_two_layers_that_read_the_same_templates(Combiner combiner, CoefficientSharing coefficients, string expected)
    {
        // A bank of 100 entries and two 100-entry layers: both read all of it from offset 0.
        var sharing = new SharingSpec(combiner: combiner, coefficientSharing: coefficients);
        var layers = new[] { LayerSpec.Linear("Body", 10, 10, bias: false, repeat: 2) };
        var plan = Enumerable.Range(100, 10).Select(b => BudgetPlanner.Plan(new NetworkSpec("Net", BudgetSpec.Parameters(b), layers, sharing)))
            .First(p => p.Groups.Single().BankSize == 100); // the budget that pays this combiner's coefficients on top
        Assert.Contains("Body.0 ~ Body.1: 100 entries (100.0 % of bank shared), same templates (" + expected + ")", plan.ToString());
    }
}
