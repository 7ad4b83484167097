using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NpasDsl.Planning;
using TorchSharp;
using static TorchSharp.torch;

namespace NpasDsl.Unsharing;

/// <summary>
/// SuperWeights' coefficient unsharing (methods.md section 6), for a model declared with
/// <c>[Sharing(CoefficientSharing = CoefficientSharing.ByShape)]</c>. While tracking, every member of a coefficient set
/// with more than one layer reads the shared vector through a view of its own, so after a backward pass the view
/// holds ∂L/∂α as that layer used it; <see cref="Accumulate"/> adds those into one sum per layer. After an epoch,
/// <see cref="Split"/> compares the members of each set by the cosine of their sums and splits every pair at or
/// below 0.9 into different vectors (<see cref="CoefficientClustering"/> says how). It returns a new allocation;
/// <see cref="CoefficientSplit.Rebuild{TModel}"/> builds the model for it with the state carried over.
/// </summary>
public sealed class CoefficientUnsharing : IDisposable
{
    /// <summary>SuperWeights' threshold: members whose gradient sums have a cosine at or below it get separate vectors.</summary>
    public const double DefaultThreshold = 0.9;

    private readonly NpasModule _model;
    private readonly List<(string Path, SharedLayer Layer)> _watched;
    private readonly Dictionary<string, List<Tensor>> _pending = new();
    private readonly Dictionary<string, Tensor> _sums = new();
    private readonly Dictionary<string, int> _reads = new();
    private bool _disposed;

    private CoefficientUnsharing(NpasModule model)
    {
        _model = model;
        var shared = new HashSet<string>(CoefficientSets.Of(model.Allocation).Where(s => s.Members.Count > 1).SelectMany(s => s.Members.Select(m => m.Path)));
        _watched = model.SharedLayers().Where(l => shared.Contains(l.Path)).ToList();
        using var scope = NewDisposeScope(); // the sums outlive whatever scope the caller has open
        foreach (var (path, layer) in _watched)
        {
            var vector = layer.CoefficientVector!;
            _sums[path] = zeros(vector.shape, dtype: float64, device: vector.device).DetachFromDisposeScope();
            _reads[path] = 0;
            var pending = _pending[path] = new List<Tensor>();
            layer.CoefficientReadObserver = read => pending.Add(read.DetachFromDisposeScope());
        }
    }

    /// <summary>Starts summing per-layer coefficient gradients of <paramref name="model"/>.</summary>
    /// <exception cref="InvalidOperationException">The model does not share coefficient vectors, or it is a family member.</exception>
    public static CoefficientUnsharing Track(NpasModule model)
        => Refusal(model, "Coefficient unsharing", "declare [Sharing(CoefficientSharing = CoefficientSharing.ByShape)] with the weighted-average combiner") is { } refusal
            ? throw new InvalidOperationException(refusal)
            : new CoefficientUnsharing(model);

