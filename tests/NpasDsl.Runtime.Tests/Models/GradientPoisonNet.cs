using NpasDsl;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Models;

/// <summary>
/// A linear classifier of 8x8 images whose backward pass turns NaN from a chosen training step on while its loss stays
/// finite: it adds 0·√(0·Σw), which is 0 forwards, and whose gradient is 0·∞·0 = NaN.
/// </summary>
[SharedBudget(1.0)]
public sealed partial class GradientPoisonNet : NpasModule
{
    [Linear(64, 4)] private partial SharedLinear Head { get; }

    private int _trainingCalls;

    /// <summary>The first training forward pass (1-based) whose gradients are NaN; never by default.</summary>
    public int PoisonFromCall { get; set; } = int.MaxValue;

    /// <summary>The first training forward pass (1-based) whose logits, and so its loss, are NaN; never by default.</summary>
    public int NaNLossFromCall { get; set; } = int.MaxValue;

    public override Tensor forward(Tensor x)
    {
        var logits = Head.call(x.flatten(1));
        if (training) ++_trainingCalls;
        if (training && _trainingCalls >= PoisonFromCall) logits = logits + 0 * (0 * Head.Weight().sum()).sqrt();
        if (training && _trainingCalls >= NaNLossFromCall) logits = logits * double.NaN;
        return logits;
    }
}
