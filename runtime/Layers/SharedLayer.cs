using System;
using System.Linq;
using NpasDsl.Banks;
using NpasDsl.Combiners;
using NpasDsl.Families;
using NpasDsl.Layers;
using NpasDsl.Planning;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl;

/// <summary>
/// A layer whose weight is either generated from its group's bank (state dict: <c>coefficients</c>,
/// <c>scale</c>, and <c>mask</c> for a layer the Mask upsampler tiles) or is its own ordinary parameter
/// (<c>weight</c>). The bias is its own too, except under SPIN exact sharing, where a weight set's repeats are
/// one layer computed several times: they use the set's first layer's weight and bias alike, and register neither.
/// </summary>
public abstract partial class SharedLayer : nn.Module<Tensor, Tensor>
{
    // Field names equal the registered names: TorchSharp's .to() finds and replaces tensors by field name.
#pragma warning disable IDE1006 // the names are the state-dict keys
    /// <summary>The own weight, when the layer does not draw from a bank.</summary>
    protected Parameter? weight;
    /// <summary>The learned combiner coefficients α (one per template; weighted-average combiner).</summary>
    protected Parameter? coefficients;
    /// <summary>The fixed embedding φ_l (a buffer; embedding combiner).</summary>
    protected Tensor? embedding;
    /// <summary>The learned masks of the copies after the first (Mask upsampler, a layer larger than its bank).</summary>
    protected Parameter? mask;
    /// <summary>The fixed initial-scale correction s (a buffer, not trained).</summary>
    protected Tensor? scale;
    /// <summary>The bias (null on a layer that shares another's weight set exactly: it uses that layer's bias).</summary>
    protected Parameter? bias;
#pragma warning restore IDE1006

    private readonly BankSet _banks;
    private readonly long[] _shape;
    private readonly SharedLayer? _weightOwner;
    private readonly SharedLayer? _biasOwner;
    private readonly SharedLayer? _narrower;
    private readonly Combiner _combiner;
    private readonly CoefficientEmbeddings? _embeddings;
    private readonly bool _softmax;
    private readonly bool _keepWeightGradient;
    private readonly HashedCopies? _hash;
    private readonly int _maskPeriod;
    private Tensor? _materialized;
    private bool _reuseWithinPass;
    private Tensor? _passWeight;

    /// <summary>Creates the layer from its wiring.</summary>
    protected SharedLayer(string name, LayerWiring wiring) : base(name)
    {
        // A private scope: temporaries of the initialisation are freed here, and the tensors the layer keeps
        // are detached so that a dispose scope the caller has open cannot free them.
        using var scope = NewDisposeScope();
        Plan = wiring.Plan;
        _banks = wiring.Banks;
        _shape = Plan.WeightShape.ToArray();
        var spec = Plan.Spec;
        _weightOwner = wiring.WeightOwner; // exact (SPIN) sharing: the owner's weight is this layer's weight
        _biasOwner = wiring.BiasOwner;     // and its bias this layer's bias
        _narrower = wiring.Narrower;       // a family of networks: the narrower member's weight is this one's top-left block
        if (Plan.Spec.IsExtension(Plan.Index) != (_narrower is not null))
            throw new ArgumentException($"Layer '{Plan.Path}' is planned {(_narrower is null ? "as an extension of a narrower family member but has none" : "without a narrower family member but was given one")}.");
        _combiner = wiring.Combiner;
        _embeddings = wiring.Embeddings;
        _softmax = wiring.SoftmaxCoefficients;
        _keepWeightGradient = wiring.KeepWeightGradient;
        if (_weightOwner is null && Plan.Source == WeightSource.Bank)
        {
            switch (_combiner)
            {
                case Combiner.WeightedAverage when wiring.CoefficientOwner is { } owner:
                    _coefficientOwner = owner; // coefficient sharing: the set's vector is registered on its first member
                    _lendsCoefficients = wiring.LendsCoefficients;
                    break;
                case Combiner.WeightedAverage:
                    _lendsCoefficients = wiring.LendsCoefficients;
                    coefficients = new Parameter(Mixture(wiring));
                    coefficients.DetachFromDisposeScope();
                    register_parameter(nameof(coefficients), coefficients);
                    break;
                case Combiner.Embedding:
                    embedding = Mixture(wiring).DetachFromDisposeScope();
                    register_buffer(nameof(embedding), embedding);
                    break;
            }
            if (wiring.Hashed) _hash = HashedCopies.For(Plan, _banks[Plan.Group!].shape[0]);
            if (Plan.Masks > 0)
            {
                _maskPeriod = wiring.MaskPeriod;
                mask = new Parameter(wiring.InitialMask ?? throw new ArgumentException($"Layer '{Plan.Path}' is tiled with masks but has no initial masks."));
                mask.DetachFromDisposeScope();
                register_parameter(nameof(mask), mask);
            }
            // Measured with the masks in place, so the masked copies start at the Kaiming spread too.
            using var one = ones(1);
            float s = WeightedAverageCombiner.InitialScale(() => Generate(one), Plan.GeneratedSize, spec.InitialStd);
            scale = tensor(new[] { s }).DetachFromDisposeScope();
            register_buffer(nameof(scale), scale);
        }
        else if (_weightOwner is null && Plan.Source != WeightSource.Inherited)
        {
            weight = new Parameter(wiring.InitialWeight ?? throw new ArgumentException($"Layer '{Plan.Path}' owns its weight but has no initial value."));
            weight.DetachFromDisposeScope();
            register_parameter(nameof(weight), weight);
        }
        if (spec.BiasSize > 0 && _biasOwner is null)
        {
            bias = new Parameter(zeros(spec.BiasSize));
            bias.DetachFromDisposeScope();
            register_parameter(nameof(bias), bias);
        }
    }

