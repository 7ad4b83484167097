using System;
using System.IO;
using System.Linq;
using NpasDsl.Allocation;
using NpasDsl.Families;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using NpasDsl.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Families;

/// <summary>Families of networks from one set of weights (SuperWeights): nesting, accounting, training, ensembles, anytime order, checkpoints.</summary>
public sealed class FamilyTests
{
    private static ModelFamily Family(long seed = 3, BudgetSpec? wideBudget = null) => new(new[]
    {
        FamilyMember.Of(FamilyNarrow.Declaration, o => new FamilyNarrow(o)),
        FamilyMember.Of(FamilyWide.Declaration, o => new FamilyWide(o), wideBudget),
        FamilyMember.Of(FamilyDeep.Declaration, o => new FamilyDeep(o)),
    }, new NpasOptions { Seed = seed });

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static Tensor Block(Tensor weight, Tensor narrower) => weight.narrow(0, 0, narrower.shape[0]).narrow(1, 0, narrower.shape[1]);

    [Fact]
    public void A_narrower_members_weights_are_the_top_left_blocks_of_the_wider_members()
    {
        using var family = Family();
        var narrow = (FamilyNarrow)family.Members[0];
        var wide = (FamilyWide)family.Members[1];
        Assert.Equal("FamilyNarrow", family.NarrowerOf(1));
        Assert.Equal(new long[] { 8, 1, 3, 3 }, wide.Stem.Weight().shape);
        Assert.True(Same(narrow.Stem.Weight(), Block(wide.Stem.Weight(), narrow.Stem.Weight())));
        Assert.True(Same(narrow.Body[0].Weight(), Block(wide.Body[0].Weight(), narrow.Body[0].Weight())));
        Assert.True(Same(narrow.Head.Weight(), Block(wide.Head.Weight(), narrow.Head.Weight())));
        // The extra rows and columns are the wide member's own: not a copy of the narrow block.
        Assert.False(Same(wide.Body[0].Weight().narrow(0, 4, 4).narrow(1, 4, 4), narrow.Body[0].Weight()));
    }

    [Fact]
    public void A_deeper_member_of_the_same_width_uses_the_narrower_weights_and_owns_only_its_extra_layers()
    {
        using var family = Family();
        var narrow = (FamilyNarrow)family.Members[0];
        var deep = (FamilyDeep)family.Members[2];
        Assert.Equal("FamilyNarrow", family.NarrowerOf(2));
        Assert.Equal(WeightSource.Inherited, deep.Allocation.Layer("Body.0").Source);
        Assert.Equal(WeightSource.Inherited, deep.Allocation.Layer("Stem").Source);
        Assert.Equal(WeightSource.Bank, deep.Allocation.Layer("Body.1").Source);
        Assert.True(Same(narrow.Body[0].Weight(), deep.Body[0].Weight()));
        Assert.Contains("narrower member", deep.Allocation.ToString());
    }

    [Fact]
    public void Accounting_is_exact_per_member_and_the_family_holds_each_entry_once()
    {
        using var family = Family();
        foreach (var member in family.Members)
        {
            Assert.Equal(member.Allocation.Breakdown.Total, member.TrainableParameters);
            Assert.True(member.TrainableParameters <= member.Allocation.Budget, member.Network.ModelName);
        }
        Assert.Equal(family.Members.Sum(m => m.TrainableParameters), family.TrainableParameters);
        // A wide member's fraction is of what it adds: the stem's extra 4 rows, the body's extra rows and columns,
        // the head's extra columns, plus its own biases (8 + 8 + 4) and norm affine (16).
        var wide = family.Members[1];
        long added = (8 * 9 - 4 * 9) + (8 * 8 * 9 - 4 * 4 * 9) + (4 * 8 - 4 * 4);
        Assert.Equal(added + 8 + 8 + 4 + 16, wide.Allocation.Unshared);
        Assert.True(family.TrainableParameters < family.FullyParameterized);
        Assert.Equal(FamilyNarrow.Declaration.UnsharedParameters + FamilyWide.Declaration.UnsharedParameters + FamilyDeep.Declaration.UnsharedParameters,
            family.FullyParameterized);
        Assert.Contains("extends FamilyNarrow", family.ToString());
    }

