using System;
using System.Globalization;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace NpasDsl;

public abstract partial class SharedLayer
{
    /// <summary>
    /// Refuses an input whose rank or feature (channel) size the layer cannot take, with an <see cref="ArgumentException"/>
    /// that names the layer, the shape it expects and the shape it got. libtorch would otherwise fail inside the operation,
    /// after the weight was generated for nothing, with an <see cref="ExternalException"/> that names no layer and carries
    /// its C++ frames in the message. A few native calls per forward pass (rank and one size); nothing is computed or allocated.
    /// </summary>
    private protected void CheckInput(Tensor input)
    {
        // linear: [..., in]; conv1d: [N, in, L] or [in, L]; conv2d: [N, in, H, W] or [in, H, W].
        var (minRank, maxRank, featureFromEnd) = Plan.Spec.Kind switch
        {
            Planning.LayerKind.Conv2d => (3, 4, 3),
            Planning.LayerKind.Conv1d => (2, 3, 2),
            _ => (1, int.MaxValue, 1),
        };
        int rank = (int)input.dim();
        bool rankOk = rank >= minRank && rank <= maxRank;
        if (rankOk && input.size(rank - featureFromEnd) == Plan.Spec.In)
        {
            CheckSpatialSize(input, rank, featureFromEnd - 1);
            return;
        }
        long inputs = Plan.Spec.In;
        string expected = Plan.Spec.Kind switch
        {
            Planning.LayerKind.Conv2d => string.Format(CultureInfo.InvariantCulture, "[N, {0}, H, W] or [{0}, H, W]", inputs),
            Planning.LayerKind.Conv1d => string.Format(CultureInfo.InvariantCulture, "[N, {0}, L] or [{0}, L]", inputs),
            _ => string.Format(CultureInfo.InvariantCulture, "[..., {0}]", inputs),
        };
        string fix = rankOk
            ? string.Format(CultureInfo.InvariantCulture, "dimension {0} has {1:N0} where the layer was declared with {2:N0}: fix the layer attribute or the layer before it",
                rank - featureFromEnd, input.size(rank - featureFromEnd), inputs)
            : string.Format(CultureInfo.InvariantCulture, "it has {0} dimensions: check the reshape or flatten before it", rank);
        throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "Layer '{0}' ({1}) takes an input of shape {2}, but was given one of shape [{3}]; {4}",
            Plan.Path, Describe(), expected, string.Join(", ", input.shape), fix), nameof(input));
    }

    /// <summary>
    /// Refuses a convolution input shorter than the kernel reaches (with the padding): libtorch's "Kernel size can't be greater
    /// than actual input size" names no layer and carries its C++ frames. One size per spatial dimension.
    /// </summary>
    private void CheckSpatialSize(Tensor input, int rank, int spatial)
    {
        var s = Plan.Spec;
        for (int d = 0; d < spatial; d++)
        {
            int dimension = rank - spatial + d;
            long kernel = d == 0 ? s.KernelHeight : s.KernelWidth, reach = (long)s.Dilation * (kernel - 1) + 1, size = input.size(dimension);
            if (size + 2L * s.Padding >= reach) continue;
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                "Layer '{0}' ({1}) reaches {2} entries along dimension {3} (kernel {4}, dilation {5}) and pads {6} on each side, so it needs an input of at least {7} there, " +
                "but was given one of shape [{8}]; give larger inputs, or less striding or pooling before it", Plan.Path, Describe(), reach, dimension, kernel, s.Dilation, s.Padding,
                Math.Max(1, reach - 2L * s.Padding), string.Join(", ", input.shape)), nameof(input));
        }
    }

    /// <summary>
    /// The layer's weight for <paramref name="input"/>, refusing an input of another element type or on another device with
    /// an <see cref="ArgumentException"/> that names the layer and the conversion: libtorch's own messages ("Input type
    /// (double) and bias type (float) should be the same", "Expected all tensors to be on the same device") name no layer.
    /// </summary>
    private protected Tensor WeightFor(Tensor input)
    {
        var weight = Weight();
        if (input.dtype != weight.dtype)
            throw new ArgumentException($"Layer '{Plan.Path}' ({Describe()}) has {weight.dtype} weights but was given a {input.dtype} input; " +
                $"convert the input with .to(ScalarType.{weight.dtype}) (images read as bytes or Float64 need it), or the model with .to(ScalarType.{input.dtype}).", nameof(input));
        if (input.device_type != weight.device_type || input.device_index != weight.device_index)
            throw new ArgumentException($"Layer '{Plan.Path}' ({Describe()}) is on {weight.device} but was given an input on {input.device}; " +
                $"move the input with .to(the model's device) (the Trainer moves its batches itself), or the model with .to(\"{input.device}\").", nameof(input));
        return weight;
    }

    /// <summary>The layer as declared, in a few words: <c>Linear(784, 64)</c>, <c>Conv2d(3, 16, 3x3)</c>, <c>Embedding(1000, 32)</c>.</summary>
    private string Describe()
    {
        var s = Plan.Spec;
        return s.Kind switch
        {
            Planning.LayerKind.Conv2d => string.Format(CultureInfo.InvariantCulture, "Conv2d({0}, {1}, {2}x{3})", s.In, s.Out, s.KernelHeight, s.KernelWidth),
            Planning.LayerKind.Conv1d => string.Format(CultureInfo.InvariantCulture, "Conv1d({0}, {1}, {2})", s.In, s.Out, s.KernelHeight),
            Planning.LayerKind.Embedding => string.Format(CultureInfo.InvariantCulture, "Embedding({0}, {1})", s.In, s.Out),
            _ => string.Format(CultureInfo.InvariantCulture, "Linear({0}, {1})", s.In, s.Out),
        };
    }

    /// <summary>
    /// Refuses indices an embedding cannot look up: not integers, or (found by libtorch, so that valid lookups cost no
    /// extra reduction) outside [0, count).
    /// </summary>
    private protected void CheckIndices(Tensor indices)
    {
        if (indices.dtype is ScalarType.Int64 or ScalarType.Int32) return;
        throw new ArgumentException($"Layer '{Plan.Path}' ({Describe()}) looks up rows by index, so its input must hold Int64 (or Int32) indices, " +
            $"but it holds {indices.dtype}; convert it with .to(ScalarType.Int64), or check that the tokens, not the embeddings, are passed in.", nameof(indices));
    }

    /// <summary>The exception for a lookup that libtorch refused as out of range, naming the valid range.</summary>
    private protected ArgumentException IndexOutOfRange(Tensor indices, ExternalException native)
    {
        string found;
        using (no_grad()) found = string.Format(CultureInfo.InvariantCulture, "from {0:N0} to {1:N0}", indices.min().to_type(ScalarType.Int64).item<long>(), indices.max().to_type(ScalarType.Int64).item<long>());
        return new ArgumentException(string.Format(CultureInfo.InvariantCulture,
            "Layer '{0}' ({1}) has rows 0 to {2:N0}, but was given indices {3}; keep every index in [0, {4:N0}) (a vocabulary larger than declared, or a padding index of -1?)",
            Plan.Path, Describe(), Plan.Spec.In - 1, found, Plan.Spec.In), nameof(indices), native);
    }
}
