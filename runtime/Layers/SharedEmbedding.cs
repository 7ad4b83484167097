using System;
using System.Linq;
using System.Runtime.InteropServices;
using NpasDsl.Layers;
using static TorchSharp.torch;

namespace NpasDsl;

/// <summary>An embedding table whose rows are drawn from a bank (or its own with <c>[NoShare]</c>).</summary>
public sealed class SharedEmbedding : SharedLayer
{
    internal SharedEmbedding(LayerWiring wiring) : base(nameof(SharedEmbedding), wiring) { }

    /// <summary>Looks up the rows of <paramref name="indices"/> (any shape of int64); the result has one more dimension.</summary>
    public override Tensor forward(Tensor indices)
    {
        CheckIndices(indices);
        Tensor rows;
        try
        {
            rows = Weight().index_select(0, indices.reshape(-1));
        }
        catch (ExternalException native) when (native.Message.Contains("index out of range", StringComparison.Ordinal))
        {
            throw IndexOutOfRange(indices, native);
        }
        return rows.reshape(indices.shape.Append(Plan.Spec.Out).ToArray());
    }
}
