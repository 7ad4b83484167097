using System.Linq;
using NpasDsl;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Examples.WideResNet;

/// <summary>
/// WRN-28-10 for CIFAR-100 (pre-activation, convolutions without bias), the network of the SSN experiments:
/// four blocks per group, widths 160, 320 and 640; 36,536,884 parameters and 29 shareable layers unshared.
/// </summary>
[SharedBudget(0.10)]
public sealed partial class Wrn28x10 : NpasModule
{
    [Conv2d(3, 16, 3, Padding = 1, Bias = false)] private partial SharedConv2d Stem { get; }
    [BatchNorm2d(16)] private partial BatchNorm2d InputNorm { get; }
    [Conv2d(16, 160, 3, Padding = 1, Bias = false)] private partial SharedConv2d C1a { get; }
    [Conv2d(16, 160, 1, Bias = false)] private partial SharedConv2d S1 { get; }
    [Conv2d(160, 160, 3, Padding = 1, Bias = false), Repeat(7)] private partial ModuleList<SharedConv2d> C1 { get; }
    [BatchNorm2d(160), Repeat(8)] private partial ModuleList<BatchNorm2d> N1 { get; }
    [Conv2d(160, 320, 3, Stride = 2, Padding = 1, Bias = false)] private partial SharedConv2d C2a { get; }
    [Conv2d(160, 320, 1, Stride = 2, Bias = false)] private partial SharedConv2d S2 { get; }
    [Conv2d(320, 320, 3, Padding = 1, Bias = false), Repeat(7)] private partial ModuleList<SharedConv2d> C2 { get; }
    [BatchNorm2d(320), Repeat(8)] private partial ModuleList<BatchNorm2d> N2 { get; }
    [Conv2d(320, 640, 3, Stride = 2, Padding = 1, Bias = false)] private partial SharedConv2d C3a { get; }
    [Conv2d(320, 640, 1, Stride = 2, Bias = false)] private partial SharedConv2d S3 { get; }
    [Conv2d(640, 640, 3, Padding = 1, Bias = false), Repeat(7)] private partial ModuleList<SharedConv2d> C3 { get; }
    [BatchNorm2d(640), Repeat(8)] private partial ModuleList<BatchNorm2d> N3 { get; }
    [Linear(640, 100)] private partial SharedLinear Head { get; }

    private WrnParts _parts = null!;

    partial void OnCreated() => _parts = WrnParts.Of(Stem, InputNorm, Head, (C1a, S1, N1, C1), (C2a, S2, N2, C2), (C3a, S3, N3, C3));

    public override Tensor forward(Tensor images) => _parts.Forward(images);
}
