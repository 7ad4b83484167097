using System;
using System.Linq;
using NpasDsl.Allocation;
using NpasDsl.GroupSearch;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using Xunit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.Runtime.Tests.GroupSearch;

/// <summary>The data-driven group searches, run in one process on a small seeded task.</summary>
public sealed class GroupSearchTests
{
    private static readonly GroupSearchOptions Options = new() { WarmupSteps = 8, LearningRate = 0.01, Seed = 3, Groups = 2 };

    private static Tensor Loss(NpasModule model)
    {
        var (images, labels) = TestData.Images();
        return cross_entropy(model.call(images), labels);
    }

    [Fact]
    public void Learned_grouping_clusters_every_layer_and_the_result_rebuilds_the_model()
    {
        var allocation = LearnedGrouping.Search(o => new TinyCnn(o), Loss, Options);

        Assert.InRange(allocation.Groups.Count, 1, 2);
        Assert.All(allocation.Groups, g => Assert.StartsWith("learned_", g.Name));
        // Every layer is clustered: into a banked group, or alone into one paid in full (an ordinary layer that keeps its group's name).
        var lone = allocation.Layers.Where(l => l.AssignedGroup is not null).ToList();
        Assert.All(lone, l => Assert.StartsWith("learned_", l.AssignedGroup));
        Assert.Equal(new[] { "Body.0", "Body.1", "Body.2", "Head", "Stem" }, allocation.Groups.SelectMany(g => g.Members).Concat(lone.Select(l => l.Path)).OrderBy(p => p));
        Assert.Contains("learned grouping", allocation.AssignmentSource);

        using var model = new TinyCnn(new NpasOptions { Allocation = allocation });
        Assert.Null(AllocationFile.From(model.Allocation).FirstDifference(allocation));
        Assert.True(model.TrainableParameters <= model.Allocation.Budget);
    }

    [Fact]
    public void Learned_grouping_of_a_model_whose_layers_are_all_pinned_keeps_the_declared_groups()
    {
        var inputs = randn(new long[] { 4, 8 }, generator: new Generator(5));
        var allocation = LearnedGrouping.Search(o => new SpinNet(o), m => m.call(inputs).pow(2).mean(), Options);
        using var declared = new SpinNet();
        Assert.Equal(new[] { "sequential", "strided" }, allocation.Groups.Select(g => g.Name).OrderBy(n => n));
        Assert.Null(AllocationFile.From(declared.Allocation).FirstDifference(allocation));
    }

    [Fact]
    public void Invalid_search_options_are_refused_with_the_reason()
    {
        var e = Assert.Throws<ArgumentException>(() => LearnedGrouping.Search(o => new TinyCnn(o), Loss, new GroupSearchOptions { Groups = 0 }));
        Assert.Contains("Groups is 0 but must be at least 1", e.Message);
        Assert.Contains("DepthBins is 0", Assert.Throws<ArgumentException>(() => GradientConflictGrouping.Search(o => new TinyCnn(o), Loss, new GroupSearchOptions { DepthBins = 0 })).Message);
        Assert.Contains("LearningRate is NaN", Assert.Throws<ArgumentException>(() => LearnedGrouping.Search(o => new TinyCnn(o), Loss, new GroupSearchOptions { LearningRate = double.NaN })).Message);
    }

    [Theory]
    [InlineData(0)]  // cancelled before the search starts
    [InlineData(3)]  // during the warm-up
    [InlineData(8)]  // during its last step: the search must not go on to return groups
    public void A_cancelled_search_stops_between_warm_up_steps_and_returns_nothing(int cancelAfter)
    {
        foreach (var method in new[] { GroupSearchMethod.Learned, GroupSearchMethod.GradientConflict })
        {
            using var interrupt = new System.Threading.CancellationTokenSource();
            if (cancelAfter == 0) interrupt.Cancel();
            int losses = 0;
            Tensor CountingLoss(NpasModule model)
            {
                if (++losses == cancelAfter) interrupt.Cancel();
                return Loss(model);
            }
            var e = Assert.Throws<GroupSearchInterruptedException>(() =>
                GroupSearches.Run(method, o => new TinyCnn(o), CountingLoss, new GroupSearchOptions { WarmupSteps = 8, LearningRate = 0.01, Seed = 3, Groups = 2, Cancellation = interrupt.Token }));
            Assert.Equal(cancelAfter, e.StepsDone);
            Assert.Equal(8, e.Steps);
            Assert.Equal(cancelAfter, losses); // no step after the one in which it was cancelled
            Assert.Equal(interrupt.Token, e.CancellationToken);
            Assert.StartsWith($"The group search was interrupted after {cancelAfter} of its 8 warm-up steps", e.Message);
        }
    }

