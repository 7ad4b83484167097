using System.Collections.Generic;
using NpasDsl.Examples.WideResNet;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NpasDsl.Bench;

/// <summary>
/// A WRN of the examples' shape (pre-activation, convolutions without bias, three groups of widths 16k, 32k and 64k)
/// from TorchSharp's ordinary layers, run by the examples' own forward code: the unshared baseline.
/// </summary>
public sealed class PlainWrn : nn.Module<Tensor, Tensor>
{
    private readonly WrnParts _parts;

    /// <summary>WRN-(6n+4)-k: <paramref name="blocksPerGroup"/> is n, <paramref name="widen"/> is k.</summary>
    public PlainWrn(int blocksPerGroup, int widen, int classes) : base(nameof(PlainWrn))
    {
        Module<Tensor, Tensor> Conv(long i, long o, long k, long stride = 1) => nn.Conv2d(i, o, k, stride: stride, padding: k / 2, bias: false);
        Module<Tensor, Tensor> Norm(long c) => nn.BatchNorm2d(c);
        var blocks = new List<WrnBlock>();
        long input = 16;
        for (int group = 0; group < 3; group++)
        {
            long width = 16L * widen << group, stride = group == 0 ? 1 : 2;
            for (int j = 0; j < blocksPerGroup; j++)
            {
                long from = j == 0 ? input : width, step = j == 0 ? stride : 1;
                // The identity where the block keeps its input's width and stride, a 1x1 convolution where it does not.
                var shortcut = from != width || step != 1 ? Conv(from, width, 1, step) : null;
                blocks.Add(new WrnBlock(Norm(from), Conv(from, width, 3, step), Norm(width), Conv(width, width, 3), shortcut));
            }
            input = width;
        }
        _parts = new WrnParts(Conv(3, 16, 3), blocks, Norm(input), nn.Linear(input, classes));
        register_module("stem", _parts.Stem);
        for (int i = 0; i < _parts.Blocks.Count; i++)
        {
            var b = _parts.Blocks[i];
            register_module($"b{i}n1", b.Norm1); register_module($"b{i}c1", b.Conv1);
            register_module($"b{i}n2", b.Norm2); register_module($"b{i}c2", b.Conv2);
            if (b.Shortcut is not null) register_module($"b{i}s", b.Shortcut);
        }
        register_module("final", _parts.FinalNorm);
        register_module("head", _parts.Head);
    }

    public override Tensor forward(Tensor x) => _parts.Forward(x);
}
