using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NpasDsl.Allocation;
using NpasDsl.Banks;
using NpasDsl.Combiners;
using NpasDsl.Initialization;
using NpasDsl.Layers;
using NpasDsl.Planning;
using NpasDsl.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl;

/// <summary>
/// Base class of every model declared with <c>[SharedBudget]</c>. The generated constructor calls this one,
/// which plans the allocation for the budget (re-checking a run-time override), creates and initialises the
/// banks, and then hands out the layers the generated code registers under their property names.
/// </summary>
public abstract class NpasModule : nn.Module<Tensor, Tensor>
{
    private readonly BankSet _banks;
    private readonly Generator _generator;
    private readonly Dictionary<string, Tensor> _initialMixtures;
    private readonly Dictionary<string, Tensor> _initialMasks;
    private readonly CoefficientEmbeddings? _embeddings;
    private readonly Dictionary<string, SharedLayer> _layers = new();

    /// <summary>
    /// Called by the placeholder constructor the generator writes for a model whose attributes have errors: throws,
    /// naming the model, so that code which builds it fails with the cause rather than compiling against nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">Always.</exception>
    public static NetworkSpec DeclarationWithErrors(string model)
        => throw new InvalidOperationException($"'{model}' has errors in its NpasDsl attributes (see the NPAS diagnostics in the build output), so it has no generated code and cannot be created until they are fixed.");

