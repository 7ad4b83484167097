using NpasDsl;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.Runtime.Tests.Models;

/// <summary>The same small network with each of the other combiners (round robin at a low budget: it reads one template per layer).</summary>
internal static class SmallNet
{
    public static Tensor Forward(SharedConv2d stem, ModuleList<SharedConv2d> body, SharedLinear head, Tensor x)
    {
        x = relu(stem.call(x));
        foreach (var conv in body) x = relu(conv.call(x));
        return head.call(x.mean(new long[] { 2, 3 }));
    }
}

[SharedBudget(1.5), Sharing(Combiner = Combiner.Embedding)]
public sealed partial class EmbeddingNet : NpasModule
{
    [Conv2d(1, 8, 3, Padding = 1)] private partial SharedConv2d Stem { get; }
    [Conv2d(8, 8, 3, Padding = 1), Repeat(3)] private partial ModuleList<SharedConv2d> Body { get; }
    [Linear(8, 4)] private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x) => SmallNet.Forward(Stem, Body, Head, x);
}

[SharedBudget(0.5), Sharing(Combiner = Combiner.RoundRobin)]
public sealed partial class RoundRobinNet : NpasModule
{
    [Conv2d(1, 8, 3, Padding = 1)] private partial SharedConv2d Stem { get; }
    [Conv2d(8, 8, 3, Padding = 1), Repeat(3)] private partial ModuleList<SharedConv2d> Body { get; }
    [Linear(8, 4)] private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x) => SmallNet.Forward(Stem, Body, Head, x);
}

[SharedBudget(1.5), Sharing(Combiner = Combiner.Average)]
public sealed partial class AverageNet : NpasModule
{
    [Conv2d(1, 8, 3, Padding = 1)] private partial SharedConv2d Stem { get; }
    [Conv2d(8, 8, 3, Padding = 1), Repeat(3)] private partial ModuleList<SharedConv2d> Body { get; }
    [Linear(8, 4)] private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x) => SmallNet.Forward(Stem, Body, Head, x);
}

[SharedBudget(0.2), Sharing(Upsampler = Upsampler.Interpolate)]
public sealed partial class InterpolateNet : NpasModule
{
    [Conv2d(1, 8, 3, Padding = 1)] private partial SharedConv2d Stem { get; }
    [Conv2d(8, 8, 3, Padding = 1), Repeat(3)] private partial ModuleList<SharedConv2d> Body { get; }
    [Linear(8, 4)] private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x) => SmallNet.Forward(Stem, Body, Head, x);
}

/// <summary>The small network with the Mask upsampler, at a budget where the body layers are tiled from a smaller bank.</summary>
[SharedBudget(0.2), Sharing(Upsampler = Upsampler.Mask)]
public sealed partial class MaskNet : NpasModule
{
    [Conv2d(1, 8, 3, Padding = 1)] private partial SharedConv2d Stem { get; }
    [Conv2d(8, 8, 3, Padding = 1), Repeat(3)] private partial ModuleList<SharedConv2d> Body { get; }
    [Linear(8, 4)] private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x) => SmallNet.Forward(Stem, Body, Head, x);
}

/// <summary>The small network with the Hash upsampler, at a budget where the body layers are grown from a smaller bank.</summary>
[SharedBudget(0.2), Sharing(Upsampler = Upsampler.Hash)]
public sealed partial class HashNet : NpasModule
{
    [Conv2d(1, 8, 3, Padding = 1)] private partial SharedConv2d Stem { get; }
    [Conv2d(8, 8, 3, Padding = 1), Repeat(3)] private partial ModuleList<SharedConv2d> Body { get; }
    [Linear(8, 4)] private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x) => SmallNet.Forward(Stem, Body, Head, x);
}
