using NpasDsl;
using NpasDsl.Examples.WideResNet;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Examples.Ensemble;

// The four members of the family: WRN-10-1, WRN-16-1, WRN-10-2 and WRN-16-2 (pre-activation, convolutions without
// bias, 10 classes). Layers have the same names in every member (C1.0 is the second convolution of group 1 whatever
// the depth), which is how the family nests a narrower member's weights inside a wider member's. Each member's budget
// is a fraction of what it adds to the member it extends. Grey images are repeated to three channels.

/// <summary>WRN-10-1: 1 block per group, widths 16, 32 and 64.</summary>
[SharedBudget(0.5)]
public sealed partial class Wrn10x1 : NpasModule
{
    [Conv2d(3, 16, 3, Padding = 1, Bias = false)] private partial SharedConv2d Stem { get; }
    [BatchNorm2d(16)] private partial BatchNorm2d InputNorm { get; }
    [Conv2d(16, 16, 3, Padding = 1, Bias = false)] private partial SharedConv2d C1a { get; }
    [Conv2d(16, 16, 3, Padding = 1, Bias = false), Repeat(1)] private partial ModuleList<SharedConv2d> C1 { get; }
    [BatchNorm2d(16), Repeat(2)] private partial ModuleList<BatchNorm2d> N1 { get; }
    [Conv2d(16, 32, 3, Stride = 2, Padding = 1, Bias = false)] private partial SharedConv2d C2a { get; }
    [Conv2d(16, 32, 1, Stride = 2, Bias = false)] private partial SharedConv2d S2 { get; }
    [Conv2d(32, 32, 3, Padding = 1, Bias = false), Repeat(1)] private partial ModuleList<SharedConv2d> C2 { get; }
    [BatchNorm2d(32), Repeat(2)] private partial ModuleList<BatchNorm2d> N2 { get; }
    [Conv2d(32, 64, 3, Stride = 2, Padding = 1, Bias = false)] private partial SharedConv2d C3a { get; }
    [Conv2d(32, 64, 1, Stride = 2, Bias = false)] private partial SharedConv2d S3 { get; }
    [Conv2d(64, 64, 3, Padding = 1, Bias = false), Repeat(1)] private partial ModuleList<SharedConv2d> C3 { get; }
    [BatchNorm2d(64), Repeat(2)] private partial ModuleList<BatchNorm2d> N3 { get; }
    [Linear(64, 10)] private partial SharedLinear Head { get; }

    private WrnParts _parts = null!;

    // Group 1 keeps the stem's 16 channels and its stride: the shortcut is the identity, no 1x1 convolution.
    partial void OnCreated() => _parts = WrnParts.Of(Stem, InputNorm, Head, (C1a, null, N1, C1), (C2a, S2, N2, C2), (C3a, S3, N3, C3));

    public override Tensor forward(Tensor images) => _parts.Forward(Channels.Rgb(images));
}

/// <summary>WRN-16-1: 2 blocks per group, widths 16, 32 and 64.</summary>
[SharedBudget(0.5)]
public sealed partial class Wrn16x1 : NpasModule
{
    [Conv2d(3, 16, 3, Padding = 1, Bias = false)] private partial SharedConv2d Stem { get; }
    [BatchNorm2d(16)] private partial BatchNorm2d InputNorm { get; }
    [Conv2d(16, 16, 3, Padding = 1, Bias = false)] private partial SharedConv2d C1a { get; }
    [Conv2d(16, 16, 3, Padding = 1, Bias = false), Repeat(3)] private partial ModuleList<SharedConv2d> C1 { get; }
    [BatchNorm2d(16), Repeat(4)] private partial ModuleList<BatchNorm2d> N1 { get; }
    [Conv2d(16, 32, 3, Stride = 2, Padding = 1, Bias = false)] private partial SharedConv2d C2a { get; }
    [Conv2d(16, 32, 1, Stride = 2, Bias = false)] private partial SharedConv2d S2 { get; }
    [Conv2d(32, 32, 3, Padding = 1, Bias = false), Repeat(3)] private partial ModuleList<SharedConv2d> C2 { get; }
    [BatchNorm2d(32), Repeat(4)] private partial ModuleList<BatchNorm2d> N2 { get; }
    [Conv2d(32, 64, 3, Stride = 2, Padding = 1, Bias = false)] private partial SharedConv2d C3a { get; }
    [Conv2d(32, 64, 1, Stride = 2, Bias = false)] private partial SharedConv2d S3 { get; }
    [Conv2d(64, 64, 3, Padding = 1, Bias = false), Repeat(3)] private partial ModuleList<SharedConv2d> C3 { get; }
    [BatchNorm2d(64), Repeat(4)] private partial ModuleList<BatchNorm2d> N3 { get; }
    [Linear(64, 10)] private partial SharedLinear Head { get; }

    private WrnParts _parts = null!;

    // Group 1 keeps the stem's 16 channels and its stride: the shortcut is the identity, no 1x1 convolution.
    partial void OnCreated() => _parts = WrnParts.Of(Stem, InputNorm, Head, (C1a, null, N1, C1), (C2a, S2, N2, C2), (C3a, S3, N3, C3));

