using System;
using NpasDsl;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.Examples.VisionTransformer;

/// <summary>
/// A vision transformer for 28x28 images cut into 16 patches of 7x7: width 64, 4 heads, 4 pre-norm blocks.
/// The attention projections (query, key, value, output) share one bank and the MLP projections another,
/// the transformer case of NPAS. The patch embedding, position table and head are grouped by shape (the declared
/// strategy), so each is a group of its own: they are sized differently and share nothing.
/// </summary>
[SharedBudget(0.25), Sharing(Strategy = GroupStrategy.ByShape)]
public sealed partial class FashionVit : NpasModule
{
    public const int Patch = 7, Patches = 16, Width = 64, Heads = 4, Depth = 4;

    [Linear(Patch * Patch, Width)] private partial SharedLinear Embed { get; }
    [Embedding(Patches + 1, Width)] private partial SharedEmbedding Positions { get; }
    [Linear(Width, 3 * Width), Repeat(Depth), ShareGroup("attention")] private partial ModuleList<SharedLinear> QueryKeyValue { get; }
    [Linear(Width, Width), Repeat(Depth), ShareGroup("attention")] private partial ModuleList<SharedLinear> AttentionOut { get; }
    [Linear(Width, 2 * Width), Repeat(Depth), ShareGroup("mlp")] private partial ModuleList<SharedLinear> MlpIn { get; }
    [Linear(2 * Width, Width), Repeat(Depth), ShareGroup("mlp")] private partial ModuleList<SharedLinear> MlpOut { get; }
    [LayerNorm(Width), Repeat(2 * Depth + 1)] private partial ModuleList<LayerNorm> Norms { get; }
    [Linear(Width, 10)] private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor images)
    {
        long n = images.shape[0];
        // [N, 1, 28, 28] → [N, 16, 49]: 4x4 patches of 7x7 pixels, row by row.
        var patches = images.reshape(n, 4, Patch, 4, Patch).permute(0, 1, 3, 2, 4).reshape(n, Patches, Patch * Patch);
        var tokens = cat(new[] { zeros(n, 1, Width, device: images.device), Embed.call(patches) }, 1); // a class token at position 0
        var x = tokens + Positions.call(arange(Patches + 1, device: images.device)).unsqueeze(0);
        for (int i = 0; i < Depth; i++)
        {
            x = x + Attention(Norms[2 * i].call(x), i);
            x = x + MlpOut[i].call(gelu(MlpIn[i].call(Norms[2 * i + 1].call(x))));
        }
        return Head.call(Norms[2 * Depth].call(x).select(1, 0));
    }

    /// <summary>Multi-head self-attention: softmax(q kᵀ / √d) v per head, then the output projection.</summary>
    private Tensor Attention(Tensor x, int block)
    {
        long n = x.shape[0], t = x.shape[1], d = Width / Heads;
        var qkv = QueryKeyValue[block].call(x).reshape(n, t, 3, Heads, d).permute(2, 0, 3, 1, 4); // [3, N, heads, T, d]
        var scores = qkv[0].matmul(qkv[1].transpose(-2, -1)) / Math.Sqrt(d);
        var mixed = softmax(scores, -1).matmul(qkv[2]).transpose(1, 2).reshape(n, t, Width);
        return AttentionOut[block].call(mixed);
    }
}
