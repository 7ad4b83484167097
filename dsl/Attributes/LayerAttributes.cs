using System;

namespace NpasDsl;

/// <summary>Base of every layer attribute: one per partial property.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public abstract class LayerAttribute : Attribute { }

/// <summary>A shareable fully connected layer, y = x Wᵀ + b, W of shape [out, in].</summary>
public sealed class LinearAttribute : LayerAttribute
{
    /// <summary>Declares a linear layer.</summary>
    public LinearAttribute(int inFeatures, int outFeatures) { InFeatures = inFeatures; OutFeatures = outFeatures; }
    /// <summary>Input features.</summary>
    public int InFeatures { get; }
    /// <summary>Output features.</summary>
    public int OutFeatures { get; }
    /// <summary>Whether the layer adds a bias (never drawn from a bank; the repeats of a SPIN weight set share one).</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>Options common to the convolution attributes, named as in TorchSharp.</summary>
public abstract class ConvolutionAttribute : LayerAttribute
{
    /// <summary>Creates the common part.</summary>
    protected ConvolutionAttribute(int inChannels, int outChannels) { InChannels = inChannels; OutChannels = outChannels; }
    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Stride in every spatial dimension.</summary>
    public int Stride { get; set; } = 1;
    /// <summary>Zero padding in every spatial dimension.</summary>
    public int Padding { get; set; }
    /// <summary>Dilation in every spatial dimension.</summary>
    public int Dilation { get; set; } = 1;
    /// <summary>Channel groups; must divide both channel counts.</summary>
    public int Groups { get; set; } = 1;
    /// <summary>Whether the layer adds a bias (never drawn from a bank; the repeats of a SPIN weight set share one).</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>A shareable 1-D convolution, weight [out, in / groups, kernel].</summary>
public sealed class Conv1dAttribute : ConvolutionAttribute
{
    /// <summary>Declares a 1-D convolution.</summary>
    public Conv1dAttribute(int inChannels, int outChannels, int kernelSize) : base(inChannels, outChannels) => KernelSize = kernelSize;
    /// <summary>Kernel length.</summary>
    public int KernelSize { get; }
}

/// <summary>A shareable 2-D convolution, weight [out, in / groups, kh, kw].</summary>
public sealed class Conv2dAttribute : ConvolutionAttribute
{
    /// <summary>Declares a 2-D convolution with a square kernel.</summary>
    public Conv2dAttribute(int inChannels, int outChannels, int kernelSize) : this(inChannels, outChannels, kernelSize, kernelSize) { }
    /// <summary>Declares a 2-D convolution with a rectangular kernel.</summary>
    public Conv2dAttribute(int inChannels, int outChannels, int kernelHeight, int kernelWidth) : base(inChannels, outChannels)
    {
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
    }
    /// <summary>Kernel height.</summary>
    public int KernelHeight { get; }
    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; }
}

/// <summary>A shareable embedding table, weight [count, dim].</summary>
public sealed class EmbeddingAttribute : LayerAttribute
{
    /// <summary>Declares an embedding table.</summary>
    public EmbeddingAttribute(int count, int dimension) { Count = count; Dimension = dimension; }
    /// <summary>Number of rows (vocabulary size).</summary>
    public int Count { get; }
    /// <summary>Embedding dimension.</summary>
    public int Dimension { get; }
}

/// <summary>An unshared 2-D batch norm (affine weight and bias are counted in the budget).</summary>
public sealed class BatchNorm2dAttribute : LayerAttribute
{
    /// <summary>Declares a batch norm over <paramref name="features"/> channels.</summary>
    public BatchNorm2dAttribute(int features) => Features = features;
    /// <summary>Channels.</summary>
    public int Features { get; }
}

/// <summary>An unshared layer norm over the last dimension (affine weight and bias are counted).</summary>
public sealed class LayerNormAttribute : LayerAttribute
{
    /// <summary>Declares a layer norm over a last dimension of size <paramref name="features"/>.</summary>
    public LayerNormAttribute(int features) => Features = features;
    /// <summary>Size of the normalised dimension.</summary>
    public int Features { get; }
}
