using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NpasDsl.Allocation;
using NpasDsl.Planning;
using TorchSharp;
using static TorchSharp.torch;

namespace NpasDsl.GroupSearch;

/// <summary>
/// SuperWeights' gradient-conflict grouping: warm up with layers binned by depth and kernel size, take on one
/// batch the gradient of every layer's generated (composed) weight, and within each bin compare layers by the
/// cosine of their gradients cropped to the common top-left block. Pairs are merged greedily in descending
/// similarity while it exceeds τ; τ starts at 0.1 and falls by 0.05 until every group can hold one template of
/// its largest layer within the bank budget. Layers whose gradients disagree (cosine at or below τ) never share a
/// group: two groups merge only when every pair across them agrees (complete linkage).
/// </summary>
public static class GradientConflictGrouping
{
    /// <summary>The first threshold τ.</summary>
    public const double InitialThreshold = 0.1;

    /// <summary>How much τ falls each round.</summary>
    public const double ThresholdStep = 0.05;

    /// <summary>How the allocations this search returns begin their <see cref="AllocationFile.AssignmentSource"/>.</summary>
    public const string Source = "gradient-conflict grouping";

    /// <summary>
    /// Runs the search. <paramref name="create"/> builds your model from options (<c>o => new MyNet(o)</c>);
    /// <paramref name="batchLoss"/> returns the training loss of the model on your next batch.
    /// </summary>
    public static AllocationFile Search<TModel>(Func<NpasOptions, TModel> create, Func<TModel, Tensor> batchLoss, GroupSearchOptions? options = null)
        where TModel : NpasModule
    {
        // Before the warm-up model is built: a null batchLoss threw a NullReferenceException only at the first warm-up step.
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(batchLoss);
        options = GroupSearchOptions.Checked(options);
        GroupAssignment Assignment(IEnumerable<(string Path, int Group)> groups, string how)
            => Naming.Number("conflict", groups, string.Format(CultureInfo.InvariantCulture, "{0} (SuperWeights, {1}, {2} warm-up steps)", Source, how, options.WarmupSteps));

        // Bins by depth and kernel size, from the declaration alone.
        NetworkSpec declared;
        using (var probe = create(new NpasOptions { Seed = options.Seed, Budget = options.Budget, Sharing = options.Sharing }))
            declared = probe.Network;
        var owners = Owners(declared);
        var bins = Bins(owners, options);
        using var warmup = create(WarmupOptions(declared, options, options.Device));
        Warmup.Train(warmup, batchLoss, options);

        // One more batch: the gradients of the generated weights. Each weight is generated once in it, so a layer used
        // twice reports the sum of both uses, and one the batch never uses reports none (not the warm-up's last).
        var layers = warmup.SharedLayers().ToDictionary(l => l.Path, l => l.Layer);
        warmup.zero_grad();
        foreach (var layer in layers.Values)
        {
            layer.ForgetLastWeight();
            layer.BeginSharedPass();
        }
        Tensor loss;
        try
        {
            loss = batchLoss(warmup);
        }
        finally
        {
            foreach (var layer in layers.Values) layer.EndSharedPass();
        }
        // Non-finite gradients would give every pair a cosine of 0 and merge nothing, silently.
        if (loss.item<float>() is var value && !float.IsFinite(value))
            throw new GroupSearchDivergedException(string.Create(CultureInfo.InvariantCulture, $"The group-search loss became {value} on the batch whose gradients are compared"), "lower GroupSearchOptions.LearningRate or WarmupSteps.");
        loss.backward();
        var gradients = owners.Select(o => layers[o.Path].WeightGradient?.detach().clone()
            ?? throw new InvalidOperationException($"Layer '{o.Path}' produced no weight gradient; does the loss use it?")).ToList();
        // A finite loss can still have NaN or infinite gradients; their cosines would be NaN, and NaN > τ merges nothing.
        if (owners.Zip(gradients).FirstOrDefault(p => !p.Second.isfinite().all().item<bool>()) is { First.Path: { } diverged })
            throw new GroupSearchDivergedException($"The gradient of layer '{diverged}' became NaN or infinite on the batch whose gradients are compared", "lower GroupSearchOptions.LearningRate or WarmupSteps.");

        var pairs = new List<(double Similarity, int A, int B)>();
        for (int a = 0; a < owners.Count; a++)
            for (int b = a + 1; b < owners.Count; b++)
                if (bins[a] == bins[b]) pairs.Add((CroppedCosine(gradients[a], gradients[b]), a, b));
        pairs.Sort((x, y) => y.Similarity != x.Similarity ? y.Similarity.CompareTo(x.Similarity) : x.A != y.A ? x.A.CompareTo(y.A) : x.B.CompareTo(y.B));

        // A threshold fits when the grouping, planned as the searched model will be (its bank split, coefficients and
        // lone layers paid in full), gives every searched group a bank that holds one template of its largest layer.
        // (Adding the largest layers up against the bank budget let a proportional split give a small group less.)
        var planned = Warmup.Planned(declared, options);
        var searched = owners.Select(o => o.Path).ToHashSet(StringComparer.Ordinal);
        for (double threshold = InitialThreshold; threshold >= -1 - 1e-9; threshold -= ThresholdStep)
        {
            var groups = Merge(owners.Count, pairs.Where(p => p.Similarity > threshold).ToList());
            var assignment = Assignment(owners.Select((o, i) => (o.Path, groups[i])), string.Format(CultureInfo.InvariantCulture, "τ = {0:0.00}", threshold));
            if (PlanIfEveryGroupHoldsItsLayers(planned, assignment, searched) is { } plan) return AllocationFile.From(plan);
        }
        // No threshold fits, not even one group per bin: the bins are merged into one bank, and the source says so.
        return Warmup.AllocationFor(declared, options, Assignment(owners.Select(o => (o.Path, 0)), "no τ down to -1 fits the budget, so every bin shares one bank"));
    }

