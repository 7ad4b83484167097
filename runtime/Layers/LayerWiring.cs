using NpasDsl.Banks;
using NpasDsl.Combiners;
using NpasDsl.Planning;
using static TorchSharp.torch;

namespace NpasDsl.Layers;

/// <summary>What a shared layer needs from its model at construction: its plan, the banks and its initial values.</summary>
public sealed class LayerWiring
{
    internal LayerWiring(LayerPlan plan, BankSet banks, Combiner combiner, CoefficientEmbeddings? embeddings,
        Tensor? initialMixture, Tensor? initialWeight, SharedLayer? weightOwner = null, SharedLayer? narrower = null)
    {
        Narrower = narrower;
        Combiner = combiner;
        Embeddings = embeddings;
        WeightOwner = weightOwner;
        Plan = plan;
        Banks = banks;
        InitialMixture = initialMixture;
        InitialWeight = initialWeight;
    }

    /// <summary>The layer's allocation.</summary>
    public LayerPlan Plan { get; }
    internal BankSet Banks { get; }
    /// <summary>How the layer combines its templates.</summary>
    public Combiner Combiner { get; }
    internal CoefficientEmbeddings? Embeddings { get; }
    /// <summary>The initial α (weighted average) or φ (embedding combiner); null for the others.</summary>
    internal Tensor? InitialMixture { get; }
    internal Tensor? InitialWeight { get; }
    /// <summary>The initial copy masks m (Mask upsampler, a layer tiled from a smaller bank); null for none.</summary>
    internal Tensor? InitialMask { get; init; }
    /// <summary>The Mask upsampler's period P (<see cref="SharingSpec.MaskPeriod"/>): how <see cref="InitialMask"/> repeats along each copy.</summary>
    internal int MaskPeriod { get; init; } = SharingDefaults.MaskPeriod;
    /// <summary>Whether the layer reads its tiled bank entries through a hash map (<see cref="SharingSpec.HashesLayer"/>).</summary>
    internal bool Hashed { get; init; }
    /// <summary>Pass the weighted-average coefficients through a softmax over K.</summary>
    internal bool SoftmaxCoefficients { get; init; }
    /// <summary>Keep the gradient of each generated weight (for the gradient-conflict search).</summary>
    internal bool KeepWeightGradient { get; init; }
    /// <summary>With coefficient sharing, the first member of the layer's set, whose coefficient vector it reads; null when it owns its own.</summary>
    internal SharedLayer? CoefficientOwner { get; init; }
    /// <summary>Whether other layers read this layer's coefficient vector.</summary>
    internal bool LendsCoefficients { get; init; }
    /// <summary>With exact (SPIN) sharing, the layer whose weight this one uses.</summary>
    internal SharedLayer? WeightOwner { get; }
    /// <summary>
    /// With exact (SPIN) sharing, the first layer of this one's weight set, whose bias it uses. Set even where the
    /// weight comes from elsewhere (a family member's repeat that inherits the narrower member's weight).
    /// </summary>
    internal SharedLayer? BiasOwner { get; init; }
    /// <summary>In a family of networks, the narrower member's layer whose weight is this one's top-left block.</summary>
    internal SharedLayer? Narrower { get; }
}