    [Fact]
    public void A_wider_members_loss_trains_the_narrower_members_banks()
    {
        using var family = Family();
        var (images, labels) = TestData.Images();
        nn.functional.cross_entropy(family.Members[1].call(images), labels).backward();
        Assert.True(family.Members[0].Banks["shared"].grad!.abs().sum().item<float>() > 0);
        Assert.True(family.Members[1].Banks["shared"].grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Generating_each_weight_once_per_family_pass_gives_the_gradients_of_separate_passes()
    {
        using var family = Family();
        var (images, labels) = TestData.Images();
        family.SumOfLosses(images, labels).Loss.backward();
        var once = family.parameters().Select(p => p.grad!.clone()).ToList();
        family.zero_grad();
        foreach (var member in family.Members) nn.functional.cross_entropy(member.call(images), labels).backward();
        var separate = family.parameters().Select(p => p.grad!).ToList();
        Assert.Equal(separate.Count, once.Count);
        for (int i = 0; i < once.Count; i++) Assert.True(once[i].allclose(separate[i], rtol: 1e-4, atol: 1e-6), $"parameter {i}");
    }

    [Fact]
    public void The_ensemble_averages_the_members_softmax_outputs()
    {
        using var family = Family();
        family.eval();
        var (images, labels) = TestData.Images();
        var expected = stack(family.Members.Select(m => m.call(images).softmax(1)).ToArray(), 0).mean(new long[] { 0 }).log();
        Assert.True(family.call(images).allclose(expected, rtol: 1e-5, atol: 1e-6));
        var (loss, logits) = family.SumOfLosses(images, labels);
        float sum = family.Members.Sum(m => nn.functional.cross_entropy(m.call(images), labels).item<float>());
        Assert.Equal(sum, loss.item<float>(), 4);
        Assert.True(logits.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Evaluation_orders_members_by_measured_multiply_accumulates_for_the_anytime_curve()
    {
        using var family = Family();
        var (images, labels) = TestData.Images(count: 12);
        family.train();
        var result = family.Evaluate(images, labels, batchSize: 5);
        // Found by a review: the family was left in eval mode, so a caller's own training loop trained BatchNorm frozen.
        Assert.True(family.training && family.Members.All(m => m.training));
        // On 8x8 inputs with padding 1: the stem costs out·9 per pixel, a body convolution out·in·9 per pixel, the head out·in.
        long Macs(int width, int body) => 64L * width * 9 + body * 64L * width * width * 9 + 4L * width;
        Assert.Equal(new[] { Macs(4, 1), Macs(8, 1), Macs(4, 2) }, result.Members.Select(m => m.MacsPerExample));
        Assert.Equal(new[] { "FamilyNarrow", "FamilyDeep", "FamilyWide" }, result.Anytime.Select(p => p.Added));
        Assert.Equal(new[] { Macs(4, 1), Macs(4, 1) + Macs(4, 2), Macs(4, 1) + Macs(4, 2) + Macs(8, 1) }, result.Anytime.Select(p => p.CumulativeMacs));
        Assert.Equal(result.Members[0].Accuracy, result.Anytime[0].Accuracy);
        family.eval();
        using (no_grad())
        {
            double ensemble = family.call(images).argmax(1).eq(labels).sum().item<long>() / 12.0;
            Assert.Equal(ensemble, result.EnsembleAccuracy, 10);
        }
        var text = result.ToString();
        foreach (var point in result.Anytime) // one row per prefix of the cheapest-first order, with its figures
            Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"+ {point.Added,-24} {point.Members,7} {point.CumulativeMacs,16:N0}  {point.Accuracy:0.0000}\n"), text);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ensemble of 3: accuracy={result.EnsembleAccuracy:0.0000}"), text);
        Assert.StartsWith("member                 own parameters   MACs/example  accuracy\n", text); // a wider member reads more than its own
        Assert.Throws<ArgumentOutOfRangeException>(() => family.Evaluate(images, labels, batchSize: 0));
    }

    [Fact]
    public void Materialized_family_outputs_are_bit_identical()
    {
        using var family = Family();
        family.eval();
        var (images, _) = TestData.Images();
        var members = family.Members.Select(m => m.call(images)).ToArray();
        family.Materialize();
        Assert.All(family.Members.SelectMany(m => m.SharedLayers()), l => Assert.True(l.Layer.IsMaterialized, l.Path));
        using (no_grad()) // the cached weights are read without autograd
            for (int i = 0; i < members.Length; i++) Assert.True(Same(members[i], family.Members[i].call(images)));
        family.train();
        Assert.All(family.Members.SelectMany(m => m.SharedLayers()), l => Assert.False(l.Layer.IsMaterialized, l.Path));
    }

    [Fact]
    public void The_unshared_export_of_a_wide_member_has_full_weights()
    {
        using var family = Family();
        var export = family.Members[1].ExportUnsharedStateDict();
        Assert.Equal(new long[] { 8, 8, 3, 3 }, export["Body.0.weight"].shape);
        Assert.Equal(new long[] { 4, 8 }, export["Head.weight"].shape);
    }

    [Fact]
    public void The_trainer_trains_a_family_on_the_sum_of_losses_deterministically()
    {
        var g = new Generator(4);
        var images = randn(new long[] { 64, 1, 8, 8 }, generator: g);
        var labels = (images.mean(new long[] { 1, 2, 3 }) > 0).to(ScalarType.Int64) + 2 * (images[.., 0, 0, 0] > 0).to(ScalarType.Int64);
        var data = new TrainingData(images, labels, images, labels);
        var options = new TrainerOptions { Epochs = 3, BatchSize = 16, LearningRate = 0.01, Seed = 2 };
        double Run()
        {
            using var family = Family();
            var history = new Trainer(family, data, options, log: _ => { }).Run();
            Assert.True(history[^1].TrainLoss < history[0].TrainLoss, $"{history[0].TrainLoss} -> {history[^1].TrainLoss}");
            return history[^1].TestAccuracy + history[^1].TrainLoss;
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void A_checkpoint_round_trips_and_a_family_with_another_allocation_refuses_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"npas-family-{Guid.NewGuid():N}.bin");
        try
        {
            var (images, _) = TestData.Images();
            using var saved = Family(seed: 1);
            saved.eval();
            var expected = saved.call(images);
            saved.SaveCheckpoint(path);
            Assert.Contains("npasdsl-family/1", File.ReadAllText(NpasModule.AllocationPathFor(path)));

            using var restored = Family(seed: 2);
            restored.LoadCheckpoint(path);
            restored.eval();
            Assert.True(Same(expected, restored.call(images)));

            // Loaded into a materialized family, the cached weights are computed again from the loaded banks.
            using var materialized = Family(seed: 2);
            materialized.Materialize();
            materialized.LoadCheckpoint(path);
            using (no_grad()) Assert.True(Same(expected, materialized.call(images)), "the materialized weights are still those before the load");

            using var other = Family(wideBudget: BudgetSpec.Fraction(0.9));
            var e = Assert.Throws<AllocationMismatchException>(() => other.LoadCheckpoint(path));
            Assert.Contains("FamilyWide", e.Message);
        }
        finally
        {
            foreach (var file in new[] { path, NpasModule.AllocationPathFor(path) }) File.Delete(file);
        }
    }

    [Fact]
    public void A_member_that_cannot_contain_the_narrower_layers_extends_no_member_and_the_layout_says_why()
    {
        Assert.Null(FamilyLayout.Covered(FamilyOtherKernel.Declaration, FamilyNarrow.Declaration, out var why));
        Assert.Contains("kernels differ", why);
        Assert.Null(FamilyLayout.Covered(FamilyNarrow.Declaration, FamilyWide.Declaration, out why));
        Assert.Contains("larger", why);
        var e = Assert.Throws<ArgumentException>(() => FamilyLayout.Extend(FamilyNarrow.Declaration, FamilyWide.Declaration));
        Assert.Contains("FamilyNarrow cannot extend FamilyWide", e.Message);

        using var family = new ModelFamily(new[]
        {
            FamilyMember.Of(FamilyNarrow.Declaration, o => new FamilyNarrow(o)),
            FamilyMember.Of(FamilyOtherKernel.Declaration, o => new FamilyOtherKernel(o)),
        });
        Assert.Null(family.NarrowerOf(1));
        Assert.Equal(FamilyOtherKernel.Declaration.UnsharedParameters, family.Members[1].Allocation.Unshared);
    }

    [Fact]
    public void A_spin_layer_a_wider_member_inherits_whole_still_shares_its_bias_within_each_set()
    {
        // The wide member's mixers generate nothing (they are the narrow member's weights), yet its repeats are still
        // SPIN repeats: one bias per weight set, its own, as the budget counts it.
        using var family = new ModelFamily(new[]
        {
            FamilyMember.Of(FamilySpinNarrow.Declaration, o => new FamilySpinNarrow(o)),
            FamilyMember.Of(FamilySpinWideHead.Declaration, o => new FamilySpinWideHead(o)),
        }, new NpasOptions { Seed = 2 });
        var wide = family.Members[1];
        Assert.Equal(wide.Allocation.Breakdown.Total, wide.TrainableParameters);
        Assert.Equal(WeightSource.Inherited, wide.Allocation.Layer("Mixers.1").Source);
        var layers = wide.SharedLayers().ToDictionary(l => l.Path, l => l.Layer);
        var narrow = family.Members[0].SharedLayers().ToDictionary(l => l.Path, l => l.Layer);
        Assert.Same(layers["Mixers.0"].Bias, layers["Mixers.1"].Bias);
        Assert.Same(layers["Mixers.2"].Bias, layers["Mixers.3"].Bias);
        Assert.NotSame(narrow["Mixers.0"].Bias, layers["Mixers.0"].Bias); // a member's biases are its own
        Assert.DoesNotContain("Mixers.1.bias", wide.state_dict().Keys);
        Assert.Contains("Mixers.1.bias", wide.ExportUnsharedStateDict().Keys);
    }

    [Fact]
    public void Bad_families_are_refused_with_the_reason()
    {
        Assert.Contains("at least two", Assert.Throws<ArgumentException>(() => new ModelFamily(new[] { FamilyMember.Of(FamilyNarrow.Declaration, o => new FamilyNarrow(o)) })).Message);
        Assert.Contains("different model class", Assert.Throws<ArgumentException>(() => new ModelFamily(new[]
        {
            FamilyMember.Of(FamilyNarrow.Declaration, o => new FamilyNarrow(o)),
            FamilyMember.Of(FamilyNarrow.Declaration, o => new FamilyNarrow(o)),
        })).Message);
        Assert.Contains("built a FamilyWide", Assert.Throws<ArgumentException>(() => new ModelFamily(new[]
        {
            FamilyMember.Of(FamilyNarrow.Declaration, o => new FamilyNarrow(o)),
            FamilyMember.Of(FamilyDeep.Declaration, o => new FamilyWide(o)),
        })).Message);
    }

    [Fact]
    public void Extensions_work_with_masked_copies_and_shared_coefficient_vectors()
    {
        using var family = new ModelFamily(new[]
        {
            FamilyMember.Of(MaskedNarrow.Declaration, o => new MaskedNarrow(o)),
            FamilyMember.Of(MaskedWide.Declaration, o => new MaskedWide(o)),
        }, new NpasOptions { Seed = 6 });
        var narrow = (MaskedNarrow)family.Members[0];
        var wide = (MaskedWide)family.Members[1];
        Assert.Equal("MaskedNarrow", family.NarrowerOf(1));
        foreach (var member in family.Members) Assert.Equal(member.Allocation.Breakdown.Total, member.TrainableParameters);
        Assert.True(wide.Allocation.Breakdown.Masks > 0, wide.Allocation.ToString());
        Assert.Equal("Body.0", wide.Allocation.Layer("Body.1").CoefficientsFrom);
        Assert.True(Same(narrow.Body[1].Weight(), Block(wide.Body[1].Weight(), narrow.Body[1].Weight())));
        var (images, labels) = TestData.Images();
        family.SumOfLosses(images, labels).Loss.backward();
        Assert.True(narrow.Banks["shared"].grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Materializing_and_training_again_never_frees_a_weight_another_member_still_reads()
    {
        using var family = Family();
        var (images, labels) = TestData.Images();
        family.Materialize();
        Assert.True(family.Members[2].SharedLayers().First(l => l.Path == "Stem").Layer.IsMaterialized); // inherited: the narrow member's
        family.Members[2].train();
        family.Members[2].call(images);
        family.Members[0].Materialize();
        family.Members[0].call(images);
        family.Members[1].call(images);
        // The wide member trains alone while the narrow member is materialized: its gradient still reaches the narrow banks.
        family.Members[1].train();
        nn.functional.cross_entropy(family.Members[1].call(images), labels).backward();
        Assert.True(family.Members[0].Banks["shared"].grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Exact_sharing_must_match_for_members_to_nest()
    {
        NetworkSpec Spin(string name, int rate) => new(name, BudgetSpec.Fraction(0.5), new[]
        {
            LayerSpec.Conv2d("Body", 4, 4, 3, 3, padding: 1, repeat: 2, shareRate: rate),
        });
        Assert.Null(FamilyLayout.Covered(Spin("Wide", 2), Spin("Narrow", 0), out var why));
        Assert.Contains("same rate", why);
        Assert.NotNull(FamilyLayout.Covered(Spin("Wide", 2), Spin("Narrow", 2), out _));
    }

    [Fact]
    public void A_family_members_allocation_cannot_rebuild_it_outside_its_family()
    {
        using var family = Family();
        var saved = AllocationFile.From(family.Members[1].Allocation);
        Assert.Equal("FamilyNarrow", saved.Extends);
        Assert.Contains("\"extends\": \"FamilyNarrow\"", saved.ToJson());
        var e = Assert.Throws<AllocationMismatchException>(() => new FamilyWide(new NpasOptions { Allocation = saved }));
        Assert.Contains("ModelFamily", e.Message);
        Assert.DoesNotContain("extends", AllocationFile.From(family.Members[0].Allocation).ToJson());
    }

    [Fact]
    public void A_family_takes_only_a_seed_and_a_device_and_says_why_a_member_stands_alone()
    {
        var members = new[]
        {
            FamilyMember.Of(FamilyNarrow.Declaration, o => new FamilyNarrow(o)),
            FamilyMember.Of(FamilyOtherKernel.Declaration, o => new FamilyOtherKernel(o)),
        };
        Assert.Contains("FamilyMember.Of", Assert.Throws<ArgumentException>(() => new ModelFamily(members, new NpasOptions { Budget = BudgetSpec.Fraction(0.3) })).Message);
        using var family = new ModelFamily(members);
        Assert.Contains("kernels differ", family.WhyStandalone(1));
        Assert.Contains("extends no member: layer 'Stem'", family.ToString());
    }

    [Fact]
    public void Coefficient_unsharing_refuses_a_family_member()
    {
        using var family = new ModelFamily(new[]
        {
            FamilyMember.Of(MaskedNarrow.Declaration, o => new MaskedNarrow(o)),
            FamilyMember.Of(MaskedWide.Declaration, o => new MaskedWide(o)),
        });
        var e = Assert.Throws<InvalidOperationException>(() => NpasDsl.Unsharing.CoefficientUnsharing.Track(family.Members[1]));
        Assert.Contains("family member", e.Message);
    }

    [Fact]
    public void Compose_and_extra_are_inverse()
    {
        var g = new Generator(9);
        var weight = randn(new long[] { 6, 5, 3 }, generator: g);
        var narrower = weight.narrow(0, 0, 2).narrow(1, 0, 4).contiguous();
        var extra = FamilyWeight.Extra(weight, 2, 4);
        Assert.Equal(6 * 5 * 3 - 2 * 4 * 3, extra.shape[0]);
        Assert.True(Same(weight, FamilyWeight.Compose(narrower, extra, new long[] { 6, 5, 3 })));
        Assert.Throws<ArgumentException>(() => FamilyWeight.Compose(narrower, extra.narrow(0, 1, extra.shape[0] - 1), new long[] { 6, 5, 3 }));
    }
}