    [Fact]
    public void Learned_grouping_is_deterministic()
    {
        var first = LearnedGrouping.Search(o => new TinyCnn(o), Loss, Options);
        var second = LearnedGrouping.Search(o => new TinyCnn(o), Loss, Options);
        Assert.Null(first.FirstDifference(second));
    }

    [Fact]
    public void The_warmup_model_reads_exactly_four_templates_mixed_by_a_softmax()
    {
        var sharing = new SharingSpec(GroupStrategy.Single, Combiner.WeightedAverage, Upsampler.Repeat, LearnedGrouping.WarmupTemplates, 0, exactTemplates: true);
        using var warmup = new TinyCnn(new NpasOptions { Sharing = sharing, SoftmaxCoefficients = true });
        Assert.All(warmup.SharedLayers(), l => Assert.Equal(4, l.Layer.Plan.Templates));
        using var _ = no_grad();
        Assert.All(warmup.SharedLayers(), l => Assert.Equal(1.0, l.Layer.Mixing!.sum().item<float>(), 5));
    }

    [Fact]
    public void Gradient_conflict_grouping_merges_only_within_bins_and_fits_the_budget()
    {
        var allocation = GradientConflictGrouping.Search(o => new TinyCnn(o), Loss, Options);
        Assert.All(allocation.Groups, g => Assert.StartsWith("conflict_", g.Name));
        Assert.Equal(5, allocation.Groups.Sum(g => g.Members.Count));
        // Bins (3 depth bins over Stem, Body.0, Body.1, Body.2, Head): {Stem, Body.0}, {Body.1, Body.2}, {Head}.
        var binOf = new System.Collections.Generic.Dictionary<string, int> { ["Stem"] = 0, ["Body.0"] = 0, ["Body.1"] = 1, ["Body.2"] = 1, ["Head"] = 2 };
        if (allocation.Groups.Count > 1)
            Assert.All(allocation.Groups, g => Assert.Single(g.Members.Select(m => binOf[m]).Distinct()));
        Assert.Contains("gradient-conflict grouping", allocation.AssignmentSource);

        using var model = new TinyCnn(new NpasOptions { Allocation = allocation });
        Assert.Null(AllocationFile.From(model.Allocation).FirstDifference(allocation));

        // At twice the unshared size every layer could have a bank of its own, so the search stops at its first
        // threshold: at least one group per bin, none spanning two (at 0.1 above it may fall back to one bank).
        var roomy = GradientConflictGrouping.Search(o => new TinyCnn(o), Loss, new GroupSearchOptions { WarmupSteps = 8, LearningRate = 0.01, Seed = 3, Budget = BudgetSpec.Fraction(2.0) });
        Assert.InRange(roomy.Groups.Count, 3, 5);
        Assert.All(roomy.Groups, g => Assert.Single(g.Members.Select(m => binOf[m]).Distinct()));
    }

    [Fact]
    public void A_threshold_fits_only_when_the_planned_banks_hold_each_searched_groups_layers()
    {
        // Found by a review: the sum of the groups' largest layers (20,000) fitting the bank budget let through a grouping
        // whose proportional split gives the small group {10,000, 100} about 1,800 entries, so its large layer was tiled.
        var layers = new[] { LayerSpec.Linear("Big", 100, 100, bias: false), LayerSpec.Linear("Small", 10, 10, bias: false), LayerSpec.Linear("Many", 100, 100, bias: false, repeat: 10) };
        long coefficients = 12;
        var spec = new NetworkSpec("Split", BudgetSpec.Parameters(20_000 + coefficients), layers);
        var many = Enumerable.Range(0, 10).Select(i => $"Many.{i}").ToArray();
        var searched = new System.Collections.Generic.HashSet<string>(many.Append("Big").Append("Small"));
        GroupAssignment Assign(string bigAndSmall) => new(new[] { ("Big", bigAndSmall), ("Small", bigAndSmall) }.Concat(many.Select(m => (m, "b")))
            .Select(p => new System.Collections.Generic.KeyValuePair<string, string>(p.Item1, p.Item2)), "test");
        var split = BudgetPlanner.Plan(spec.WithAssignment(Assign("a")));
        Assert.True(split.Group("a").BankSize < 10_000, $"the premise: the small group's bank is {split.Group("a").BankSize}");
        Assert.Null(GradientConflictGrouping.PlanIfEveryGroupHoldsItsLayers(spec, Assign("a"), searched));
        // One bank for all holds each layer at this budget.
        Assert.NotNull(GradientConflictGrouping.PlanIfEveryGroupHoldsItsLayers(spec, Assign("b"), searched));
    }

