using System;
using System.Collections.Generic;
using System.Linq;
using NpasDsl.Planning;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Spin;

/// <summary>
/// How the members of a SPIN weight set are fused into one weight (methods.md section 8). The set's bias is fused the
/// same way (b̂ = (1/r) Σ_j γ_j ⊙ b_j, and so on), so the fused layer is the fusion of its members as whole layers.
/// </summary>
public enum FusionMethod
{
    /// <summary>Ŵ = (1/r) Σ_j W_j.</summary>
    Mean,
    /// <summary>Ŵ = W of the set's first member.</summary>
    ChooseFirst,
    /// <summary>Ŵ = (1/r) Σ_j γ_j W_j with a learned scalar γ_j per member, starting at 1.</summary>
    ScalarWeighted,
    /// <summary>Ŵ = (1/r) Σ_j γ_j ⊙ W_j with a learned γ_j per output channel of each member, starting at 1.</summary>
    ChannelWeighted,
}

/// <summary>What a fusion did, layer by layer.</summary>
public sealed record FusionReport(IReadOnlyList<string> Fused, IReadOnlyList<string> Copied, IReadOnlyDictionary<string, string> Skipped)
{
    /// <inheritdoc />
    public override string ToString()
        => $"fused {Fused.Count} weight sets ({string.Join(", ", Fused)}); copied {Copied.Count} tensors" +
           (Skipped.Count == 0 ? "" : "; kept the initial weight of " + string.Join("; ", Skipped.Select(s => $"{s.Key} ({s.Value})")));
}