    /// <summary>Plans the allocation of <paramref name="declaration"/> and creates the banks.</summary>
    /// <exception cref="BudgetInfeasibleException">The (overridden) budget cannot be met.</exception>
    protected NpasModule(NetworkSpec declaration, NpasOptions? options) : base(declaration.ModelName)
    {
        Options = options ?? new NpasOptions();
        Network = declaration;
        var planned = declaration;
        // Before anything is planned or allocated: TorchSharp's "CUDA is not available." came only from the final move, after the whole model was built.
        if (Options.Device is { } requested && DeviceProblem(requested) is { } unusable)
            throw new ArgumentException($"NpasOptions.Device for '{declaration.ModelName}': {unusable}.", nameof(options));
        if (Options.Unshared && UnsharedConflict(Options) is { } conflict)
            throw new ArgumentException($"NpasOptions.Unshared builds '{declaration.ModelName}' with every weight its own, at the architecture's own parameter count, " +
                $"so it cannot be combined with {conflict}. Drop one of them.", nameof(options));
        if (Options.Allocation is { } saved)
        {
            if (saved.Model != declaration.ModelName)
                throw new AllocationMismatchException($"The allocation given to '{declaration.ModelName}' was made for '{saved.Model}': give it to a " +
                    $"'{saved.Model}', or load the allocation saved beside a '{declaration.ModelName}' checkpoint (<checkpoint>.allocation.json).",
                    $"it was made for a '{saved.Model}', not a '{declaration.ModelName}'");
            if (saved.Extends is { } extended && Options.Narrower?.Network.ModelName != extended)
                throw new AllocationMismatchException($"The allocation given to '{declaration.ModelName}' is of a family member that extends {extended}: build it inside the same ModelFamily, after {extended}.",
                    $"it is of a family member that extends {extended}");
            // No groups: saved from an unshared build (NpasOptions.Unshared), or a model with nothing to share, which that leaves as it is.
            if (saved.Groups.Count == 0) planned = planned.Unshared();
            planned = planned.WithAssignment(saved.ToAssignment()).WithCoefficientPartition(saved.ToCoefficientPartition()).WithBudget(BudgetSpec.Parameters(saved.Budget));
            // The saved sharing options are part of the layout: a model saved with NpasOptions.Sharing comes back with them.
            // Options given now replace them below, and the layout check then refuses the result unless a Budget is given too.
            var s = saved.Sharing;
            planned = planned.WithSharing(planned.Sharing.With(s.Strategy, s.Combiner, s.Upsampler, s.MaxTemplates, s.BankSplit, s.CoefficientSharing, s.MaskPeriod));
        }
        if (Options.Unshared) planned = planned.Unshared();
        if (Options.Narrower is { } narrower) planned = FamilyLayout.Extend(planned, narrower.Allocation.Network);
        if (Options.Budget is { } budget) planned = planned.WithBudget(budget);
        if (Options.Sharing is { } sharing)
        {
            // The generator's NPAS013 checks never saw these options: the same rules, checked here.
            if (sharing.Problems().Select(p => p.Problem).FirstOrDefault() is { } invalid)
                throw new ArgumentException($"Invalid sharing options for '{declaration.ModelName}': {invalid}.", nameof(options));
            planned = planned.WithSharing(sharing);
        }
        if (Options.AssignmentOverride is { } assignment) planned = planned.WithAssignment(assignment);
        if (planned.Budget.Validate() is { } problem)
            throw new ArgumentException($"Invalid budget for '{declaration.ModelName}': {problem}. Use a finite fraction above 0 or a positive parameter count.", nameof(options));
        // The generator's NPAS013 saw the declared strategy only: a Sharing given now may name groups as [ShareGroup] does.
        if (GroupAssigner.StrategyNameClash(planned) is { } clash)
            throw new ArgumentException($"Invalid sharing options for '{declaration.ModelName}': {GroupAssigner.ClashProblem(planned, clash)}.", nameof(options));
        Allocation = BudgetPlanner.Plan(planned);
        if (Options.Allocation is { } expected && Options.Budget is null && AllocationFile.From(Allocation) is var rebuilt && rebuilt.FirstDifference(expected) is { } difference)
        {
            if (Options.Sharing is not null && rebuilt.Sharing.Effective() != expected.Sharing.Effective())
                throw new ArgumentException($"NpasOptions.Sharing for '{declaration.ModelName}' asks for {rebuilt.Sharing} but the allocation given was saved with {expected.Sharing}, " +
                    "and a saved allocation is rebuilt exactly. Drop NpasOptions.Sharing (the allocation carries its own), or give NpasOptions.Budget as well to plan afresh under the new options.", nameof(options));
            throw new AllocationMismatchException($"The saved allocation does not come out the same for '{declaration.ModelName}': {difference}. " +
                "The model's declaration or NpasDsl changed since it was saved; search the groups again, or use the declaration it was saved with.",
                $"it does not come out the same for this declaration: {difference}");
        }
        Seed = Options.Seed ?? planned.Sharing.Seed;

        // One private generator draws every initial value in a fixed order (banks, coefficients, copy masks,
        // own weights), so two models built from one seed are identical whatever else uses the global RNG.
        _generator = new Generator(unchecked((ulong)Seed));
        _banks = new BankSet(Allocation, _generator);
        register_module("banks", _banks);
        // One split of every bank per training pass keeps back-propagation into the banks to one gradient each.
        register_forward_pre_hook(_ => _banks.BeginPass());
        register_forward_hook(_ => _banks.EndPass());
        _initialMixtures = CoefficientInitializer.Create(Allocation, _generator);
        if (Allocation.Network.Sharing.Combiner == Combiner.Embedding)
        {
            var templateCounts = Allocation.Layers.Where(l => l.Source == WeightSource.Bank && l.SharesWeightsWith is null).Select(l => l.Templates);
            _embeddings = new CoefficientEmbeddings(templateCounts, _generator);
            register_module("combiner", _embeddings);
        }
        _initialMasks = MaskInitializer.Create(Allocation, _generator); // a model without masks draws nothing here
    }

    /// <summary>
    /// Why TorchSharp cannot put a model on <paramref name="device"/> in this process (CUDA absent, or a CUDA index beyond the
    /// devices there), with the fix; null when it can. The model, a family and a group search's warm-up ask it before they build.
    /// </summary>
    internal static string? DeviceProblem(Device device)
    {
        if (device.type != DeviceType.CUDA) return null;
        if (!cuda.is_available())
            return $"{device} was asked for, but CUDA is not available to TorchSharp here (no NVIDIA GPU or driver, or only the TorchSharp-cpu backend is referenced); " +
                "leave Device null to stay on the CPU, or run where a GPU and a CUDA backend package (TorchSharp-cuda-linux or -windows) are";
        int count = cuda.device_count();
        return device.index >= count
            ? $"{device} was asked for, but this machine has {count} CUDA device{(count == 1 ? "" : "s")} (cuda:0{(count > 1 ? $" to cuda:{count - 1}" : "")}); give one of them, or cuda for the first"
            : null;
    }

