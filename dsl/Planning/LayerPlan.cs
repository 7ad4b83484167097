using System.Collections.Generic;

namespace NpasDsl.Planning;

/// <summary>How one layer gets its weight.</summary>
public enum WeightSource
{
    /// <summary>Generated from templates read out of its group's bank.</summary>
    Bank,
    /// <summary>An ordinary weight of its own (<c>[NoShare]</c>, or a single-layer group paid in full).</summary>
    Own,
    /// <summary>No shareable weight (norm layers).</summary>
    None,
    /// <summary>In a family of networks, exactly the narrower member's weight (same shape): nothing of its own.</summary>
    Inherited,
}

/// <summary>The allocation of one layer (one element of a <c>[Repeat]</c> list counts as one layer).</summary>
public sealed class LayerPlan
{
    internal LayerPlan(LayerSpec spec, int index, WeightSource source, string? group, int templates, long offset, string? note,
        string? sharesWeightsWith = null, long coefficients = 0, InterpolationGrid? grid = null, string? coefficientsFrom = null, long masks = 0)
    {
        CoefficientsFrom = coefficientsFrom;
        Masks = masks;
        Grid = grid;
        SharesWeightsWith = sharesWeightsWith;
        Coefficients = coefficients;
        Spec = spec;
        Index = index;
        Source = source;
        Group = group;
        Templates = templates;
        Offset = offset;
        Note = note;
    }

    /// <summary>The declared property this layer belongs to.</summary>
    public LayerSpec Spec { get; }
    /// <summary>The position in a <c>[Repeat]</c> list (0 for a single layer).</summary>
    public int Index { get; }
    /// <summary>The layer's name and state-dict prefix: <c>Stem</c> or <c>Body.2</c>.</summary>
    public string Path => Spec.InstanceName(Index);
    /// <summary>Where the weight comes from.</summary>
    public WeightSource Source { get; }
    /// <summary>The group whose bank the layer reads (null unless <see cref="Source"/> is <see cref="WeightSource.Bank"/>).</summary>
    public string? Group { get; }
    /// <summary>K_l: the number of templates combined (0 unless banked).</summary>
    public int Templates { get; }
    /// <summary>Where in the (circular) bank the first template starts.</summary>
    public long Offset { get; }
    /// <summary>Bank entries read, counting repeats: K_l · |W_l|, or the grid of an interpolated layer.</summary>
    public long ReadLength => Grid?.Size ?? (long)Templates * GeneratedSize;
    /// <summary>The weight entries the layer generates or holds itself: |W|, or what a family extension adds to the narrower member's block.</summary>
    public long GeneratedSize => Spec.GeneratedSize(Index);
    /// <summary>For a layer grown by the Interpolate upsampler, the grid of bank entries it resizes; otherwise null.</summary>
    public InterpolationGrid? Grid { get; }
    /// <summary>
    /// With exact (SPIN) sharing, the path of the layer whose weight this one uses as its own (same bank
    /// region, same coefficients); null when the layer owns its weight set.
    /// </summary>
    public string? SharesWeightsWith { get; }
    /// <summary>Learned coefficients this layer owns (the weighted average's α_l: one per template; none for other combiners or a layer that shares another's weights).</summary>
    public long Coefficients { get; }
    /// <summary>
    /// With coefficient sharing, the path of the layer whose coefficient vector this one reads (the first member of its
    /// set); null when it reads its own, or has none.
    /// </summary>
    public string? CoefficientsFrom { get; }
    /// <summary>
    /// Learned mask entries this layer owns: with the Mask upsampler, those of the copies after the first of a layer
    /// tiled from a smaller bank (<see cref="CopyMasks"/>); 0 otherwise, and for a layer that shares another's weights.
    /// </summary>
    public long Masks { get; }
    /// <summary>The weight shape.</summary>
    public IReadOnlyList<long> WeightShape => Spec.WeightShape;
    /// <summary>Why the layer is allocated as it is, when that is worth saying.</summary>
    public string? Note { get; }
}
