using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using NpasDsl.Allocation;
using NpasDsl.Planning;
using NpasDsl.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Families;

/// <summary>
/// A family of networks drawn from one set of weights (SuperWeights' anytime prediction and ensembles): several
/// DSL classes whose layers of the same name are nested, a narrower member's weight being the top-left block of
/// a wider member's. The extra rows and columns of the wider member come from its own (per-width) banks, so every
/// member reads the narrowest member's banks and the family holds each weight entry once.
/// <para>
/// Members are built in the order given: each extends the earlier member it can take the most weight entries from
/// (all its layers of a common name must contain that member's), or none. The family trains on the sum of the
/// members' losses; as a module it is the ensemble (<see cref="forward"/>: the log of the members' averaged softmax).
/// </para>
/// </summary>
public sealed class ModelFamily : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<NpasModule> _members;
    private readonly string?[] _narrower;
    private readonly string?[] _whyStandalone;
    private readonly List<SharedLayer> _sharedLayers; // every member's, found once: a family pass brackets them all

    /// <summary>Builds the members in order; <paramref name="options"/> gives the seed (member i uses seed + i) and the device.</summary>
    public ModelFamily(IReadOnlyList<FamilyMember> members, NpasOptions? options = null) : base(nameof(ModelFamily))
    {
        if (members is null || members.Count < 2) throw new ArgumentException("A family needs at least two members.", nameof(members));
        for (int i = 0; i < members.Count; i++)
            if (members[i] is null)
                throw new ArgumentException($"Member {i} of the family is null; give every member as FamilyMember.Of(X.Declaration, o => new X(o)).", nameof(members));
        var names = members.Select(m => m.Declaration.ModelName).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            throw new ArgumentException($"Each member of a family must be a different model class; got {string.Join(", ", names)}.", nameof(members));
        options ??= new NpasOptions();
        // Before any member is built: TorchSharp's "CUDA is not available." came only at the final move, after the whole family.
        if (options.Device is { } requested && NpasModule.DeviceProblem(requested) is { } unusable)
            throw new ArgumentException($"NpasOptions.Device for the family {string.Join("+", names)}: {unusable}.", nameof(options));
        if (options.Allocation is not null || options.Budget is not null || options.Sharing is not null)
            throw new ArgumentException("A family takes only a seed, a device and Unshared from its options; give each member its budget with FamilyMember.Of(..., budget).", nameof(options));
        Unshared = options.Unshared;
        var built = new List<NpasModule>();
        _narrower = new string?[members.Count];
        _whyStandalone = new string?[members.Count];
        try
        {
            for (int i = 0; i < members.Count; i++)
            {
                var member = members[i];
                NpasModule? narrower = null;
                long best = 0;
                // Built unshared, the members are separate ordinary networks: none extends another, none has a budget.
                foreach (var candidate in Unshared ? Enumerable.Empty<NpasModule>() : built)
                {
                    if (FamilyLayout.Covered(member.Declaration, candidate.Network, out var why) is { } covered && covered > best)
                        (narrower, best) = (candidate, covered);
                    else if (why is not null)
                        _whyStandalone[i] ??= why;
                }
                var model = member.Create(new NpasOptions
                {
                    Seed = (options.Seed ?? member.Declaration.Sharing.Seed) + i,
                    Budget = Unshared ? null : member.Budget,
                    Narrower = narrower,
                    Unshared = Unshared,
                });
                if (model is null)
                    throw new ArgumentException($"Member {i}'s factory ({member.Declaration.ModelName}) returned null; it must build the member with the options it is given (o => new {member.Declaration.ModelName}(o)).", nameof(members));
                built.Add(model);
                if (model.Network.ModelName != member.Declaration.ModelName)
                    throw new ArgumentException($"Member {i} was declared as {member.Declaration.ModelName} but its factory built a {model.Network.ModelName}.", nameof(members));
                _narrower[i] = narrower?.Network.ModelName;
                if (narrower is not null) _whyStandalone[i] = null;
                else _whyStandalone[i] ??= Unshared ? "the family is built unshared: every member is a separate network" : "it has no layer of the same name as an earlier member";
            }
        }
        catch
        {
            foreach (var model in built) model.Dispose();
            throw;
        }
        _members = new ModuleList<NpasModule>(built.ToArray());
        register_module("members", _members);
        _sharedLayers = built.SelectMany(m => m.SharedLayers()).Select(l => l.Layer).ToList();
        if (options.Device is { } device) this.to(device);
    }

    /// <summary>Everything is registered explicitly (members under <c>members.{i}</c>).</summary>
    protected override void RegisterComponents() { }

    /// <summary>
    /// Whether the members were built as separate unshared networks (<see cref="NpasOptions.Unshared"/>): the baseline the
    /// family is measured against. Trained on the sum of their losses, they learn as if each were trained alone on the same
    /// batches, except where gradient clipping by the global norm couples them.
    /// </summary>
    public bool Unshared { get; }

    /// <summary>A name for logs and plots: the members' names joined.</summary>
    public string Name => string.Join("+", Members.Select(m => m.Network.ModelName));

    /// <summary>The members, in the order given.</summary>
    public IReadOnlyList<NpasModule> Members => _members.ToList();

    /// <summary>The model name of the member that member <paramref name="index"/> extends, or null when it extends none.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a member's.</exception>
    public string? NarrowerOf(int index) => _narrower[MemberIndex(index)];

    /// <summary>Why member <paramref name="index"/> extends no earlier member (null when it extends one, and for the first).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a member's.</exception>
    public string? WhyStandalone(int index) => MemberIndex(index) == 0 ? null : _whyStandalone[index];

    private int MemberIndex(int index, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(index))] string? name = null)
        => index >= 0 && index < _narrower.Length ? index
            : throw new ArgumentOutOfRangeException(name, index, $"The family has {_narrower.Length} members: give an index from 0 to {_narrower.Length - 1}.");

    /// <summary>Trainable scalars of the whole family (each member's own; nothing is counted twice).</summary>
    public long TrainableParameters => parameters().Where(p => p.requires_grad).Sum(p => p.numel());

    /// <summary>Trainable scalars of the members as separate, fully parameterised networks (what an ordinary ensemble costs).</summary>
    public long FullyParameterized => Members.Sum(m => m.Network.UnsharedParameters);

    /// <summary>Each member's logits for <paramref name="inputs"/>, in member order; every weight is generated once for all members.</summary>
    public Tensor[] MemberLogits(Tensor inputs)
    {
        foreach (var layer in _sharedLayers) layer.BeginSharedPass();
        try
        {
            return Members.Select(m => m.call(inputs)).ToArray();
        }
        finally
        {
            foreach (var layer in _sharedLayers) layer.EndSharedPass();
        }
    }

    /// <summary>The ensemble's log-probabilities: log of the mean of the members' softmax outputs (argmax is the ensemble's prediction).</summary>
    public override Tensor forward(Tensor inputs) => EnsembleLogProbabilities(MemberLogits(inputs));

    /// <summary>log(mean_m softmax(logits_m)), computed stably in log space.</summary>
    public static Tensor EnsembleLogProbabilities(IReadOnlyList<Tensor> logits)
        => stack(logits.Select(l => l.log_softmax(1)).ToArray(), 0).logsumexp(0) - Math.Log(logits.Count);

    /// <summary>The family's training loss: the sum of the members' cross-entropies, with the ensemble's log-probabilities for the accuracy.</summary>
    public (Tensor Loss, Tensor Logits) SumOfLosses(Tensor inputs, Tensor labels, double labelSmoothing = 0)
    {
        var logits = MemberLogits(inputs);
        var loss = logits.Select(l => nn.functional.cross_entropy(l, labels, label_smoothing: labelSmoothing)).Aggregate((a, b) => a + b);
        return (loss, EnsembleLogProbabilities(logits));
    }

    /// <summary>The parameters weight decay applies to: every member's banks and own weights.</summary>
    public IEnumerable<Parameter> DecayedParameters() => Members.SelectMany(WeightDecay.Selected);

    /// <summary>
    /// Materializes every member for inference, narrowest first (a wider member builds on the narrower member's weights).
    /// Training any member changes the weights the others read: materialize the family again afterwards.
    /// </summary>
    public void Materialize()
    {
        eval();
        foreach (var member in Members) member.Materialize();
    }

    /// <summary>
    /// Evaluates every member and the ensemble on a test set, and the anytime curve: members in order of their
    /// multiply-accumulates per example, and the ensemble of the first k of them at their summed cost.
    /// </summary>
    public FamilyEvaluation Evaluate(Tensor images, Tensor labels, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The evaluation batch size must be at least 1.");
        // Labels [N, 1] passed the count check and broadcast against the predictions [N] to N x N comparisons: accuracies above 1.
        if (images.dim() == 0)
            throw new ArgumentException("Evaluation needs a batch of images [N, ...], not a single number.", nameof(images));
        if (labels.dim() != 1)
            throw new ArgumentException($"Evaluation needs labels of shape [N], one class index per image, not [{string.Join(", ", labels.shape)}] (labels.flatten() or squeeze(1) for [N, 1]).", nameof(labels));
        if (labels.is_floating_point() || labels.is_complex() || labels.dtype == ScalarType.Bool)
            throw new ArgumentException($"Evaluation needs class indices as integers, but the labels are {labels.dtype}; convert them with labels.to(ScalarType.Int64).", nameof(labels));
        if (images.shape[0] != labels.shape[0] || images.shape[0] == 0)
            throw new ArgumentException($"Evaluation needs as many labels as images (got {images.shape[0]} images and {labels.shape[0]} labels), and at least one.");
        long smallest, largest;
        using (NewDisposeScope()) (smallest, largest) = (labels.min().item<long>(), labels.max().item<long>());
        if (smallest < 0)
            throw new ArgumentException($"The labels include {smallest}, but class indices start at 0; number the classes 0 to C - 1.", nameof(labels));
        var device = Members[0].parameters().First().device;
        long[] macs;
        using (var probe = NewDisposeScope()) macs = Members.Select(m => MacCounter.PerExample(m, images.narrow(0, 0, 1).to(device))).ToArray();
        var order = Enumerable.Range(0, macs.Length).OrderBy(i => macs[i]).ThenBy(i => i).ToArray();
        long count = images.shape[0];
        var memberCorrect = new long[macs.Length];
        var prefixCorrect = new long[macs.Length];
        bool wasTraining = training; // restored below: a caller's own training loop after an evaluation must not train BatchNorm in eval mode
        eval();
        try
        {
            using (no_grad())
            {
                for (long start = 0; start < count; start += batchSize)
                {
                    using var scope = NewDisposeScope();
                    long n = Math.Min(batchSize, count - start);
                    var x = images.narrow(0, start, n).to(device);
                    var y = labels.narrow(0, start, n).to(device);
                    var logits = MemberLogits(x);
                    // A label no member has an output for is never predicted: the accuracies would be silently low, not an error.
                    if (start == 0 && logits.FirstOrDefault(l => l.dim() == 2 && l.size(1) <= largest) is { } few)
                        throw new ArgumentException(TrainingData.LabelsBeyondOutputs(largest, Members[Array.IndexOf(logits, few)].Network.ModelName, few.size(1)), nameof(labels));
                    for (int m = 0; m < logits.Length; m++) memberCorrect[m] += logits[m].argmax(1).eq(y).sum().item<long>();
                    for (int k = 1; k <= order.Length; k++)
                        prefixCorrect[k - 1] += EnsembleLogProbabilities(order.Take(k).Select(i => logits[i]).ToArray()).argmax(1).eq(y).sum().item<long>();
                }
            }
        }
        finally
        {
            train(wasTraining);
        }
        var members = Enumerable.Range(0, macs.Length)
            .Select(m => new MemberResult(Members[m].Network.ModelName, Members[m].TrainableParameters, macs[m], (double)memberCorrect[m] / count)).ToList();
        long cumulative = 0;
        var anytime = order.Select((m, k) => new AnytimePoint(k + 1, Members[m].Network.ModelName, cumulative += macs[m], (double)prefixCorrect[k] / count)).ToList();
        return new FamilyEvaluation(members, anytime, TrainableParameters, FullyParameterized);
    }

    /// <summary>
    /// Saves every member's state (keys <c>members.{i}.…</c>) and, beside it, each member's allocation as JSON, each file
    /// atomically (two writes: as <see cref="NpasModule.SaveCheckpoint"/>, a crash between them can leave the new
    /// weights beside the previous allocations, which a load refuses where they differ).
    /// </summary>
    public void SaveCheckpoint(string path)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream);
            save(writer);
        });
        var allocations = Members.Select(m => AllocationFile.From(m.Allocation)).ToList();
        FamilyAllocations.Save(NpasModule.AllocationPathFor(path), allocations);
    }

    /// <summary>Loads a checkpoint of <see cref="SaveCheckpoint"/>, refusing one saved from a family with other members or allocations.</summary>
    /// <exception cref="AllocationMismatchException">The checkpoint's family differs; the message says how.</exception>
    /// <exception cref="CheckpointException">The file is not a state dict of this family.</exception>
    public void LoadCheckpoint(string path) => NpasModule.LoadNamed(path, Name, LoadCheckpointFile);

    /// <summary><see cref="LoadCheckpoint"/> without its translation of TorchSharp's errors: the trainer's checkpoint store words them itself.</summary>
    internal void LoadCheckpointFile(string path)
    {
        var allocationPath = NpasModule.AllocationPathFor(path);
        if (File.Exists(allocationPath))
        {
            // A single model's checkpoint is whole, not damaged: it was refused as "not an NpasDsl family allocation".
            if (AllocationFile.FormatOf(File.ReadAllText(allocationPath)) == AllocationFile.CurrentFormat)
            {
                var single = AllocationFile.Load(allocationPath);
                throw new AllocationMismatchException(
                    $"The checkpoint {path} was saved from a single '{single.Model}', not a family: load it into a {single.Model}, or load a checkpoint of this family ({Name}) here.",
                    $"it was saved from a single '{single.Model}', not the family {Name}") { SavedFrom = $"a single '{single.Model}'" };
            }
            var saved = FamilyAllocations.Load(allocationPath);
            if (saved.Count != _members.Count)
                throw new AllocationMismatchException($"The checkpoint {path} holds a family of {saved.Count} members; this family has {_members.Count} ({Name}).",
                    $"it holds a family of {saved.Count} members, this one has {_members.Count}");
            for (int i = 0; i < saved.Count; i++)
                if (AllocationFile.From(Members[i].Allocation).FirstDifference(saved[i]) is { } difference)
                    throw new AllocationMismatchException($"Member {i} ({Members[i].Network.ModelName}) of the checkpoint {path} was saved with another allocation: {difference}. Build the family from the same members, in the same order, with the same budgets (and unshared, NpasOptions.Unshared, only if it was saved so).",
                        $"member {i} ({Members[i].Network.ModelName}): {difference}");
        }
        load(path);
        // The load wrote the banks in place; materialized weights are computed again, narrowest member first (wider ones read its weights).
        foreach (var member in Members) member.RefreshMaterialized();
    }

    /// <summary>The members: what each extends, its own parameters and what it would cost on its own.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Unshared
            ? string.Create(CultureInfo.InvariantCulture, $"{_members.Count} separate unshared networks, trained side by side: {TrainableParameters:N0} trainable parameters\n")
            : string.Create(CultureInfo.InvariantCulture, $"family of {_members.Count} networks: {TrainableParameters:N0} trainable parameters; as separate unshared networks {FullyParameterized:N0} ({(double)TrainableParameters / FullyParameterized:P1})\n"));
        for (int i = 0; i < _members.Count; i++)
        {
            var m = Members[i];
            text.Append(string.Create(CultureInfo.InvariantCulture,
                $"  {m.Network.ModelName}: {m.TrainableParameters:N0} own parameters (budget {m.Allocation.Budget:N0}), unshared alone {m.Network.UnsharedParameters:N0}, {(Unshared ? "a separate network" : NarrowerOf(i) is { } n ? "extends " + n : i == 0 ? "extends no member" : "extends no member: " + WhyStandalone(i))}\n"));
        }
        return text.ToString();
    }
}