    /// <summary>The option given beside <see cref="NpasOptions.Unshared"/> that it replaces, or null.</summary>
    private static string? UnsharedConflict(NpasOptions options)
        => options.Budget is not null ? "NpasOptions.Budget"
            : options.Sharing is not null ? "NpasOptions.Sharing"
            : options.Allocation is not null ? "NpasOptions.Allocation (an unshared model's saved allocation rebuilds it unshared without the option)"
            : options.Narrower is not null ? "a narrower family member to extend (a family built unshared gives its members none)"
            : options.AssignmentOverride is not null ? "a group assignment"
            : null;

    /// <summary>
    /// Everything is registered explicitly under its state-dict name. TorchSharp's default would also register
    /// every field it finds by reflection, duplicating components under their field names.
    /// </summary>
    protected override void RegisterComponents() { }

    /// <summary>The network as declared (budget before any override); the generated static <c>Declaration</c> of the model class.</summary>
    public NetworkSpec Network { get; }

    /// <summary>The options the model was created with.</summary>
    public NpasOptions Options { get; }

    /// <summary>The seed actually used.</summary>
    public long Seed { get; }

    /// <summary>The allocation: groups, banks, templates per layer, aliasing and the budget breakdown. Print it.</summary>
    public AllocationPlan Allocation { get; }

    /// <summary>The banks, by group name.</summary>
    public BankSet Banks => _banks;

    /// <summary>Trainable scalars of the model as built (always at most the budget).</summary>
    public long TrainableParameters => parameters().Where(p => p.requires_grad).Sum(p => p.numel());

    /// <summary>Creates the shared linear layer declared at <paramref name="path"/>.</summary>
    protected SharedLinear CreateLinear(string path) => Remember(new SharedLinear(Wire(path)));

    /// <summary>Creates the shared 1-D convolution declared at <paramref name="path"/>.</summary>
    protected SharedConv1d CreateConv1d(string path) => Remember(new SharedConv1d(Wire(path)));

    /// <summary>Creates the shared 2-D convolution declared at <paramref name="path"/>.</summary>
    protected SharedConv2d CreateConv2d(string path) => Remember(new SharedConv2d(Wire(path)));

    /// <summary>Creates the shared embedding declared at <paramref name="path"/>.</summary>
    protected SharedEmbedding CreateEmbedding(string path) => Remember(new SharedEmbedding(Wire(path)));

    /// <summary>Creates the batch norm declared at <paramref name="path"/>.</summary>
    protected BatchNorm2d CreateBatchNorm2d(string path) => nn.BatchNorm2d(Allocation.Layer(path).Spec.In);

    /// <summary>Creates the layer norm declared at <paramref name="path"/>.</summary>
    protected LayerNorm CreateLayerNorm(string path) => nn.LayerNorm(Allocation.Layer(path).Spec.In);

    /// <summary>Creates the <c>[Repeat(n)]</c> list <paramref name="property"/>: layer i is <c>{property}.{i}</c>.</summary>
    protected ModuleList<T> CreateList<T>(string property, Func<string, T> create) where T : nn.Module
    {
        var spec = Network.Layers.First(l => l.Name == property);
        return new ModuleList<T>(Enumerable.Range(0, spec.Count).Select(i => create(spec.InstanceName(i))).ToArray());
    }

    /// <summary>
    /// Called by the generated constructor once every layer is registered and <c>OnCreated</c> has run: checks that
    /// the model holds exactly the parameters the allocation accounted for, then moves it to the requested device.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model holds other trainable parameters than its allocation accounts for.</exception>
    protected void CompleteConstruction()
    {
        long actual = TrainableParameters;
        if (actual > Allocation.Breakdown.Total)
            throw new InvalidOperationException($"'{Network.ModelName}' holds {actual:N0} trainable parameters but its budget accounts for {Allocation.Breakdown.Total:N0}: " +
                "the budget bounds every trainable parameter, so a module or parameter registered in OnCreated cannot be trained beside it. Declare it as a " +
                "layer property with an attribute (so the budget plans it), register it as a buffer, or set requires_grad = false. (If OnCreated registers nothing, this is a bug in NpasDsl; please report it with the model declaration.)");
        if (actual != Allocation.Breakdown.Total)
            throw new InvalidOperationException($"'{Network.ModelName}' holds {actual:N0} trainable parameters but its allocation accounts for {Allocation.Breakdown.Total:N0}. This is a bug in NpasDsl; please report it with the model declaration.");
        _initialMixtures.Clear();
        _initialMasks.Clear();
        _generator.Dispose(); // it drew every initial value; a native object the model's own disposal would not free
        if (Options.Device is { } device) this.to(device);
    }

