using System.Collections.Generic;
using NpasDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.Bench;

/// <summary>
/// The layers of a pre-activation WRN-16-4 for 32x32 images (2 blocks per group, widths 64, 128, 256), in
/// the order the forward pass uses them, so the shared and the plain network run the very same code.
/// </summary>
public sealed record WrnParts(Module<Tensor, Tensor> Stem, IReadOnlyList<WrnBlock> Blocks, Module<Tensor, Tensor> FinalNorm, Module<Tensor, Tensor> Head)
{
    public Tensor Forward(Tensor x)
    {
        x = Stem.call(x);
        foreach (var block in Blocks) x = block.Forward(x);
        return Head.call(adaptive_avg_pool2d(relu(FinalNorm.call(x)), 1).flatten(1));
    }
}

/// <summary>norm → relu → conv → norm → relu → conv, plus the input (through a 1x1 convolution when the shape changes).</summary>
public sealed record WrnBlock(Module<Tensor, Tensor> Norm1, Module<Tensor, Tensor> Conv1, Module<Tensor, Tensor> Norm2, Module<Tensor, Tensor> Conv2, Module<Tensor, Tensor>? Shortcut)
{
    public Tensor Forward(Tensor x)
    {
        var h = relu(Norm1.call(x));
        var y = Conv2.call(relu(Norm2.call(Conv1.call(h))));
        return y + (Shortcut is null ? x : Shortcut.call(h));
    }
}

/// <summary>WRN-16-4 declared with the DSL, at 10 % of its parameters (the benchmark overrides the budget).</summary>
[SharedBudget(0.10)]
public sealed partial class SharedWrn : NpasModule
{
    [Conv2d(3, 16, 3, Padding = 1)] private partial SharedConv2d Stem { get; }
    [BatchNorm2d(16)] private partial BatchNorm2d N1a { get; }
    [Conv2d(16, 64, 3, Padding = 1)] private partial SharedConv2d C1a { get; }
    [BatchNorm2d(64)] private partial BatchNorm2d N1b { get; }
    [Conv2d(64, 64, 3, Padding = 1), Repeat(3)] private partial ModuleList<SharedConv2d> C1 { get; }
    [BatchNorm2d(64), Repeat(3)] private partial ModuleList<BatchNorm2d> N1 { get; }
    [Conv2d(16, 64, 1)] private partial SharedConv2d S1 { get; }
    [Conv2d(64, 128, 3, Stride = 2, Padding = 1)] private partial SharedConv2d C2a { get; }
    [Conv2d(128, 128, 3, Padding = 1), Repeat(3)] private partial ModuleList<SharedConv2d> C2 { get; }
    [BatchNorm2d(128), Repeat(4)] private partial ModuleList<BatchNorm2d> N2 { get; }
    [Conv2d(64, 128, 1, Stride = 2)] private partial SharedConv2d S2 { get; }
    [Conv2d(128, 256, 3, Stride = 2, Padding = 1)] private partial SharedConv2d C3a { get; }
    [Conv2d(256, 256, 3, Padding = 1), Repeat(3)] private partial ModuleList<SharedConv2d> C3 { get; }
    [BatchNorm2d(256), Repeat(4)] private partial ModuleList<BatchNorm2d> N3 { get; }
    [Conv2d(128, 256, 1, Stride = 2)] private partial SharedConv2d S3 { get; }
    [BatchNorm2d(256)] private partial BatchNorm2d FinalNorm { get; }
    [Linear(256, 10)] private partial SharedLinear Head { get; }

    private WrnParts _parts = null!;

    partial void OnCreated() => _parts = new WrnParts(Stem, new[]
    {
        new WrnBlock(N1a, C1a, N1b, C1[0], S1),
        new WrnBlock(N1[0], C1[1], N1[1], C1[2], null),
        new WrnBlock(N1[2], C2a, N2[0], C2[0], S2),
        new WrnBlock(N2[1], C2[1], N2[2], C2[2], null),
        new WrnBlock(N2[3], C3a, N3[0], C3[0], S3),
        new WrnBlock(N3[1], C3[1], N3[2], C3[2], null),
    }, FinalNorm, Head);

    public override Tensor forward(Tensor x) => _parts.Forward(x);
}

/// <summary>The same WRN-16-4 from TorchSharp's ordinary layers: the unshared baseline.</summary>
public sealed class PlainWrn : nn.Module<Tensor, Tensor>
{
    private readonly WrnParts _parts;

    public PlainWrn() : base(nameof(PlainWrn))
    {
        Module<Tensor, Tensor> Conv(long i, long o, long k, long stride = 1) => nn.Conv2d(i, o, k, stride: stride, padding: k / 2);
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
