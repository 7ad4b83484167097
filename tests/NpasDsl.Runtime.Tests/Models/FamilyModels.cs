using NpasDsl;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.Runtime.Tests.Models;

/// <summary>The narrowest member of the test family: width 4, one body convolution.</summary>
[SharedBudget(0.5)]
public sealed partial class FamilyNarrow : NpasModule
{
    [Conv2d(1, 4, 3, Padding = 1)] public partial SharedConv2d Stem { get; }
    [Conv2d(4, 4, 3, Padding = 1), Repeat(1)] public partial ModuleList<SharedConv2d> Body { get; }
    [BatchNorm2d(4)] public partial BatchNorm2d Norm { get; }
    [Linear(4, 4)] public partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x) => FamilyForward.Run(x, Stem, Body, Norm, Head);
}

/// <summary>Twice as wide: its weights hold the narrow member's as their top-left blocks.</summary>
[SharedBudget(0.5)]
public sealed partial class FamilyWide : NpasModule
{
    [Conv2d(1, 8, 3, Padding = 1)] public partial SharedConv2d Stem { get; }
    [Conv2d(8, 8, 3, Padding = 1), Repeat(1)] public partial ModuleList<SharedConv2d> Body { get; }
    [BatchNorm2d(8)] public partial BatchNorm2d Norm { get; }
    [Linear(8, 4)] public partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x) => FamilyForward.Run(x, Stem, Body, Norm, Head);
}

/// <summary>As narrow as the narrow member but one body convolution deeper: the common layers are the narrow member's.</summary>
[SharedBudget(0.5)]
public sealed partial class FamilyDeep : NpasModule
{
    [Conv2d(1, 4, 3, Padding = 1)] public partial SharedConv2d Stem { get; }
    [Conv2d(4, 4, 3, Padding = 1), Repeat(2)] public partial ModuleList<SharedConv2d> Body { get; }
    [BatchNorm2d(4)] public partial BatchNorm2d Norm { get; }
    [Linear(4, 4)] public partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x) => FamilyForward.Run(x, Stem, Body, Norm, Head);
}

/// <summary>A member whose stem has another kernel than the narrow member's: it cannot extend it.</summary>
[SharedBudget(0.5)]
public sealed partial class FamilyOtherKernel : NpasModule
{
    [Conv2d(1, 8, 5, Padding = 2)] public partial SharedConv2d Stem { get; }
    [Linear(8, 4)] public partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x) => Head.call(relu(Stem.call(x)).mean(new long[] { 2, 3 }));
}

/// <summary>A family member with SPIN-shared mixers (two weight sets for four repeats).</summary>
[SharedBudget(0.5)]
public sealed partial class FamilySpinNarrow : NpasModule
{
    [Linear(8, 8), Repeat(4), ShareGroup("mix", Rate = 2)] public partial ModuleList<SharedLinear> Mixers { get; }
    [Linear(8, 3)] public partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x) => FamilyForward.Mix(x, Mixers, Head);
}

/// <summary>The same mixers with a wider head: its mixers are the narrower member's very weights, its biases its own.</summary>
[SharedBudget(0.5)]
public sealed partial class FamilySpinWideHead : NpasModule
{
    [Linear(8, 8), Repeat(4), ShareGroup("mix", Rate = 2)] public partial ModuleList<SharedLinear> Mixers { get; }
    [Linear(8, 6)] public partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x) => FamilyForward.Mix(x, Mixers, Head);
}

internal static class FamilyForward
{
    public static Tensor Mix(Tensor x, ModuleList<SharedLinear> mixers, SharedLinear head)
    {
        foreach (var mixer in mixers) x = x + relu(mixer.call(x));
        return head.call(x);
    }

    public static Tensor Run(Tensor x, SharedConv2d stem, ModuleList<SharedConv2d> body, BatchNorm2d norm, SharedLinear head)
    {
        x = relu(stem.call(x));
        foreach (var conv in body) x = relu(conv.call(x));
        return head.call(relu(norm.call(x)).mean(new long[] { 2, 3 }));
    }
}

/// <summary>A narrow member at a low budget whose layers are tiled from a small bank with masked copies.</summary>
[SharedBudget(0.3)]
[Sharing(Upsampler = Upsampler.Mask)]
public sealed partial class MaskedNarrow : NpasModule
{
    [Conv2d(1, 8, 3, Padding = 1)] public partial SharedConv2d Stem { get; }
    [Conv2d(8, 8, 3, Padding = 1), Repeat(2)] public partial ModuleList<SharedConv2d> Body { get; }
    [Linear(8, 4)] public partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x)
    {
        x = relu(Stem.call(x));
        foreach (var conv in Body) x = relu(conv.call(x));
        return Head.call(x.mean(new long[] { 2, 3 }));
    }
}

/// <summary>Its wider member, also masked, sharing coefficient vectors between same-shape layers.</summary>
[SharedBudget(0.3)]
[Sharing(Upsampler = Upsampler.Mask, CoefficientSharing = CoefficientSharing.ByShape)]
public sealed partial class MaskedWide : NpasModule
{
    [Conv2d(1, 16, 3, Padding = 1)] public partial SharedConv2d Stem { get; }
    [Conv2d(16, 16, 3, Padding = 1), Repeat(2)] public partial ModuleList<SharedConv2d> Body { get; }
    [Linear(16, 4)] public partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x)
    {
        x = relu(Stem.call(x));
        foreach (var conv in Body) x = relu(conv.call(x));
        return Head.call(x.mean(new long[] { 2, 3 }));
    }
}