    /// <summary>
    /// Everything is registered explicitly under its state-dict name. TorchSharp's default would also register
    /// every field it finds by reflection, duplicating components under their field names.
    /// </summary>
    protected override void RegisterComponents() { }

    /// <summary>This layer's allocation: group, templates, offset.</summary>
    public LayerPlan Plan { get; }

    /// <summary>The bias, or null: this layer's own, or that of the layer whose weight set it shares exactly.</summary>
    public Tensor? Bias => BiasOverride?.Invoke() ?? (_biasOwner is not null ? _biasOwner.Bias : bias);

    /// <summary>Replaces the bias while set (SPIN fusion learns its γ for weight and bias alike).</summary>
    internal Func<Tensor>? BiasOverride { get; set; }

    /// <summary>
    /// The layer's full weight: generated from the bank (a new tensor in the current dispose scope), or its
    /// own parameter. Do not dispose the result: for an own weight it is the parameter itself.
    /// </summary>
    public Tensor Weight() => Weight(fresh: false);

    /// <summary>
    /// The weight; <paramref name="fresh"/> ignores a materialized weight. A family member in training asks its narrower
    /// member for a fresh weight, so its gradient reaches the narrower banks even when that member was materialized.
    /// </summary>
    private Tensor Weight(bool fresh)
    {
        if (_weightOwner is not null) return _weightOwner.Weight(fresh);
        if (WeightOverride is not null) return WeightOverride();
        // With autograd on, the cached weight (detached) would leave the parameters without gradients: generate it again.
        if (_materialized is not null && !fresh && !is_grad_enabled()) return _materialized;
        if (_passWeight is not null) return _passWeight;
        var result = _narrower is not null
            ? FamilyWeight.Compose(_narrower.Weight(fresh || training), Plan.Source == WeightSource.Inherited ? null : OwnPart(), _shape)
            : OwnPart();
        // A weight generated with gradients can be stepped after this pass, which would leave the cache stale for the next
        // no_grad pass: drop it. (Frozen parameters give a weight without gradients, and the cache stays.)
        if (_materialized is not null && !fresh && result.requires_grad) Dematerialize();
        if (_reuseWithinPass) _passWeight = result;
        return result;
    }

    /// <summary>
    /// Between these calls every weight is generated once and reused: a family's members read the narrower
    /// members' weights, which would otherwise be generated again for every member of one forward pass.
    /// </summary>
    internal void BeginSharedPass() => _reuseWithinPass = true;