/// <summary>
/// Starts a SPIN-shared model from a pretrained unshared one. Every weight set of a <c>[ShareGroup(Rate = r)]</c>
/// list gets the fusion of its members' pretrained weights and biases; every other tensor with a matching name (norms,
/// layers that are not shared) is copied. The pretrained weights come as an unshared state dict: the
/// keys of an ordinary TorchSharp model with the same property names (<c>Body.3.weight</c>, and <c>Body.3.bias</c> for a
/// layer with a bias: a set's bias is fused too, so a dict of weights alone is refused), such as
/// <see cref="NpasModule.ExportUnsharedStateDict"/> of the model trained at a budget of 1.
/// </summary>
public static class SpinFusion
{
    /// <summary>Fuses with <see cref="FusionMethod.Mean"/> or <see cref="FusionMethod.ChooseFirst"/>.</summary>
    public static FusionReport Fuse(NpasModule model, IReadOnlyDictionary<string, Tensor> pretrained, FusionMethod method)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pretrained);
        // An undefined value fused silently as ChooseFirst.
        if (!Enum.IsDefined(method)) throw UndefinedMethod(method);
        if (method is FusionMethod.ScalarWeighted or FusionMethod.ChannelWeighted)
            throw new ArgumentException($"{method} learns its γ from data: call FuseLearned with a loss and a number of steps.", nameof(method));
        var report = Apply(model, pretrained, (_, members) => method == FusionMethod.Mean ? stack(members).mean(new long[] { 0 }) : members[0]);
        model.RefreshMaterialized(); // the fusion wrote the banks in place
        return report;
    }

    /// <summary>
    /// Fuses with learned γ (<see cref="FusionMethod.ScalarWeighted"/> or <see cref="FusionMethod.ChannelWeighted"/>):
    /// γ starts at 1 (the mean), is trained for <paramref name="steps"/> Adam steps on <paramref name="batchLoss"/>
    /// with everything else copied from the pretrained model and frozen, then the fused weights are written into
    /// the model's banks.
    /// </summary>
    public static FusionReport FuseLearned(NpasModule model, IReadOnlyDictionary<string, Tensor> pretrained, FusionMethod method,
        Func<NpasModule, Tensor> batchLoss, int steps, double learningRate = 0.01)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pretrained);
        if (!Enum.IsDefined(method)) throw UndefinedMethod(method);
        if (method is not (FusionMethod.ScalarWeighted or FusionMethod.ChannelWeighted))
            throw new ArgumentException($"{method} has nothing to learn: call Fuse.", nameof(method));
        ArgumentNullException.ThrowIfNull(batchLoss);
        // A negative count trained nothing without a word; a NaN rate made every γ NaN, and the fusion wrote NaN weights.
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "The number of γ training steps must be 0 or more (0 gives the plain mean).");
        if (!(learningRate > 0) || double.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate of γ must be a finite positive number (the default is 0.01).");
        var sets = WeightSets(model, pretrained);
        var device = model.parameters().First().device;
        var gammas = sets.ToDictionary(s => s.Owner, s => s.Members.Select(w => new Parameter(method == FusionMethod.ScalarWeighted ? ones(1, device: device) : ones(w.shape[0], device: device))).ToList());
        // γ_j scales member j's output channels, so it scales that member's weight rows and its bias alike.
        Tensor Fused(WeightSet set, IReadOnlyList<Tensor> members) => stack(members.Select((t, j) => Scale(t, gammas[set.Owner][j])).ToList()).mean(new long[] { 0 });

        // Train γ through the model itself, every other weight already pretrained: each owner's weight is the
        // fusion while we learn.
        Copy(model, pretrained, sets);
        var layers = model.SharedLayers().ToDictionary(l => l.Path, l => l.Layer);
        using (no_grad()) CopyOtherBankedLayers(model, pretrained, layers, new List<string>(), new SortedDictionary<string, string>(StringComparer.Ordinal));
        foreach (var set in sets)
        {
            layers[set.Owner].WeightOverride = () => Fused(set, set.Members);
            if (set.Biases is { } biases) layers[set.Owner].BiasOverride = () => Fused(set, biases);
        }
        var frozen = model.parameters().Where(p => p.requires_grad).ToList();
        foreach (var p in frozen) p.requires_grad = false;
        bool wasTraining = model.training; // γ trains in training mode; the caller gets the model in the mode it gave
        bool wasMaterialized = model.SharedLayers().Any(l => l.Layer.IsMaterialized); // and materialized again if it was
        try
        {
            using (var optimizer = optim.Adam(gammas.Values.SelectMany(g => g), learningRate))
            {
                model.train();
                for (int step = 0; step < steps; step++)
                {
                    using var scope = NewDisposeScope();
                    optimizer.zero_grad();
                    var loss = batchLoss(model);
                    // Checked before the step, as the trainer does: one step on a NaN loss makes every γ NaN, and the fused weights with it.
                    if (loss.item<float>() is var value && !float.IsFinite(value)) throw Diverged($"the loss became {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} at step {step + 1}", learningRate);
                    loss.backward();
                    optimizer.step();
                }
            }
            bool finite;
            using (NewDisposeScope()) finite = gammas.Values.SelectMany(g => g).All(g => g.isfinite().all().item<bool>());
            if (!finite) throw Diverged($"γ stopped being finite after {steps} steps", learningRate);
            foreach (var set in sets) (layers[set.Owner].WeightOverride, layers[set.Owner].BiasOverride) = (null, null);
            // Copies the pretrained state again (the norms' running statistics moved while γ trained), then writes the fusions.
            using (no_grad()) return Apply(model, pretrained, (set, members) => Fused(set, members).detach());
        }
        finally
        {
            model.train(wasTraining);
            if (wasMaterialized && !wasTraining) model.Materialize();
            foreach (var p in frozen) p.requires_grad = true;
            foreach (var set in sets) (layers[set.Owner].WeightOverride, layers[set.Owner].BiasOverride) = (null, null);
            foreach (var gamma in gammas.Values.SelectMany(g => g)) gamma.Dispose();
        }
    }

    private static ArgumentOutOfRangeException UndefinedMethod(FusionMethod method)
        => new(nameof(method), method, $"Not a fusion method: use one of {string.Join(", ", Enum.GetNames<FusionMethod>())}.");

    private static Training.TrainingDivergedException Diverged(string what, double learningRate)
        => new(string.Format(System.Globalization.CultureInfo.InvariantCulture,
            "Learning the fusion's γ failed: {0}, so no fused weight was written (the model holds the pretrained tensors copied before γ trained). " +
            "Lower learningRate (now {1:G4}), check that batchLoss gives a finite loss, or fuse with FusionMethod.Mean.", what, learningRate));

    private static Tensor Scale(Tensor weight, Tensor gamma)
    {
        weight = weight.to(gamma.device);
        if (gamma.shape[0] == 1) return weight * gamma;
        var shape = Enumerable.Repeat(1L, (int)weight.dim()).ToArray();
        shape[0] = gamma.shape[0]; // one γ per output channel
        return weight * gamma.view(shape);
    }

    /// <summary>A weight set: its owner's path and its members' pretrained weights and biases (null without biases).</summary>
    private sealed record WeightSet(string Owner, IReadOnlyList<Tensor> Members, IReadOnlyList<Tensor>? Biases);

    private static List<WeightSet> WeightSets(NpasModule model, IReadOnlyDictionary<string, Tensor> pretrained)
    {
        var sets = new List<WeightSet>();
        foreach (var spec in model.Network.Layers.Where(l => l.ShareRate > 0))
            for (int set = 0; set < spec.WeightSets; set++)
            {
                var indices = Enumerable.Range(0, spec.Count).Where(i => spec.WeightSetOf(i) == set).ToList();
                var members = indices.Select(i => Pretrained(pretrained, spec.InstanceName(i) + ".weight", spec.WeightShape)).ToList();
                var biases = spec.BiasSize == 0 ? null
                    : indices.Select(i => Pretrained(pretrained, spec.InstanceName(i) + ".bias", new[] { spec.BiasSize })).ToList();
                sets.Add(new WeightSet(spec.InstanceName(spec.OwnerOf(set)), members, biases));
            }
        if (sets.Count == 0) throw new ArgumentException($"'{model.Network.ModelName}' has no [ShareGroup(..., Rate = r)] layers to fuse.");
        return sets;
    }

    private static Tensor Pretrained(IReadOnlyDictionary<string, Tensor> pretrained, string key, IReadOnlyList<long> shape)
    {
        if (!pretrained.TryGetValue(key, out var tensor))
            throw new KeyNotFoundException($"The pretrained state dict has no '{key}'; it must use the model's property names, as ExportUnsharedStateDict() writes them.");
        if (!tensor.shape.SequenceEqual(shape))
            throw new ArgumentException($"The pretrained '{key}' has shape [{string.Join(", ", tensor.shape)}] but the model's is [{string.Join(", ", shape)}].");
        return tensor.detach();
    }

    /// <summary>
    /// Copies every pretrained tensor whose name and shape the model has (biases, norms, own weights), except the biases
    /// of the weight sets, which are fused.
    /// </summary>
    private static List<string> Copy(NpasModule model, IReadOnlyDictionary<string, Tensor> pretrained, List<WeightSet> sets)
    {
        var copied = new List<string>();
        var fusedBiases = new HashSet<string>(sets.Where(s => s.Biases is not null).Select(s => s.Owner + ".bias"), StringComparer.Ordinal);
        using var _ = no_grad();
        foreach (var (name, tensor) in model.state_dict())
            if (!fusedBiases.Contains(name) && pretrained.TryGetValue(name, out var source) && source.shape.SequenceEqual(tensor.shape))
            {
                tensor.copy_(source);
                copied.Add(name);
            }
        return copied;
    }

    /// <summary>Writes <paramref name="fuse"/> of every set's members' weights, and of their biases, into the model.</summary>
    private static FusionReport Apply(NpasModule model, IReadOnlyDictionary<string, Tensor> pretrained, Func<WeightSet, IReadOnlyList<Tensor>, Tensor> fuse)
    {
        var sets = WeightSets(model, pretrained);
        var copied = Copy(model, pretrained, sets);
        var layers = model.SharedLayers().ToDictionary(l => l.Path, l => l.Layer);
        var aliased = new HashSet<string>(model.Allocation.Aliases().SelectMany(a => new[] { a.First.Path, a.Second.Path }));
        var fused = new List<string>();
        var skipped = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using var _ = no_grad();
        foreach (var set in sets)
        {
            if (layers[set.Owner].SetGeneratedWeight(fuse(set, set.Members), !aliased.Contains(set.Owner)) is { } why) skipped[set.Owner] = why;
            else fused.Add(set.Owner);
            // The bias is an ordinary parameter of the owner, so it is fused even where the weight could not be written.
            if (set.Biases is { } biases) layers[set.Owner].Bias!.copy_(fuse(set, biases).to(layers[set.Owner].Bias!.device));
        }
        CopyOtherBankedLayers(model, pretrained, layers, copied, skipped);
        return new FusionReport(fused, copied, skipped);
    }

    /// <summary>Banked layers outside SPIN sets get their pretrained weight too, when they own their bank region.</summary>
    private static void CopyOtherBankedLayers(NpasModule model, IReadOnlyDictionary<string, Tensor> pretrained, Dictionary<string, SharedLayer> layers,
        List<string> copied, SortedDictionary<string, string> skipped)
    {
        var aliased = new HashSet<string>(model.Allocation.Aliases().SelectMany(a => new[] { a.First.Path, a.Second.Path }));
        foreach (var (path, layer) in layers)
        {
            if (layer.Plan.Spec.ShareRate > 0 || layer.Plan.Source != WeightSource.Bank || !pretrained.TryGetValue(path + ".weight", out var weight)) continue;
            if (layer.SetGeneratedWeight(weight.detach(), !aliased.Contains(path)) is { } why) skipped[path] = why;
            else copied.Add(path + ".weight");
        }
    }
}