    public override Tensor forward(Tensor images) => _parts.Forward(Channels.Rgb(images));
}

/// <summary>WRN-10-2: 1 block per group, widths 32, 64 and 128.</summary>
[SharedBudget(0.5)]
public sealed partial class Wrn10x2 : NpasModule
{
    [Conv2d(3, 16, 3, Padding = 1, Bias = false)] private partial SharedConv2d Stem { get; }
    [BatchNorm2d(16)] private partial BatchNorm2d InputNorm { get; }
    [Conv2d(16, 32, 3, Padding = 1, Bias = false)] private partial SharedConv2d C1a { get; }
    [Conv2d(16, 32, 1, Bias = false)] private partial SharedConv2d S1 { get; }
    [Conv2d(32, 32, 3, Padding = 1, Bias = false), Repeat(1)] private partial ModuleList<SharedConv2d> C1 { get; }
    [BatchNorm2d(32), Repeat(2)] private partial ModuleList<BatchNorm2d> N1 { get; }
    [Conv2d(32, 64, 3, Stride = 2, Padding = 1, Bias = false)] private partial SharedConv2d C2a { get; }
    [Conv2d(32, 64, 1, Stride = 2, Bias = false)] private partial SharedConv2d S2 { get; }
    [Conv2d(64, 64, 3, Padding = 1, Bias = false), Repeat(1)] private partial ModuleList<SharedConv2d> C2 { get; }
    [BatchNorm2d(64), Repeat(2)] private partial ModuleList<BatchNorm2d> N2 { get; }
    [Conv2d(64, 128, 3, Stride = 2, Padding = 1, Bias = false)] private partial SharedConv2d C3a { get; }
    [Conv2d(64, 128, 1, Stride = 2, Bias = false)] private partial SharedConv2d S3 { get; }
    [Conv2d(128, 128, 3, Padding = 1, Bias = false), Repeat(1)] private partial ModuleList<SharedConv2d> C3 { get; }
    [BatchNorm2d(128), Repeat(2)] private partial ModuleList<BatchNorm2d> N3 { get; }
    [Linear(128, 10)] private partial SharedLinear Head { get; }

    private WrnParts _parts = null!;

    partial void OnCreated() => _parts = WrnParts.Of(Stem, InputNorm, Head, (C1a, S1, N1, C1), (C2a, S2, N2, C2), (C3a, S3, N3, C3));

    public override Tensor forward(Tensor images) => _parts.Forward(Channels.Rgb(images));
}

/// <summary>WRN-16-2: 2 blocks per group, widths 32, 64 and 128.</summary>
[SharedBudget(0.5)]
public sealed partial class Wrn16x2 : NpasModule
{
    [Conv2d(3, 16, 3, Padding = 1, Bias = false)] private partial SharedConv2d Stem { get; }
    [BatchNorm2d(16)] private partial BatchNorm2d InputNorm { get; }
    [Conv2d(16, 32, 3, Padding = 1, Bias = false)] private partial SharedConv2d C1a { get; }
    [Conv2d(16, 32, 1, Bias = false)] private partial SharedConv2d S1 { get; }
    [Conv2d(32, 32, 3, Padding = 1, Bias = false), Repeat(3)] private partial ModuleList<SharedConv2d> C1 { get; }
    [BatchNorm2d(32), Repeat(4)] private partial ModuleList<BatchNorm2d> N1 { get; }
    [Conv2d(32, 64, 3, Stride = 2, Padding = 1, Bias = false)] private partial SharedConv2d C2a { get; }
    [Conv2d(32, 64, 1, Stride = 2, Bias = false)] private partial SharedConv2d S2 { get; }
    [Conv2d(64, 64, 3, Padding = 1, Bias = false), Repeat(3)] private partial ModuleList<SharedConv2d> C2 { get; }
    [BatchNorm2d(64), Repeat(4)] private partial ModuleList<BatchNorm2d> N2 { get; }
    [Conv2d(64, 128, 3, Stride = 2, Padding = 1, Bias = false)] private partial SharedConv2d C3a { get; }
    [Conv2d(64, 128, 1, Stride = 2, Bias = false)] private partial SharedConv2d S3 { get; }
    [Conv2d(128, 128, 3, Padding = 1, Bias = false), Repeat(3)] private partial ModuleList<SharedConv2d> C3 { get; }
    [BatchNorm2d(128), Repeat(4)] private partial ModuleList<BatchNorm2d> N3 { get; }
    [Linear(128, 10)] private partial SharedLinear Head { get; }

    private WrnParts _parts = null!;

    partial void OnCreated() => _parts = WrnParts.Of(Stem, InputNorm, Head, (C1a, S1, N1, C1), (C2a, S2, N2, C2), (C3a, S3, N3, C3));

    public override Tensor forward(Tensor images) => _parts.Forward(Channels.Rgb(images));
}

/// <summary>Input channels: the members take three; a grey image is repeated to three (a view, no copy).</summary>
internal static class Channels
{
    public static Tensor Rgb(Tensor images) => images.shape[1] == 1 ? images.expand(-1, 3, -1, -1) : images;
}
