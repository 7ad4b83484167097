using NpasDsl;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Models;

/// <summary>The small CNN with SuperWeights coefficient sharing: the three body convolutions start with one vector.</summary>
[SharedBudget(0.5), Sharing(CoefficientSharing = CoefficientSharing.ByShape)]
public sealed partial class SharedCoefficientNet : NpasModule
{
    [Conv2d(1, 8, 3, Padding = 1)] private partial SharedConv2d Stem { get; }
    [Conv2d(8, 8, 3, Padding = 1), Repeat(3)] private partial ModuleList<SharedConv2d> Body { get; }
    [Linear(8, 4)] private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x) => SmallNet.Forward(Stem, Body, Head, x);
}

/// <summary>
/// Three parallel 4x4 linear maps in a 32-entry bank: K = 2 and offset 0 for each, so all three read the very same
/// templates, and with one shared vector they are one weight. A test picks the loss of each output, and so the
/// gradient each layer gives the shared vector.
/// </summary>
[SharedBudget(Parameters = 38), Sharing(CoefficientSharing = CoefficientSharing.ByShape, MaxTemplates = 2)]
public sealed partial class ParallelNet : NpasModule
{
    [Linear(4, 4, Bias = false), Repeat(3)] public partial ModuleList<SharedLinear> Branches { get; }

    /// <summary>[3, batch, 4]: every branch applied to the same input.</summary>
    public override Tensor forward(Tensor x) => stack(new[] { Branches[0].call(x), Branches[1].call(x), Branches[2].call(x) });
}
