using System;
using System.Linq;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using NpasDsl.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>
/// The Mask upsampler: a layer larger than its bank tiles it, and every copy after the first is multiplied by
/// 1 + its own learned mask of period 16; the masks are parameters, counted exactly in the budget.
/// </summary>
public sealed class MaskTests(ITestOutputHelper output)
{
    private static SharedLayer Layer(NpasModule model, string path) => model.SharedLayers().Single(l => l.Path == path).Layer;

    private static Tensor MaskOf(SharedLayer layer) => layer.named_parameters().Single(p => p.name == "mask").parameter;

    [Theory]
    [InlineData(0.18)]
    [InlineData(0.2)]
    [InlineData(0.25)]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(2.0)]
    public void Masks_are_counted_exactly_and_the_model_fits_the_budget(double fraction)
    {
        using var model = new MaskNet(new NpasOptions { Budget = BudgetSpec.Fraction(fraction) });
        var plan = model.Allocation;
        long bank = plan.Groups.Single().BankSize;
        output.WriteLine(plan.ToString());

        Assert.Equal(plan.Breakdown.Total, model.TrainableParameters);
        Assert.True(plan.Breakdown.Total <= plan.Budget, plan.ToString());
        Assert.True(plan.Breakdown.Unused <= Math.Max(2, plan.Budget / 50), $"unused {plan.Breakdown.Unused}:\n{plan}");
        foreach (var layer in plan.Layers.Where(l => l.Source == WeightSource.Bank))
            Assert.Equal(CopyMasks.Entries(layer.Spec.WeightSize, bank, SharingDefaults.MaskPeriod), layer.Masks);
        Assert.Equal(plan.Layers.Sum(l => l.Masks), plan.Breakdown.Masks);
        var maskKeys = model.state_dict().Where(p => p.Key.EndsWith(".mask", StringComparison.Ordinal)).ToList();
        Assert.Equal(plan.Breakdown.Masks, maskKeys.Sum(p => p.Value.numel()));
        Assert.Equal(plan.Layers.Where(l => l.Masks > 0).Select(l => l.Path + ".mask"), maskKeys.Select(p => p.Key));
        if (plan.Breakdown.Masks > 0) Assert.Contains("+ masks " + plan.Breakdown.Masks.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), plan.ToString());
        else Assert.True(bank >= plan.Layers.Max(l => l.Spec.WeightSize), "only a bank that holds every layer leaves no masks");
    }

    [Fact]
    public void At_the_declared_budget_the_body_is_tiled_and_masked()
    {
        using var model = new MaskNet();
        var plan = model.Allocation;
        var body = plan.Layer("Body.0");
        long bank = plan.Groups.Single().BankSize;
        Assert.True(body.Spec.WeightSize > bank, plan.ToString());
        Assert.True(body.Masks > 0);
        Assert.Contains("masked (", plan.ToString());
        Assert.Equal(new long[] { body.Masks }, MaskOf(Layer(model, "Body.0")).shape);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)] // MaskNet's layers are small: a long period would cost more than the bank saves, so none is tiled
    public void A_chosen_mask_period_sets_how_each_copy_repeats_its_mask_and_what_the_masks_cost(int period)
    {
        var sharing = new SharingSpec(upsampler: Upsampler.Mask, maskPeriod: period);
        // Just above the smallest feasible budget, where the bank is far smaller than a body layer.
        long minimum = BudgetCheck.For(MaskNet.Declaration.WithSharing(sharing)).Minimum;
        using var model = new MaskNet(new NpasOptions { Seed = 4, Sharing = sharing, Budget = BudgetSpec.Parameters(minimum + 20) });
        var plan = model.Allocation;
        long bank = plan.Groups.Single().BankSize;
        Assert.Equal(period, plan.Network.Sharing.MaskPeriod);
        Assert.Equal(plan.Breakdown.Total, model.TrainableParameters);
        var layer = Layer(model, "Body.1");
        long size = layer.Plan.Spec.WeightSize, copies = CopyMasks.Copies(size, bank);
        Assert.True(copies >= 2, plan.ToString());
        Assert.Equal(CopyMasks.Entries(size, bank, period), MaskOf(layer).numel());

        using var _ = no_grad();
        // Copy 2 is copy 1 times 1 + m_2, and m_2 repeats with the chosen period.
        var weight = layer.Weight().reshape(-1);
        long length = Math.Min(bank, size - bank);
        var ratio = weight.narrow(0, bank, length) / weight.narrow(0, 0, length);
        long p = Math.Min(period, length);
        var m = MaskOf(layer).narrow(0, 0, p).repeat((length + p - 1) / p).narrow(0, 0, length);
        Assert.True(ratio.allclose(m + 1, rtol: 1e-3, atol: 1e-4), $"period {period}");
    }

    [Fact]
    public void A_mask_period_below_one_is_refused_at_start_up()
    {
        var e = Assert.Throws<ArgumentException>(() => new MaskNet(new NpasOptions { Sharing = new SharingSpec(upsampler: Upsampler.Mask, maskPeriod: 0) }));
        Assert.Contains("MaskPeriod is 0", e.Message);
    }

    [Fact]
    public void Copies_start_as_tiles_times_one_plus_their_mask_and_diverge_in_training()
    {
        using var model = new MaskNet(new NpasOptions { Seed = 3 });
        using var repeat = new MaskNet(new NpasOptions { Seed = 3, Sharing = new SharingSpec(upsampler: Upsampler.Repeat) });
        long bank = model.Allocation.Groups.Single().BankSize;

        var layer = Layer(model, "Body.1");
        long size = layer.Plan.Spec.WeightSize, copies = CopyMasks.Copies(size, bank);
        Assert.True(copies >= 3, $"expected several copies, got {copies}");

        // How far copy 2 is from copy 1, relative to copy 1's size, in a model's own bank.
        static double Deviation(NpasModule m)
        {
            using var _ = no_grad();
            long bank = m.Allocation.Groups.Single().BankSize;
            var weight = Layer(m, "Body.1").Weight().reshape(-1);
            long length = Math.Min(bank, weight.numel() - bank);
            var first = weight.narrow(0, 0, length);
            var later = weight.narrow(0, bank, length);
            return ((later - first).norm() / first.norm()).item<float>();
        }

        using (no_grad())
        {
            // At initialisation copy c is exactly copy 1 times 1 + m_c, with m_c repeated at its period.
            var weight = layer.Weight().reshape(-1);
            var mask = MaskOf(layer);
            long offset = 0;
            for (long copy = 1; copy < copies; copy++)
            {
                long length = Math.Min(bank, size - copy * bank), period = CopyMasks.PeriodOf(length == bank ? bank : length, SharingDefaults.MaskPeriod);
                var m = mask.narrow(0, offset, period).repeat((length + period - 1) / period).narrow(0, 0, length);
                var expected = weight.narrow(0, 0, length) * (m + 1);
                Assert.True(weight.narrow(0, copy * bank, length).allclose(expected, rtol: 1e-5, atol: 1e-7), $"copy {copy + 1}");
                offset += period;
            }
            Assert.Equal(mask.numel(), offset);
            Assert.InRange(mask.std().item<float>(), 0.005, 0.02); // initialised small
        }
        double atStart = Deviation(model);
        Assert.InRange(atStart, 0.001, 0.03);
        Assert.Equal(0, Deviation(repeat)); // Repeat: a plain tile

        TestData.LossesOnFixedBatch(model, steps: 10);
        TestData.LossesOnFixedBatch(repeat, steps: 10);
        double afterTraining = Deviation(model);
        output.WriteLine($"copy 2 vs copy 1: relative difference {atStart:0.0000} at start, {afterTraining:0.0000} after 10 steps; Repeat stays at {Deviation(repeat)}");
        Assert.True(afterTraining > 3 * atStart, $"copies did not diverge: {atStart} -> {afterTraining}");
        Assert.Equal(0, Deviation(repeat)); // Repeat's copies can never diverge
    }

    [Fact]
    public void The_gradient_reaches_every_mask_entry_and_masks_are_not_decayed()
    {
        using var model = new MaskNet(new NpasOptions { Seed = 6 });
        var (images, labels) = TestData.Images();
        cross_entropy(model.call(images), labels).backward();
        foreach (var (path, layer) in model.SharedLayers().Where(l => l.Layer.Plan.Masks > 0))
        {
            var grad = MaskOf(layer).grad;
            Assert.NotNull(grad);
            Assert.Equal(grad!.numel(), grad.ne(0).sum().item<long>());
        }
        var decayed = WeightDecay.Selected(model).Select(p => p.Handle).ToHashSet();
        Assert.DoesNotContain(model.SharedLayers().Where(l => l.Layer.Plan.Masks > 0), l => decayed.Contains(MaskOf(l.Layer).Handle));
        Assert.Contains(model.Banks["shared"].Handle, decayed);
    }

    [Fact]
    public void Masked_weights_start_at_the_kaiming_standard_deviation()
    {
        using var model = new MaskNet(new NpasOptions { Seed = 4 });
        using var _ = no_grad();
        foreach (var (path, layer) in model.SharedLayers().Where(l => l.Layer.Plan.Masks > 0))
            Assert.InRange(layer.Weight().std().item<float>() / layer.Plan.Spec.InitialStd, 0.99, 1.01);
    }

    [Fact]
    public void Materialized_outputs_are_bit_identical_and_the_export_has_no_masks()
    {
        using var model = new MaskNet(new NpasOptions { Seed = 5 });
        TestData.LossesOnFixedBatch(model, steps: 3); // masks away from their initial values
        var (images, _) = TestData.Images();
        model.eval();
        var onTheFly = model.call(images);
        var weights = model.SharedLayers().ToDictionary(l => l.Path, l => l.Layer.Weight().detach().clone());
        model.Materialize();
        Tensor materialized;
        using (no_grad()) materialized = model.call(images); // the cached weights are read without autograd
        Assert.True(onTheFly.shape.SequenceEqual(materialized.shape) && onTheFly.eq(materialized).all().item<bool>());

        var export = model.ExportUnsharedStateDict();
        Assert.DoesNotContain(export.Keys, k => k.EndsWith(".mask", StringComparison.Ordinal));
        foreach (var (path, weight) in weights) Assert.True(export[path + ".weight"].eq(weight).all().item<bool>(), path);
    }

    [Theory]
    [InlineData(Combiner.WeightedAverage, 0.2)]
    [InlineData(Combiner.Embedding, 0.4)] // A_K and b_K cost 25 per template count: 0.2 cannot pay for them
    [InlineData(Combiner.RoundRobin, 0.2)]
    [InlineData(Combiner.Average, 0.2)]
    public void Every_combiner_tiles_with_masks_counts_them_and_trains(Combiner combiner, double fraction)
    {
        using var model = new MaskNet(new NpasOptions { Seed = 2, Budget = BudgetSpec.Fraction(fraction), Sharing = new SharingSpec(combiner: combiner, upsampler: Upsampler.Mask) });
        var plan = model.Allocation;
        Assert.True(plan.Breakdown.Masks > 0, plan.ToString());
        Assert.Equal(plan.Breakdown.Total, model.TrainableParameters);
        Assert.True(plan.Breakdown.Total <= plan.Budget);
        var (first, last) = TestData.LossesOnFixedBatch(model, steps: 20);
        Assert.True(last < first, $"loss went from {first} to {last}");
        Assert.True(MaskOf(Layer(model, "Body.0")).grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void A_checkpoint_keeps_the_masks()
    {
        using var model = new MaskNet(new NpasOptions { Seed = 1 });
        TestData.LossesOnFixedBatch(model, steps: 3);
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"npas-mask-{Guid.NewGuid():N}.bin");
        try
        {
            model.SaveCheckpoint(path);
            using var restored = new MaskNet(new NpasOptions { Seed = 2 });
            Assert.False(MaskOf(Layer(restored, "Body.2")).eq(MaskOf(Layer(model, "Body.2"))).all().item<bool>());
            restored.LoadCheckpoint(path);
            Assert.True(MaskOf(Layer(restored, "Body.2")).eq(MaskOf(Layer(model, "Body.2"))).all().item<bool>());
        }
        finally
        {
            System.IO.File.Delete(path);
            System.IO.File.Delete(NpasModule.AllocationPathFor(path));
        }
    }

    [Fact]
    public void A_budget_that_cannot_pay_for_the_masks_throws_with_the_numbers()
    {
        // Repeat could tile every layer from a one-entry bank; Mask's cheapest bank is 144 entries: 3 x 48 mask
        // entries for the body layers (4 copies each), 10 coefficients (stem 2, body 3 x 1, head 5), 36 biases.
        Assert.Equal(42, BudgetCheck.For(MaskNet.Declaration.WithSharing(new SharingSpec()).WithBudget(BudgetSpec.Parameters(300))).Minimum);
        var e = Assert.Throws<BudgetInfeasibleException>(() => new MaskNet(new NpasOptions { Budget = BudgetSpec.Parameters(300) }));
        Assert.Equal(334, e.Minimum);
        Assert.Equal(144, e.MinimumMasks);
        Assert.Contains("copy masks (144)", e.Message);
        Assert.Contains("at least 334 parameters", e.Message);
        using var atMinimum = new MaskNet(new NpasOptions { Budget = BudgetSpec.Parameters(334) });
        Assert.Equal(144, atMinimum.Allocation.Groups.Single().BankSize);
        Assert.Equal(334, atMinimum.TrainableParameters);
    }
}