    private static List<string> Bins(List<(string Path, LayerSpec Spec)> owners, GroupSearchOptions options)
        => owners.Select((o, position) => $"bin{position * options.DepthBins / Math.Max(1, owners.Count)}_{KernelKey(o.Spec)}").ToList();

    /// <summary>The warm-up model's options: a group per depth and kernel bin of <paramref name="declared"/>, the search's budget and sharing, weight gradients kept.</summary>
    internal static NpasOptions WarmupOptions(NetworkSpec declared, GroupSearchOptions options, Device? device)
    {
        var owners = Owners(declared);
        var bins = Bins(owners, options);
        return new NpasOptions
        {
            Seed = options.Seed, Budget = options.Budget, Sharing = options.Sharing, KeepWeightGradients = true, Device = device,
            AssignmentOverride = new GroupAssignment(owners.Select((o, i) => new KeyValuePair<string, string>(o.Path, bins[i])), "depth and kernel bins"),
        };
    }

    /// <summary>The layers that own a shareable weight and are not pinned with [ShareGroup], in declaration order.</summary>
    private static List<(string Path, LayerSpec Spec)> Owners(NetworkSpec network)
        => network.Layers.Where(l => l.IsShareable && l.Group is null)
            .SelectMany(l => Enumerable.Range(0, l.WeightSets).Select(set => (l.InstanceName(l.OwnerOf(set)), l)))
            .ToList();

    private static string KernelKey(LayerSpec spec) => spec.Kind switch
    {
        LayerKind.Conv2d => $"k{spec.KernelHeight}x{spec.KernelWidth}",
        LayerKind.Conv1d => $"k{spec.KernelHeight}",
        _ => spec.Kind.DisplayName(),
    };

    /// <summary>
    /// The plan of <paramref name="assignment"/> when every group holding a <paramref name="searched"/> layer gets a bank
    /// that holds one template of each of its layers; null when one would be tiled or the budget cannot be met.
    /// </summary>
    internal static AllocationPlan? PlanIfEveryGroupHoldsItsLayers(NetworkSpec planned, GroupAssignment assignment, IReadOnlySet<string> searched)
    {
        AllocationPlan plan;
        try
        {
            plan = BudgetPlanner.Plan(planned.WithAssignment(assignment));
        }
        catch (BudgetInfeasibleException)
        {
            return null;
        }
        return plan.Groups.Where(g => g.Members.Any(searched.Contains)).All(g => g.Members.All(m => plan.Layer(m).GeneratedSize <= g.BankSize)) ? plan : null;
    }

    /// <summary>Cosine similarity of two gradients cropped to their common top-left block (min out, min in).</summary>
    internal static double CroppedCosine(Tensor a, Tensor b)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        long rows = Math.Min(a.shape[0], b.shape[0]), columns = Math.Min(a.shape[1], b.shape[1]);
        // In double: the product of two small float norms underflows to 0 (and two large ones overflow) in float.
        var x = a.narrow(0, 0, rows).narrow(1, 0, columns).flatten().to_type(ScalarType.Float64);
        var y = b.narrow(0, 0, rows).narrow(1, 0, columns).flatten().to_type(ScalarType.Float64);
        if (x.shape[0] != y.shape[0]) return -1; // different kernels: never merged
        double norms = x.norm().item<double>() * y.norm().item<double>();
        return norms > 0 ? x.dot(y).item<double>() / norms : 0;
    }

    /// <summary>
    /// Greedy merging of the accepted pairs in descending similarity, with complete linkage: two groups join only when
    /// every pair across them is accepted, so no two layers whose gradients disagree end up in one bank through a third
    /// that agrees with both. Returns each layer's group as its smallest member.
    /// </summary>
    internal static int[] Merge(int count, IReadOnlyList<(double Similarity, int A, int B)> pairs)
    {
        var accepted = new HashSet<(int, int)>(pairs.Select(p => (Math.Min(p.A, p.B), Math.Max(p.A, p.B))));
        var group = Enumerable.Range(0, count).ToArray();
        var members = Enumerable.Range(0, count).Select(i => new List<int> { i }).ToArray();
        foreach (var (_, a, b) in pairs)
        {
            int ga = group[a], gb = group[b];
            if (ga == gb || !members[ga].All(x => members[gb].All(y => accepted.Contains((Math.Min(x, y), Math.Max(x, y)))))) continue;
            int keep = Math.Min(ga, gb), gone = Math.Max(ga, gb);
            foreach (var m in members[gone]) group[m] = keep;
            members[keep].AddRange(members[gone]);
            members[gone].Clear();
        }
        return group;
    }
}