    /// <summary>Every shared layer with its path (<c>Stem</c>, <c>Body.2</c>), in registration order.</summary>
    public IEnumerable<(string Path, SharedLayer Layer)> SharedLayers()
        => named_modules().Where(m => m.module is SharedLayer).Select(m => (m.name, (SharedLayer)m.module));

    /// <summary>
    /// For inference: computes every generated weight once and runs plain convolutions and matrix products with
    /// it, so a forward pass costs what the unshared network costs. Outputs are bit-identical to the on-the-fly
    /// model. Puts the model in eval mode; <c>train()</c> drops the materialized weights (they would not learn), and so
    /// does a forward pass with autograd on where the parameters require gradients (the weights are generated again so
    /// they get them, and the step after may change them; frozen layers keep theirs): run inference inside
    /// <c>no_grad()</c>, and call this again after training or after changing parameters by hand. Loading a checkpoint and moving the model (<c>to</c>) compute them again.
    /// </summary>
    public void Materialize()
    {
        eval();
        foreach (var (_, layer) in SharedLayers()) layer.Materialize();
    }

    /// <summary>Computes the materialized weights again from the parameters (after a load or a fusion wrote them in place).</summary>
    internal void RefreshMaterialized()
    {
        foreach (var (_, layer) in SharedLayers())
            if (layer.IsMaterialized) layer.Materialize();
    }

    // A move casts or copies a materialized weight; generated again from the moved banks it is what the on-the-fly model
    // computes there, bit for bit (a float32 weight cast to float64 is not the float64 generation). At model level: when
    // a layer's own move runs, the banks it reads may not have moved yet.
    /// <inheritdoc />
    protected override nn.Module _to(DeviceType deviceType, int deviceIndex, bool non_blocking)
    {
        var moved = base._to(deviceType, deviceIndex, non_blocking);
        RefreshMaterialized();
        return moved;
    }

    /// <inheritdoc />
    protected override nn.Module _to(Device device, ScalarType dtype, bool non_blocking)
    {
        var moved = base._to(device, dtype, non_blocking);
        RefreshMaterialized();
        return moved;
    }

    /// <inheritdoc />
    protected override nn.Module _to(ScalarType dtype, bool non_blocking)
    {
        var moved = base._to(dtype, non_blocking);
        RefreshMaterialized();
        return moved;
    }

    /// <inheritdoc />
    public override void train(bool train = true)
    {
        if (train)
            foreach (var (_, layer) in SharedLayers()) layer.Dematerialize();
        base.train(train);
    }

    /// <summary>
    /// The state dict of the equivalent ordinary (unshared) TorchSharp model: every shared layer's generated
    /// weight as <c>{path}.weight</c> beside its bias, norms as they are, and no banks, coefficients, masks, embeddings or scales.
    /// It loads into a module built from <c>nn.Linear</c>, <c>nn.Conv2d</c>, ... with the same property names.
    /// </summary>
    public Dictionary<string, Tensor> ExportUnsharedStateDict() => Export(compact: false);

    /// <summary>
    /// Like <see cref="ExportUnsharedStateDict"/>, but a layer that shares another's weights exactly (SPIN) has
    /// no weight or bias of its own: the compact form of a SPIN model, with one weight and bias per weight set.
    /// </summary>
    public Dictionary<string, Tensor> ExportCompactStateDict() => Export(compact: true);

    private Dictionary<string, Tensor> Export(bool compact)
    {
        var export = new Dictionary<string, Tensor>();
        var generated = SharedLayers().ToDictionary(l => l.Path, l => l.Layer);
        using var _ = no_grad();
        foreach (var (name, tensor) in state_dict())
        {
            // Only what this model registered itself: a layer of a hand-written NpasModule may be called "combiner".
            if (name.StartsWith("banks.", StringComparison.Ordinal) || (_embeddings is not null && name.StartsWith("combiner.", StringComparison.Ordinal))) continue;
            int dot = name.LastIndexOf('.');
            string owner = dot < 0 ? "" : name.Substring(0, dot), entry = name.Substring(dot + 1);
            if (generated.ContainsKey(owner) && entry is "coefficients" or "scale" or "embedding" or "mask") continue;
            export[name] = tensor.detach().clone();
        }
        foreach (var (path, layer) in generated)
            if (!compact || layer.Plan.SharesWeightsWith is null)
            {
                export[path + ".weight"] = layer.Weight().detach().clone();
                // A SPIN repeat registers no bias (it uses its set's); the ordinary model has one per layer.
                if (!compact && layer.Bias is { } bias && !export.ContainsKey(path + ".bias")) export[path + ".bias"] = bias.detach().clone();
            }
        return export;
    }

