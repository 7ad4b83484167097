using NpasDsl.Examples.WideResNet;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NpasDsl.Bench;

/// <summary>The example's WRN-16-4 from TorchSharp's ordinary layers (same forward code): the unshared baseline.</summary>
public sealed class PlainWrn : nn.Module<Tensor, Tensor>
{
    private readonly WrnParts _parts;

    public PlainWrn() : base(nameof(PlainWrn))
    {
        Module<Tensor, Tensor> Conv(long i, long o, long k, long stride = 1) => nn.Conv2d(i, o, k, stride: stride, padding: k / 2, bias: false);
        Module<Tensor, Tensor> Norm(long c) => nn.BatchNorm2d(c);
        _parts = new WrnParts(Conv(3, 16, 3), new[]
        {
            new WrnBlock(Norm(16), Conv(16, 64, 3), Norm(64), Conv(64, 64, 3), Conv(16, 64, 1)),
            new WrnBlock(Norm(64), Conv(64, 64, 3), Norm(64), Conv(64, 64, 3), null),
            new WrnBlock(Norm(64), Conv(64, 128, 3, 2), Norm(128), Conv(128, 128, 3), Conv(64, 128, 1, 2)),
            new WrnBlock(Norm(128), Conv(128, 128, 3), Norm(128), Conv(128, 128, 3), null),
            new WrnBlock(Norm(128), Conv(128, 256, 3, 2), Norm(256), Conv(256, 256, 3), Conv(128, 256, 1, 2)),
            new WrnBlock(Norm(256), Conv(256, 256, 3), Norm(256), Conv(256, 256, 3), null),
        }, Norm(256), nn.Linear(256, 10));
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