    [Fact]
    public void Cropped_cosine_of_tiny_or_huge_gradients_is_still_their_cosine()
    {
        // Found by a review: the product of two float norms underflowed to 0 (cosine reported 0) or overflowed.
        var a = tensor(new float[] { 3e-23f, 4e-23f }).view(1, 2);
        var b = tensor(new float[] { 4e-23f, 3e-23f }).view(1, 2);
        Assert.Equal(0.96, GradientConflictGrouping.CroppedCosine(a, b), 5);
        Assert.Equal(0.96, GradientConflictGrouping.CroppedCosine(tensor(new float[] { 3e20f, 4e20f }).view(1, 2), tensor(new float[] { 4e20f, 3e20f }).view(1, 2)), 5);
    }

    [Fact]
    public void Cropped_cosine_compares_the_common_top_left_block()
    {
        var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }).view(2, 3);
        var b = tensor(new float[] { 1, 2, 9, 9 }).view(2, 2).mul(-1);
        // Common block [[1, 2], [4, 5]] against -[[1, 2], [9, 9]].
        double expected = -(1 + 4 + 36 + 45) / (System.Math.Sqrt(1 + 4 + 16 + 25) * System.Math.Sqrt(1 + 4 + 81 + 81));
        Assert.Equal(expected, GradientConflictGrouping.CroppedCosine(a, b), 5);
    }

    [Fact]
    public void Merging_never_joins_two_layers_whose_gradients_disagree_through_a_third()
    {
        // A~B 0.71 and B~C 0.63 pass τ = 0.1, but A~C (−0.10) does not: B joins A, and C stays alone.
        var pairs = new[] { (0.71, 0, 1), (0.63, 1, 2) };
        Assert.Equal(new[] { 0, 0, 2 }, GradientConflictGrouping.Merge(3, pairs));
        // When every pair agrees, all three share one group.
        Assert.Equal(new[] { 0, 0, 0 }, GradientConflictGrouping.Merge(3, new[] { (0.71, 0, 1), (0.63, 1, 2), (0.2, 0, 2) }));
    }

    [Fact]
    public void Groups_pinned_with_ShareGroup_count_toward_what_the_banks_must_hold()
    {
        // MixedNet: Tokens (800), Mixers.0 and Mixers.1 (768 each) are free, one per depth bin, so no threshold merges them;
        // the pinned "mlp" group needs 1,024 more. A bank budget that holds the free layers' 2,336 but not 3,360 must
        // fall back to one bank for the free layers instead of keeping three banks the planner can only tile.
        var declared = MixedNet.Declaration;
        long coefficients = declared.Layers.Where(l => l.IsShareable).Sum(l => (long)l.WeightSets);
        long budget = BudgetCheck.NeverShared(declared) + coefficients + 2336 + 500;
        var allocation = GradientConflictGrouping.Search(o => new MixedNet(o), m => m.call(TestData.Tokens()).pow(2).mean(),
            new GroupSearchOptions { WarmupSteps = 2, Seed = 1, Budget = BudgetSpec.Parameters(budget) });
        Assert.Contains("no τ down to -1 fits the budget, so every bin shares one bank", allocation.AssignmentSource);
        Assert.Equal(new[] { "Mixers.0", "Mixers.1", "Tokens" }, allocation.Groups.Single(g => g.Name.StartsWith("conflict_")).Members.OrderBy(m => m));
        Assert.Contains(allocation.Groups, g => g.Name == "mlp");
    }

    [Fact]
    public void A_non_finite_loss_on_the_compared_batch_stops_the_search_with_the_fix()
    {
        int calls = 0;
        var e = Assert.Throws<GroupSearchDivergedException>(() => GradientConflictGrouping.Search(o => new TinyCnn(o),
            m => ++calls > 2 ? Loss(m) * float.NaN : Loss(m), new GroupSearchOptions { WarmupSteps = 2, Seed = 1 }));
        Assert.Contains("on the batch whose gradients are compared", e.Message);
        Assert.Contains("lower GroupSearchOptions.LearningRate", e.Message);
    }

    [Fact]
    public void Non_finite_gradients_with_a_finite_loss_stop_the_search_too()
    {
        // Found by a review: only the loss was checked, and NaN cosines merged nothing without a word.
        int calls = 0;
        var e = Assert.Throws<GroupSearchDivergedException>(() => GradientConflictGrouping.Search(o => new TinyCnn(o),
            m => ++calls > 2 && Loss(m) is var l ? l + 0 * (0 * l).sqrt() : Loss(m), new GroupSearchOptions { WarmupSteps = 2, Seed = 1 })); // a finite value, NaN gradients
        Assert.Contains("became NaN or infinite on the batch whose gradients are compared", e.Message);
    }

    [Fact]
    public void KMeans_finds_every_distinct_location_and_never_splits_coinciding_points()
    {
        // Three distinct locations give three clusters whatever the seed: k-means++ never seeds a centre on a point that
        // already has one, so the repeated zeros cannot take two.
        var points = new[] { new[] { 0.0 }, new[] { 0.0 }, new[] { 0.0 }, new[] { 10.0 }, new[] { 20.0 } };
        for (long seed = 0; seed < 20; seed++)
            Assert.Equal(3, KMeans.Cluster(points, 3, seed).Distinct().Count());
        // Identical points stay in one cluster whatever is asked.
        var same = new[] { new[] { 1.0, 1.0 }, new[] { 1.0, 1.0 }, new[] { 1.0, 1.0 } };
        Assert.Single(KMeans.Cluster(same, 3, seed: 2).Distinct());
    }

    [Fact]
    public void KMeans_refills_a_cluster_that_the_first_assignment_leaves_empty()
    {
        // No point is nearest the third centre, so Lloyd's first step empties it: the refill moves the farthest point of
        // a shared cluster (0, the first of four ties) there, and the next steps settle into three clusters.
        var points = new[] { new[] { 0.0 }, new[] { 1.0 }, new[] { 10.0 }, new[] { 11.0 } };
        var clusters = KMeans.Refine(points, new[] { new[] { 0.5 }, new[] { 10.5 }, new[] { 100.0 } });
        Assert.Equal(new[] { 2, 0, 1, 1 }, clusters);

        // Coinciding points are not split to fill it: the third cluster stays empty and two come back.
        var coinciding = new[] { new[] { 0.0 }, new[] { 0.0 }, new[] { 5.0 } };
        Assert.Equal(new[] { 0, 0, 1 }, KMeans.Refine(coinciding, new[] { new[] { 0.0 }, new[] { 5.0 }, new[] { 100.0 } }));
    }

    [Fact]
    public void Learned_grouping_reports_the_groups_it_found_when_fewer_than_asked()
    {
        // TinyCnn has five shareable layers: ten groups cannot be made.
        var allocation = LearnedGrouping.Search(o => new TinyCnn(o), Loss, new GroupSearchOptions { WarmupSteps = 2, LearningRate = 0.01, Seed = 3, Groups = 10 });
        // Found by a review: the reason given was that the coefficients had no more distinct values.
        Assert.Matches(@"k-means into [1-5] groups? \(10 asked, but there are 5 layers to group\)", allocation.AssignmentSource);
    }

    [Fact]
    public void Learned_grouping_clusters_what_the_warm_up_learned_not_the_random_start()
    {
        // Found by a review: the warm-up coefficients start as random orthogonal rows (about ±0.5) and move by about a
        // tenth of that, so k-means on them found the start. With no warm-up at all nothing is learned: every layer
        // moved the same (not at all), and one group comes back whatever the random start was.
        var unlearned = LearnedGrouping.Search(o => new TinyCnn(o), Loss, new GroupSearchOptions { WarmupSteps = 0, Seed = 3, Groups = 3 });
        Assert.Single(unlearned.Groups);
        Assert.Contains("k-means into 1 group (3 asked, but the warm-up moved the coefficients of the 5 layers in no more distinct ways)", unlearned.AssignmentSource);
    }

    [Fact]
    public void KMeans_separates_clear_clusters_deterministically()
    {
        var points = new[] { new[] { 0.0, 0.0 }, new[] { 0.1, 0.0 }, new[] { 5.0, 5.0 }, new[] { 5.1, 5.0 }, new[] { 0.0, 0.1 } };
        var clusters = KMeans.Cluster(points, 2, seed: 1);
        Assert.Equal(clusters[0], clusters[1]);
        Assert.Equal(clusters[0], clusters[4]);
        Assert.Equal(clusters[2], clusters[3]);
        Assert.NotEqual(clusters[0], clusters[2]);
        Assert.Equal(clusters, KMeans.Cluster(points, 2, seed: 1));
    }
}