    /// <summary>Saves <see cref="ExportUnsharedStateDict"/> in TorchSharp's format, atomically; <c>load</c> it into the unshared model.</summary>
    public void SaveUnshared(string path)
    {
        var export = ExportUnsharedStateDict();
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream);
            save_state_dict(writer, export);
        });
    }

    /// <summary>Where the allocation of a checkpoint is saved: beside it, <c>{checkpoint}.allocation.json</c>.</summary>
    public static string AllocationPathFor(string checkpoint) => checkpoint + ".allocation.json";

    /// <summary>
    /// Saves the state dict and, beside it, the allocation as JSON, each file atomically. They are two writes: a crash
    /// between them leaves the new weights beside the previous allocation, which <see cref="LoadCheckpoint"/> then
    /// refuses if the two allocations differ (the weights are written first for that reason). The trainer's checkpoints
    /// do not have this window: their files carry the step in their names and one manifest names the pair.
    /// </summary>
    public void SaveCheckpoint(string path)
    {
        SaveAtomically(path);
        AllocationFile.From(Allocation).Save(AllocationPathFor(path));
    }

    /// <summary>
    /// Loads a checkpoint saved by <see cref="SaveCheckpoint"/>, first checking that it was saved from a model with
    /// this allocation; a different one fails with <see cref="AllocationMismatchException"/> saying what differs.
    /// A state dict with no <c>.allocation.json</c> beside it (one written by <c>save</c>) has no allocation to
    /// compare, so only its own names and shapes are checked, by TorchSharp's load.
    /// </summary>
    /// <exception cref="AllocationMismatchException">The checkpoint was saved from another model or allocation.</exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="CheckpointException">The file is not a state dict of this model (another model's, truncated, or no checkpoint at all).</exception>
    public void LoadCheckpoint(string path) => LoadNamed(path, Network.ModelName, LoadCheckpointFile);

    /// <summary>
    /// Runs <paramref name="load"/> on a checkpoint file and turns TorchSharp's refusals of a file that is not a state dict of
    /// the model ("Mismatched state_dict sizes", an end of stream) into a <see cref="CheckpointException"/> naming the file.
    /// </summary>
    internal static void LoadNamed(string path, string modelName, Action<string> load)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"There is no checkpoint at {path}: give the path SaveCheckpoint was given (a file, not its directory).", path);
        try
        {
            load(path);
        }
        catch (Exception e) when (e is ArgumentException or EndOfStreamException or InvalidDataException or IOException && e is not FileNotFoundException)
        {
            throw new CheckpointException($"{path} cannot be loaded into this '{modelName}': {e.Message}. It is not a checkpoint SaveCheckpoint wrote for this model " +
                "(another model's, cut short, or another kind of file); the model's weights may be partly replaced, so create it again before using it.", e);
        }
    }

    /// <summary><see cref="LoadCheckpoint"/> without its translation of TorchSharp's errors: the trainer's checkpoint store words them itself.</summary>
    internal void LoadCheckpointFile(string path)
    {
        var allocationPath = AllocationPathFor(path);
        string? json = File.Exists(allocationPath) ? File.ReadAllText(allocationPath) : null;
        // A family's checkpoint is whole, not damaged: it was refused as "not an NpasDsl allocation", and the trainer's resume
        // then called the checkpoint damaged and advised overwriting it.
        if (json is not null && AllocationFile.FormatOf(json) == Families.FamilyAllocations.Format)
        {
            string members = string.Join("+", Families.FamilyAllocations.Load(allocationPath).Select(m => m.Model));
            throw new AllocationMismatchException(
                $"The checkpoint {path} was saved from a family of networks ({members}), not a '{Network.ModelName}': load it into a ModelFamily of those members, or load a checkpoint of a {Network.ModelName} here.",
                $"it was saved from a family of networks ({members}), not a '{Network.ModelName}'") { SavedFrom = $"a family of networks ({members})" };
        }
        if (json is not null && AllocationFile.Parse(json, allocationPath) is var saved && AllocationFile.From(Allocation).FirstDifference(saved) is { } difference)
            throw saved.Model != Network.ModelName
                ? new AllocationMismatchException(
                    $"The checkpoint {path} was saved from a '{saved.Model}', not a '{Network.ModelName}': load it into a {saved.Model}, or load a checkpoint of a {Network.ModelName} here.",
                    $"it was saved from a '{saved.Model}', not a '{Network.ModelName}'")
                : new AllocationMismatchException(
                    $"The checkpoint {path} was saved from a '{Network.ModelName}' with another allocation: {difference}. Create the model with " +
                    $"new {Network.ModelName}(new NpasOptions {{ Allocation = AllocationFile.Load(\"{allocationPath}\") }}) and load it again.",
                    difference);
        load(path);
        RefreshMaterialized(); // the load wrote the banks in place: a weight computed from the old ones would be stale
    }

    /// <summary>Saves the state dict to <paramref name="path"/> atomically: a crash never leaves a half-written file there.</summary>
    public void SaveAtomically(string path) => AtomicFile.Write(path, stream =>
    {
        using var writer = new BinaryWriter(stream);
        save(writer);
    });

    private LayerWiring Wire(string path)
    {
        var plan = Allocation.Layer(path);
        Tensor? initialWeight = null;
        if (plan.Source == WeightSource.Own)
        {
            using var _ = no_grad();
            var shape = plan.Spec.IsExtension(plan.Index) ? new[] { plan.GeneratedSize } : plan.WeightShape.ToArray();
            initialWeight = empty(shape).normal_(0, plan.Spec.InitialStd, _generator).DetachFromDisposeScope();
        }
        _initialMixtures.TryGetValue(path, out var mixture);
        _initialMasks.TryGetValue(path, out var mask);
        SharedLayer? owner = null;
        if (plan.SharesWeightsWith is { } ownerPath && !_layers.TryGetValue(ownerPath, out owner))
            throw new InvalidOperationException($"Layer '{path}' shares the weights of '{ownerPath}', which has not been created yet.");
        SharedLayer? biasOwner = null;
        if (plan.Spec.BiasSize > 0 && plan.Spec.BiasOwnerOf(plan.Index) is var first && first != plan.Index
            && !_layers.TryGetValue(plan.Spec.InstanceName(first), out biasOwner))
            throw new InvalidOperationException($"Layer '{path}' shares the bias of '{plan.Spec.InstanceName(first)}', which has not been created yet.");
        SharedLayer? narrower = null;
        if (plan.Spec.IsExtension(plan.Index) && !Options.Narrower!._layers.TryGetValue(path, out narrower))
            throw new InvalidOperationException($"Layer '{path}' extends the narrower family member's layer of that name, which {Options.Narrower.Network.ModelName} does not have.");
        SharedLayer? coefficientOwner = null;
        if (plan.CoefficientsFrom is { } from && !_layers.TryGetValue(from, out coefficientOwner))
            throw new InvalidOperationException($"Layer '{path}' reads the coefficients of '{from}', which has not been created yet.");
        return new LayerWiring(plan, _banks, Allocation.Network.Sharing.Combiner, _embeddings, mixture, initialWeight, owner, narrower)
        {
            SoftmaxCoefficients = Options.SoftmaxCoefficients,
            KeepWeightGradient = Options.KeepWeightGradients,
            CoefficientOwner = coefficientOwner,
            BiasOwner = biasOwner,
            LendsCoefficients = Lenders.Contains(path),
            InitialMask = mask,
            MaskPeriod = Allocation.Network.Sharing.MaskPeriod,
            Hashed = plan.Source == WeightSource.Bank && Allocation.Network.Sharing.HashesLayer(plan.GeneratedSize, Allocation.Group(plan.Group!).BankSize, plan.Templates),
        };
    }

    /// <summary>The layers whose coefficient vector other layers read (coefficient sharing), found once rather than per layer.</summary>
    private HashSet<string> Lenders => _lenders ??= new HashSet<string>(Allocation.Layers.Select(l => l.CoefficientsFrom).OfType<string>(), StringComparer.Ordinal);
    private HashSet<string>? _lenders;

    private T Remember<T>(T layer) where T : SharedLayer
    {
        _layers[layer.Plan.Path] = layer;
        return layer;
    }
}
