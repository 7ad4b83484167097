using System;
using System.Collections.Generic;
using System.Globalization;

namespace NpasDsl.Planning;

/// <summary>
/// One declared layer property, as the generator read it from its attributes. A <c>[Repeat(n)]</c> property
/// is one spec with <see cref="Repeat"/> = n; the planner expands it into n layers named <c>Name.0</c> ... .
/// </summary>
public sealed class LayerSpec
{
    private LayerSpec(string name, LayerKind kind, int inSize, int outSize, int kernelHeight, int kernelWidth,
        int stride, int padding, int dilation, int groups, bool bias, int repeat, bool noShare, string? group,
        int shareRate = 0, ShareMapping mapping = ShareMapping.Sequential, LayerExtension? extension = null)
    {
        // The generator refuses these at compile time; a spec built in code gets the same rules here, not a
        // KeyNotFoundException in the planner or fusions averaging sets of unequal size.
        if (repeat < 0) throw new ArgumentOutOfRangeException(nameof(repeat), repeat, $"Layer '{name}': the repeat count must be 0 (one layer) or more.");
        if (shareRate < 0) throw new ArgumentOutOfRangeException(nameof(shareRate), shareRate, $"Layer '{name}': the share rate must be 0 (no exact sharing) or more.");
        if (shareRate > 0 && (repeat == 0 ? 1 : repeat) % shareRate != 0)
            throw new ArgumentException($"Layer '{name}': the share rate {shareRate} must divide the {(repeat == 0 ? 1 : repeat)} repeated layers (SPIN's r divides D); use a divisor of {(repeat == 0 ? 1 : repeat)}.", nameof(shareRate));
        Extension = extension;
        Name = name;
        Kind = kind;
        In = inSize;
        Out = outSize;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        Bias = bias;
        Repeat = repeat;
        NoShare = noShare;
        Group = group;
        ShareRate = shareRate;
        Mapping = mapping;
    }

    /// <summary>The property name; also the state-dict prefix.</summary>
    public string Name { get; }
    /// <summary>The layer kind.</summary>
    public LayerKind Kind { get; }
    /// <summary>Input features/channels; the row count for an embedding; the normalised size for norms.</summary>
    public int In { get; }
    /// <summary>Output features/channels; the dimension for an embedding; the normalised size for norms.</summary>
    public int Out { get; }
    /// <summary>Kernel height (1 for non-convolutions; the kernel length for conv1d).</summary>
    public int KernelHeight { get; }
    /// <summary>Kernel width (1 for everything but conv2d).</summary>
    public int KernelWidth { get; }
    /// <summary>Convolution stride.</summary>
    public int Stride { get; }
    /// <summary>Convolution zero padding.</summary>
    public int Padding { get; }
    /// <summary>Convolution dilation.</summary>
    public int Dilation { get; }
    /// <summary>Convolution channel groups.</summary>
    public int Groups { get; }
    /// <summary>Whether the layer has a bias (never drawn from a bank; shared only by the repeats of a SPIN weight set).</summary>
    public bool Bias { get; }
    /// <summary>0 for a single layer; n for a <c>[Repeat(n)]</c> list.</summary>
    public int Repeat { get; }
    /// <summary><c>[NoShare]</c>: an ordinary layer with its own weight.</summary>
    public bool NoShare { get; }
    /// <summary>The <c>[ShareGroup]</c> name, or null to let the group strategy decide.</summary>
    public string? Group { get; }
    /// <summary>SPIN share rate r: every r repeats use one weight set (0: no exact sharing).</summary>
    public int ShareRate { get; }
    /// <summary>How repeats map onto weight sets when <see cref="ShareRate"/> is set.</summary>
    public ShareMapping Mapping { get; }

    /// <summary>
    /// In a family of networks (<c>ModelFamily</c>), the narrower member's layer whose weight is the top-left
    /// block of this one's: the layer then generates only the extra rows and columns. Null outside families.
    /// </summary>
    public LayerExtension? Extension { get; }

    /// <summary>Whether repeat <paramref name="index"/> extends a narrower family member's layer.</summary>
    public bool IsExtension(int index) => Extension is { } e && index < e.BaseCount;

    /// <summary>
    /// The weight entries layer <paramref name="index"/> generates itself: |W|, or, for a family extension, |W| minus
    /// the narrower member's block (0 when both have the same shape: the layer is the narrower one's).
    /// </summary>
    public long GeneratedSize(int index) => IsExtension(index) ? WeightSize - Extension!.BlockSize(WeightShape) : WeightSize;

