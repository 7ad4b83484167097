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
/// SSN's learned grouping, in one process: build a warm-up model with every layer in one bank reading K = 4
/// templates whose coefficients pass through a softmax, train it briefly on your data, take how far the warm-up moved
/// each layer's coefficient vector as its representation, and cluster those with k-means into G groups. The result is an
/// allocation: save it next to your checkpoints and pass it back through <see cref="NpasOptions.Allocation"/>.
/// </summary>
public static class LearnedGrouping
{
    /// <summary>Templates per layer in the warm-up model.</summary>
    public const int WarmupTemplates = 4;

    /// <summary>How the allocations this search returns begin their <see cref="AllocationFile.AssignmentSource"/>.</summary>
    public const string Source = "learned grouping";

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
        using var warmup = create(WarmupOptions(options, options.Device));
        // The layers represented: every one that owns a weight in the shared bank (layers pinned with [ShareGroup] keep their group).
        var layers = warmup.SharedLayers()
            .Where(l => l.Layer.Plan.Source == WeightSource.Bank && l.Layer.Plan.SharesWeightsWith is null && l.Layer.Plan.Spec.Group is null)
            .ToList();
        double[][] Coefficients()
        {
            using var _ = no_grad();
            return layers.Select(l => l.Layer.Mixing!.cpu().data<float>().Select(v => (double)v).ToArray()).ToArray();
        }
        var initial = Coefficients();
        Warmup.Train(warmup, batchLoss, options);

        // Representations: how far the warm-up moved each layer's softmax coefficients. The coefficients start as rows of
        // a random orthogonal matrix (about ±0.5) and a short warm-up moves them by about a tenth of that, so clustering
        // the coefficients themselves mostly found the random start again.
        var points = Coefficients().Zip(initial, (end, start) => end.Zip(start, (e, s) => e - s).ToArray()).ToArray();

        int groups = options.Groups ?? Math.Max(1, layers.Select(l => l.Layer.Plan.Spec.Kind + l.Layer.Plan.Spec.ShapeText).Distinct().Count());
        var clusters = KMeans.Cluster(points, groups, options.Seed);
        int found = clusters.Distinct().Count();
        string why = groups > points.Length
            ? $"{groups} asked, but there {(points.Length == 1 ? "is 1 layer" : $"are {points.Length} layers")} to group" // k-means makes at most one group per layer
            : $"{groups} asked, but the warm-up moved the coefficients of the {points.Length} layers in no more distinct ways";
        string into = found == groups ? $"into {groups} groups" : $"into {found} group{(found == 1 ? "" : "s")} ({why})";
        var assignment = Naming.Number("learned", layers.Select((l, i) => (l.Path, clusters[i])), $"{Source} (SSN, k-means {into} after {options.WarmupSteps} warm-up steps)");
        return Warmup.AllocationFor(warmup.Network, options, assignment);
    }

    /// <summary>The warm-up model's options: every layer in one bank of K = 4 templates, softmax coefficients, the search's budget.</summary>
    internal static NpasOptions WarmupOptions(GroupSearchOptions options, Device? device) => new()
    {
        Seed = options.Seed, Budget = options.Budget, SoftmaxCoefficients = true, Device = device,
        Sharing = new SharingSpec(GroupStrategy.Single, Combiner.WeightedAverage, Upsampler.Repeat, WarmupTemplates, options.Seed, exactTemplates: true),
    };
}

/// <summary>What the two searches share: the warm-up training, group naming, and planning the result.</summary>
internal static class Warmup
{
    public static void Train<TModel>(TModel model, Func<TModel, Tensor> batchLoss, GroupSearchOptions options) where TModel : NpasModule
    {
        model.train();
        using var optimizer = optim.Adam(model.parameters(), lr: options.LearningRate); // its moment estimates are native tensors: freed here, not by the finalizer
        // Checked after the last step too: a search interrupted then must not go on to return groups the user stopped.
        for (int step = 0; ; step++)
        {
            if (options.Cancellation.IsCancellationRequested)
                throw new GroupSearchInterruptedException(string.Create(CultureInfo.InvariantCulture,
                    $"The group search was interrupted after {step:N0} of its {options.WarmupSteps:N0} warm-up steps; it found no groups"), step, options.WarmupSteps, options.Cancellation);
            if (step == options.WarmupSteps) break;
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = batchLoss(model);
            loss.backward();
            optimizer.step();
            float value = loss.item<float>();
            if (!float.IsFinite(value)) throw new GroupSearchDivergedException(string.Create(CultureInfo.InvariantCulture, $"The group-search warm-up loss became {value} at step {step + 1}"), "lower GroupSearchOptions.LearningRate.");
        }
    }

    public static AllocationFile AllocationFor(NetworkSpec declared, GroupSearchOptions options, GroupAssignment assignment)
    {
        var planned = Planned(declared, options);
        return AllocationFile.From(BudgetPlanner.Plan(planned.WithAssignment(assignment)));
    }

    /// <summary>The declaration with the search's budget and sharing options, as the searched model will be planned.</summary>
    public static NetworkSpec Planned(NetworkSpec declared, GroupSearchOptions options)
    {
        var planned = options.Budget is { } budget ? declared.WithBudget(budget) : declared;
        return options.Sharing is { } sharing ? planned.WithSharing(sharing) : planned;
    }
}

/// <summary>Names clusters <c>{prefix}_0</c>, <c>{prefix}_1</c>, ... in order of their first layer, so names do not depend on cluster numbering.</summary>
internal static class Naming
{
    public static GroupAssignment Number(string prefix, IEnumerable<(string Path, int Cluster)> members, string source)
    {
        var names = new Dictionary<int, string>();
        var groups = new List<KeyValuePair<string, string>>();
        foreach (var (path, cluster) in members)
        {
            if (!names.TryGetValue(cluster, out var name))
                names[cluster] = name = prefix + "_" + names.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            groups.Add(new KeyValuePair<string, string>(path, name));
        }
        return new GroupAssignment(groups, source);
    }
}