    /// <summary>Ends <see cref="BeginSharedPass"/>: the reused weights live on only in the autograd graph.</summary>
    internal void EndSharedPass()
    {
        _reuseWithinPass = false;
        _passWeight = null;
    }

    /// <summary>The part of the weight this layer holds or generates itself: all of it, or a family extension's extra rows and columns (flat).</summary>
    private Tensor OwnPart()
    {
        if (weight is not null) return weight;
        var generated = Generate(scale!);
        if (_narrower is null) generated = generated.view(_shape);
        if (_keepWeightGradient && generated.requires_grad)
        {
            generated.retain_grad();
            LastWeight = generated;
        }
        return generated;
    }

    /// <summary>While set, hears the multiply-accumulates of every forward pass (<see cref="Families.MacCounter"/>).</summary>
    internal Action<long>? MacObserver { get; set; }

    /// <summary>Reports <paramref name="output"/>'s multiply-accumulates (each output element costs <paramref name="perOutput"/>) to a counter, if one listens.</summary>
    protected Tensor Counted(Tensor output, long perOutput)
    {
        MacObserver?.Invoke(output.numel() * perOutput);
        return output;
    }

    /// <summary>The weight generated by the last forward pass, when the model keeps weight gradients (group searches).</summary>
    internal Tensor? LastWeight { get; private set; }

    /// <summary>Forgets <see cref="LastWeight"/>, so that a layer the next pass does not use reports no gradient rather than an old one.</summary>
    internal void ForgetLastWeight() => LastWeight = null;

    /// <summary>Replaces the generated weight while set (SPIN fusion learns its γ through the model this way).</summary>
    internal Func<Tensor>? WeightOverride { get; set; }

    /// <summary>
    /// Makes the generated weight equal <paramref name="target"/>: the first template of the layer's bank region
    /// becomes target / s and the coefficients select it alone (α = e_1). Only for a layer that owns its bank
    /// region (no other layer reads it) and reads K whole templates; returns why not otherwise.
    /// </summary>
    internal string? SetGeneratedWeight(Tensor target, bool regionIsExclusive)
    {
        if (weight is not null)
        {
            using (no_grad()) weight.copy_(target.view(_shape));
            return null;
        }
        if (_weightOwner is not null) return "it shares the weights of another layer";
        if (_narrower is not null) return "it extends a narrower family member's weight";
        if (!regionIsExclusive) return "other layers read the same bank entries";
        if (Plan.Grid is not null || Plan.Spec.WeightSize > _banks[Plan.Group!].shape[0]) return "it is grown from a smaller bank";
        if (_combiner is Combiner.Embedding) return "the embedding combiner shares its coefficients between layers";
        if (_coefficientOwner is not null || _lendsCoefficients) return "it shares its coefficient vector with other layers";
        if (_softmax) return "it belongs to a group-search warm-up model";
        using var _ = no_grad();
        var bank = _banks[Plan.Group!];
        long size = Plan.Spec.WeightSize;
        if (_combiner is not Combiner.WeightedAverage && Plan.Templates * size > bank.shape[0])
            return "its templates overlap each other in the bank, so their mean cannot be set to a given weight";
        var indices = (arange(size, dtype: ScalarType.Int64, device: bank.device) + Plan.Offset) % bank.shape[0];
        var first = (target.to(bank.device).reshape(size) / scale!).to_type(bank.dtype);
        if (_combiner is Combiner.WeightedAverage)
        {
            coefficients!.zero_();
            coefficients[0] = 1f;
            bank.index_copy_(0, indices, first);
        }
        else
        {
            // Average and round robin: every template must equal the target (the mean of equal templates is the template).
            for (int k = 0; k < Plan.Templates; k++) bank.index_copy_(0, (indices + k * size) % bank.shape[0], first);
        }
        return null;
    }

    /// <summary>The gradient of the layer's weight after a backward pass: of the generated weight, or of its own.</summary>
    internal Tensor? WeightGradient => LastWeight?.grad ?? weight?.grad;

    /// <summary>The coefficients α as the combiner uses them: raw, or softmax over K in a learned-grouping warm-up.</summary>
    internal Tensor? Mixing => ReadCoefficients() is not { } raw ? null : _softmax ? raw.softmax(0) : raw;