    /// <summary>The spec as a family extension of <paramref name="extension"/>'s layer.</summary>
    public LayerSpec Extending(LayerExtension extension)
        => new(Name, Kind, In, Out, KernelHeight, KernelWidth, Stride, Padding, Dilation, Groups, Bias, Repeat, NoShare, Group, ShareRate, Mapping, extension);

    /// <summary>
    /// The spec as an ordinary layer: its own weight (as <c>[NoShare]</c>, for a kind that has a weight), no group, no
    /// exact sharing, no family extension. Norms are unchanged: they are never shared.
    /// </summary>
    public LayerSpec Unshared()
        => new(Name, Kind, In, Out, KernelHeight, KernelWidth, Stride, Padding, Dilation, Groups, Bias, Repeat, NoShare || Kind.HasShareableWeight(), group: null);

    /// <summary>How many distinct weight sets the property has: n / r with exact sharing, else n.</summary>
    public int WeightSets => ShareRate > 0 ? Count / ShareRate : Count;

    /// <summary>The weight set repeat <paramref name="index"/> uses: ⌊l / r⌋ (sequential) or l mod (n / r) (strided).</summary>
    public int WeightSetOf(int index) => ShareRate <= 0 ? index : Mapping == ShareMapping.Sequential ? index / ShareRate : index % WeightSets;

    /// <summary>The first repeat that uses weight set <paramref name="set"/>: it owns the set's coefficients.</summary>
    public int OwnerOf(int set) => ShareRate <= 0 ? set : Mapping == ShareMapping.Sequential ? set * ShareRate : set;

    /// <summary>How many layers the property declares.</summary>
    public int Count => Repeat == 0 ? 1 : Repeat;

    /// <summary>Whether the property is a <c>ModuleList</c> of layers.</summary>
    public bool IsList => Repeat != 0;

    /// <summary>Whether the weight is drawn from a bank.</summary>
    public bool IsShareable => Kind.HasShareableWeight() && !NoShare;

    /// <summary>The shape of the full weight tensor of one layer (empty for norms).</summary>
    public IReadOnlyList<long> WeightShape => Kind switch
    {
        LayerKind.Linear => new long[] { Out, In },
        LayerKind.Conv1d => new long[] { Out, In / Groups, KernelHeight },
        LayerKind.Conv2d => new long[] { Out, In / Groups, KernelHeight, KernelWidth },
        LayerKind.Embedding => new long[] { In, Out },
        _ => Array.Empty<long>(),
    };

    /// <summary>|W|: the element count of one layer's weight (0 for norms).</summary>
    public long WeightSize
    {
        get
        {
            if (!Kind.HasShareableWeight()) return 0;
            long size = 1;
            foreach (var d in WeightShape) size *= d;
            return size;
        }
    }

    /// <summary>Trainable bias elements of one layer.</summary>
    public long BiasSize => Bias && Kind is LayerKind.Linear or LayerKind.Conv1d or LayerKind.Conv2d ? Out : 0;

    /// <summary>
    /// The bias elements all the property's layers train: one bias per weight set. Under SPIN exact sharing a set's
    /// repeats are one layer computed several times, bias included, as in the published SPIN counts (ConvMixer-768/32 at
    /// rate 2: 11,016,424 parameters, which pays 16 pointwise biases, not 32).
    /// </summary>
    public long BiasTotal => BiasSize * (NoShare ? Count : WeightSets);

    /// <summary>
    /// The repeat whose bias repeat <paramref name="index"/> uses: the first of its SPIN weight set, or itself (no rate, or
    /// <c>[NoShare]</c>, where every repeat is a layer of its own).
    /// </summary>
    public int BiasOwnerOf(int index) => NoShare ? index : OwnerOf(WeightSetOf(index));

    /// <summary>Trainable affine elements of one norm layer (weight and bias).</summary>
    public long NormSize => Kind is LayerKind.BatchNorm2d or LayerKind.LayerNorm ? 2L * In : 0;

    /// <summary>Every trainable element of one layer when nothing is shared.</summary>
    public long UnsharedSize => WeightSize + BiasSize + NormSize;

    /// <summary>Every trainable element of all the property's layers when nothing is shared (a family extension counts only what it adds).</summary>
    public long UnsharedTotal => GeneratedTotal + (BiasSize + NormSize) * Count;

