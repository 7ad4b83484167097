using System.Linq;
using NpasDsl;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Examples.WideResNet;

/// <summary>
/// WRN-16-4 for CIFAR-10 (pre-activation, convolutions without bias): two blocks per group, widths 64, 128
/// and 256, at 10 % of its parameters by default.
/// </summary>
[SharedBudget(0.10)]
public sealed partial class Wrn16x4 : NpasModule
{
    [Conv2d(3, 16, 3, Padding = 1, Bias = false)] private partial SharedConv2d Stem { get; }
    [BatchNorm2d(16)] private partial BatchNorm2d InputNorm { get; }
    [Conv2d(16, 64, 3, Padding = 1, Bias = false)] private partial SharedConv2d C1a { get; }
    [Conv2d(16, 64, 1, Bias = false)] private partial SharedConv2d S1 { get; }
    [Conv2d(64, 64, 3, Padding = 1, Bias = false), Repeat(3)] private partial ModuleList<SharedConv2d> C1 { get; }
    [BatchNorm2d(64), Repeat(4)] private partial ModuleList<BatchNorm2d> N1 { get; }
    [Conv2d(64, 128, 3, Stride = 2, Padding = 1, Bias = false)] private partial SharedConv2d C2a { get; }
    [Conv2d(64, 128, 1, Stride = 2, Bias = false)] private partial SharedConv2d S2 { get; }
    [Conv2d(128, 128, 3, Padding = 1, Bias = false), Repeat(3)] private partial ModuleList<SharedConv2d> C2 { get; }
    [BatchNorm2d(128), Repeat(4)] private partial ModuleList<BatchNorm2d> N2 { get; }
    [Conv2d(128, 256, 3, Stride = 2, Padding = 1, Bias = false)] private partial SharedConv2d C3a { get; }
    [Conv2d(128, 256, 1, Stride = 2, Bias = false)] private partial SharedConv2d S3 { get; }
    [Conv2d(256, 256, 3, Padding = 1, Bias = false), Repeat(3)] private partial ModuleList<SharedConv2d> C3 { get; }
    [BatchNorm2d(256), Repeat(4)] private partial ModuleList<BatchNorm2d> N3 { get; }
    [Linear(256, 10)] private partial SharedLinear Head { get; }

    private WrnParts _parts = null!;

    partial void OnCreated() => _parts = WrnParts.Of(Stem, InputNorm, Head, (C1a, S1, N1, C1), (C2a, S2, N2, C2), (C3a, S3, N3, C3));

    public override Tensor forward(Tensor images) => _parts.Forward(images);
}