    /// <summary>
    /// Why <paramref name="model"/> cannot be tracked, or null where it can: it shares no coefficient vectors, or it is a
    /// family member (a split rebuilds one model on its own). <paramref name="subject"/> opens the message and
    /// <paramref name="sharingFix"/> says how to share vectors, so each caller names the fix in its user's terms.
    /// </summary>
    public static string? Refusal(NpasModule model, string subject, string sharingFix)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Refusal(model.Allocation.Network, subject, sharingFix);
    }

    /// <summary>The same refusal for a model that would be planned as <paramref name="planned"/>, before it is built.</summary>
    internal static string? Refusal(NetworkSpec planned, string subject, string sharingFix)
    {
        var name = planned.ModelName;
        if (!CoefficientSets.Applies(planned.Sharing))
            return $"{subject} splits shared coefficient vectors, but '{name}' shares none: {sharingFix}.";
        if (planned.ExtendedFrom is { } narrower)
            return $"{subject} rebuilds the model on its own, but '{name}' is a family member extending {narrower}: the split would cut it from the family's banks. " +
                "Coefficient unsharing works on models outside families.";
        return null;
    }

    /// <summary>Backward passes accumulated so far.</summary>
    public int Steps { get; private set; }

    /// <summary>The layers being compared: members of sets with more than one layer, in declaration order.</summary>
    public IReadOnlyList<string> Layers => _watched.Select(l => l.Path).ToList();

    /// <summary>
    /// Call after every <c>loss.backward()</c> (before the step's dispose scope ends): adds the gradient each watched
    /// layer's coefficient reads received to its sum. Reads that received none (a forward without backward) add nothing.
    /// </summary>
    public void Accumulate()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (path, pending) in _pending)
        {
            foreach (var read in pending)
            {
                if (read.grad is { } gradient)
                {
                    _sums[path].add_(gradient.to(float64));
                    _reads[path]++;
                }
                read.Dispose();
            }
            pending.Clear();
        }
        Steps++;
    }

    /// <summary>Σ ∂L/∂α of the layer at <paramref name="path"/> over the accumulated passes, as doubles.</summary>
    public double[] GradientSum(string path)
    {
        if (!_sums.TryGetValue(path, out var sum)) throw new KeyNotFoundException($"'{path}' is not a member of a shared coefficient set. Watched layers: {string.Join(", ", Layers)}.");
        using var scope = NewDisposeScope();
        return (sum.device_type == TorchSharp.DeviceType.CPU ? sum : sum.cpu()).data<double>().ToArray();
    }

    /// <summary>
    /// Splits every shared set whose members disagree (cosine ≤ <paramref name="threshold"/>) and plans the
    /// allocation with the new vectors. The model is left as it is: rebuild it with <see cref="CoefficientSplit.Rebuild{TModel}"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A watched layer received no gradient since tracking began.</exception>
    public CoefficientSplit Split(double threshold = DefaultThreshold)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        FlushPending();
        var plan = _model.Allocation;
        var labels = plan.Layers.Where(l => l.Source == WeightSource.Bank && l.SharesWeightsWith is null)
            .ToDictionary(l => l.Path, l => l.CoefficientsFrom ?? l.Path, StringComparer.Ordinal);
        var pairs = new List<CoefficientPair>();
        foreach (var (founder, members) in CoefficientSets.Of(plan).Where(s => s.Members.Count > 1))
        {
            var sums = members.Select(m => _reads[m.Path] > 0 ? GradientSum(m.Path)
                : throw new InvalidOperationException($"Layer '{m.Path}' received no coefficient gradient in {Steps} accumulated steps; does the loss use it, and is Accumulate called after each backward?")).ToList();
            var cosines = new double[members.Count, members.Count];
            for (int a = 0; a < members.Count; a++)
                for (int b = 0; b < members.Count; b++)
                    cosines[a, b] = a == b ? 1 : CoefficientClustering.Cosine(sums[a], sums[b]);
            var clusters = CoefficientClustering.Cluster(cosines, threshold);
            for (int a = 0; a < members.Count; a++)
            {
                labels[members[a].Path] = members[Array.IndexOf(clusters, clusters[a])].Path; // the cluster's first member holds its vector
                for (int b = a + 1; b < members.Count; b++)
                    pairs.Add(new CoefficientPair(founder, members[a].Path, members[b].Path, cosines[a, b], clusters[a] != clusters[b]));
            }
        }
        var next = BudgetPlanner.Plan(plan.Network.WithCoefficientPartition(new CoefficientPartition(labels)));
        return new CoefficientSplit(plan, next, pairs, threshold, Steps);
    }

    /// <summary>
    /// Writes the sums so far (and the steps and reads they cover), so that a run checkpointed inside the watched epoch
    /// splits, once resumed, exactly as it would have without the interruption.
    /// </summary>
    internal void Save(BinaryWriter writer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        FlushPending();
        writer.Write(Steps);
        writer.Write(_watched.Count);
        foreach (var (path, _) in _watched)
        {
            writer.Write(path);
            writer.Write(_reads[path]);
            _sums[path].Save(writer);
        }
    }

    /// <summary>Replaces the sums with those <see cref="Save"/> wrote for the same model.</summary>
    /// <exception cref="InvalidDataException">They were written for other layers.</exception>
    internal void Load(BinaryReader reader)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int steps = reader.ReadInt32(), count = reader.ReadInt32();
        if (count != _watched.Count)
            throw new InvalidDataException($"the coefficient gradient sums are of {count} layers, but this model shares vectors among {_watched.Count}");
        foreach (var (path, _) in _watched)
        {
            string saved = reader.ReadString();
            if (saved != path) throw new InvalidDataException($"the coefficient gradient sums are of layer '{saved}' where this model has '{path}'");
            _reads[path] = reader.ReadInt32();
            _sums[path].Load(reader);
        }
        Steps = steps;
    }

    /// <summary>Accumulates the reads of a last backward that the caller has not accumulated yet.</summary>
    private void FlushPending()
    {
        if (_pending.Values.Any(p => p.Count > 0)) Accumulate();
    }

    /// <summary>Stops tracking: layers read their vectors directly again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (_, layer) in _watched) layer.CoefficientReadObserver = null;
        foreach (var pending in _pending.Values) pending.ForEach(t => t.Dispose());
        foreach (var sum in _sums.Values) sum.Dispose();
    }
}

/// <summary>Two members of one coefficient set, the cosine of their gradient sums, and whether the split separated them.</summary>
public sealed record CoefficientPair(string Set, string First, string Second, double Cosine, bool Separated);