    /// <summary>The weight entries all the property's layers generate or hold themselves (<see cref="GeneratedSize"/> summed).</summary>
    public long GeneratedTotal
    {
        get
        {
            // In closed form: the compile-time check reads it for every layer on every edit, and a [Repeat(100000)] list
            // would otherwise cost 100,000 steps there. Only the first BaseCount layers of an extension generate less.
            long weight = WeightSize;
            if (Extension is not { } extension) return weight * Count;
            long extended = System.Math.Min(extension.BaseCount, Count);
            return weight * Count - extended * extension.BlockSize(WeightShape);
        }
    }

    /// <summary>The fan-in used for Kaiming initialisation (0 for embeddings and norms).</summary>
    public long FanIn => Kind switch
    {
        LayerKind.Linear => In,
        LayerKind.Conv1d => (long)(In / Groups) * KernelHeight,
        LayerKind.Conv2d => (long)(In / Groups) * KernelHeight * KernelWidth,
        _ => 0,
    };

    /// <summary>
    /// The standard deviation a freshly initialised ordinary layer of this spec has: Kaiming-normal for ReLU
    /// networks (√(2 / fan-in)) for linear and convolution weights, 1 for embeddings (TorchSharp's default).
    /// </summary>
    public double InitialStd => FanIn > 0 ? Math.Sqrt(2.0 / FanIn) : 1.0;

    /// <summary>The name of layer <paramref name="index"/> of this property: <c>Body.2</c>, or the property name.</summary>
    public string InstanceName(int index) => IsList ? Name + "." + index.ToString(CultureInfo.InvariantCulture) : Name;

    /// <summary>The weight shape as text, for example <c>32x16x3x3</c>.</summary>
    public string ShapeText => string.Join("x", Array.ConvertAll(new List<long>(WeightShape).ToArray(), d => d.ToString(CultureInfo.InvariantCulture)));

    /// <summary>A shareable fully connected layer.</summary>
    public static LayerSpec Linear(string name, int inFeatures, int outFeatures, bool bias = true, int repeat = 0, bool noShare = false, string? group = null,
        int shareRate = 0, ShareMapping mapping = ShareMapping.Sequential)
        => new(name, LayerKind.Linear, inFeatures, outFeatures, 1, 1, 1, 0, 1, 1, bias, repeat, noShare, group, shareRate, mapping);

    /// <summary>A shareable 1-D convolution.</summary>
    public static LayerSpec Conv1d(string name, int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0,
        int dilation = 1, int groups = 1, bool bias = true, int repeat = 0, bool noShare = false, string? group = null,
        int shareRate = 0, ShareMapping mapping = ShareMapping.Sequential)
        => new(name, LayerKind.Conv1d, inChannels, outChannels, kernelSize, 1, stride, padding, dilation, groups, bias, repeat, noShare, group, shareRate, mapping);

    /// <summary>A shareable 2-D convolution.</summary>
    public static LayerSpec Conv2d(string name, int inChannels, int outChannels, int kernelHeight, int kernelWidth, int stride = 1,
        int padding = 0, int dilation = 1, int groups = 1, bool bias = true, int repeat = 0, bool noShare = false, string? group = null,
        int shareRate = 0, ShareMapping mapping = ShareMapping.Sequential)
        => new(name, LayerKind.Conv2d, inChannels, outChannels, kernelHeight, kernelWidth, stride, padding, dilation, groups, bias, repeat, noShare, group, shareRate, mapping);

    /// <summary>A shareable embedding table.</summary>
    public static LayerSpec Embedding(string name, int count, int dimension, int repeat = 0, bool noShare = false, string? group = null,
        int shareRate = 0, ShareMapping mapping = ShareMapping.Sequential)
        => new(name, LayerKind.Embedding, count, dimension, 1, 1, 1, 0, 1, 1, false, repeat, noShare, group, shareRate, mapping);

    /// <summary>An unshared 2-D batch norm.</summary>
    public static LayerSpec BatchNorm2d(string name, int features, int repeat = 0)
        => new(name, LayerKind.BatchNorm2d, features, features, 1, 1, 1, 0, 1, 1, false, repeat, false, null);

    /// <summary>An unshared layer norm.</summary>
    public static LayerSpec LayerNorm(string name, int features, int repeat = 0)
        => new(name, LayerKind.LayerNorm, features, features, 1, 1, 1, 0, 1, 1, false, repeat, false, null);
}