    /// <summary>The flat generated weight with scale <paramref name="weightScale"/>, by this layer's combiner.</summary>
    private Tensor Generate(Tensor weightScale)
    {
        var weights = _combiner is Combiner.WeightedAverage or Combiner.Embedding ? Weights() : null;
        // In a training pass, combined without keeping the templates until the backward pass (see WeightedAverageFunction).
        if (weights is { requires_grad: true } && is_grad_enabled() && mask is null && _hash is null && Plan.Grid is null)
            return WeightedAverageFunction.Combine(weights * weightScale, _banks[Plan.Group!], Plan.Offset, Plan.ReadLength, Plan.GeneratedSize);
        var templates = TemplateReader.Read(_banks, Plan, mask, _maskPeriod, _hash);
        return weights is not null
            ? WeightedAverageCombiner.Combine(templates, weights, weightScale)
            : AverageCombiner.Combine(templates, weightScale); // average; round robin has K = 1
    }

    /// <summary>The K weights α of the templates: the layer's coefficients, or the embedding combiner's A_K φ_l + b_K.</summary>
    internal Tensor Weights() => _combiner is Combiner.Embedding ? _embeddings!.Mix(Plan.Templates, embedding!) : Mixing!;

    private Tensor Mixture(LayerWiring wiring)
        => wiring.InitialMixture ?? throw new ArgumentException($"Layer '{Plan.Path}' combines with {_combiner} but has no initial coefficients.");

    /// <summary>Whether the generated weight is computed once and reused (see <see cref="NpasModule.Materialize"/>).</summary>
    public bool IsMaterialized => _materialized is not null || (Plan.Source == WeightSource.Inherited && _narrower!.IsMaterialized);

    /// <summary>Computes the generated weight once, with the very ops of the on-the-fly path, and reuses it.</summary>
    internal void Materialize()
    {
        // Shares another layer's weight, owns a plain one, or is a narrower family member's very weight: nothing of its own to compute
        // (and nothing to dispose later that another layer still uses).
        if (_weightOwner is not null || (weight is not null && _narrower is null) || Plan.Source == WeightSource.Inherited) return;
        Dematerialize();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        _materialized = Weight().DetachFromDisposeScope();
    }

    /// <summary>
    /// Moves the hash map and a materialized weight with the module (neither is a registered tensor: the map is rebuilt,
    /// never stored, and the weight is a cache). Left behind, either would meet the moved input on another device.
    /// </summary>
    protected override nn.Module _to(DeviceType deviceType, int deviceIndex, bool non_blocking)
    {
        var moved = base._to(deviceType, deviceIndex, non_blocking);
        var device = new Device(deviceType, deviceIndex);
        _hash?.MoveTo(device);
        MoveMaterialized(w => w.to(device, non_blocking: non_blocking));
        return moved;
    }

    /// <inheritdoc cref="_to(DeviceType, int, bool)" />
    protected override nn.Module _to(Device device, ScalarType dtype, bool non_blocking)
    {
        var moved = base._to(device, dtype, non_blocking);
        _hash?.MoveTo(device);
        MoveMaterialized(w => w.to(dtype, device, non_blocking: non_blocking));
        return moved;
    }

    /// <inheritdoc cref="_to(DeviceType, int, bool)" />
    protected override nn.Module _to(ScalarType dtype, bool non_blocking)
    {
        var moved = base._to(dtype, non_blocking);
        MoveMaterialized(w => w.to(dtype, non_blocking: non_blocking));
        return moved;
    }

    private void MoveMaterialized(Func<Tensor, Tensor> move)
    {
        if (_materialized is null) return;
        using var _ = no_grad();
        var moved = move(_materialized);
        if (ReferenceEquals(moved, _materialized)) return;
        _materialized.Dispose();
        _materialized = moved;
    }

    /// <summary>The device of the hash map, or null for a layer that is not hashed (tests).</summary>
    internal Device? HashDevice => _hash?.Device;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
            Dematerialize();
        }
        base.Dispose(disposing);
    }

    /// <summary>Drops the materialized weight, so the next forward generates it from the bank again.</summary>
    internal void Dematerialize()
    {
        _materialized?.Dispose();
        _materialized = null;
    }
}
