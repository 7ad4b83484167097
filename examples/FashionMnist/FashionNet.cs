using NpasDsl;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.Examples.FashionMnist;

/// <summary>
/// A small CNN for 28x28 grey images at 10 % of its 149,642 parameters: every convolution and the head
/// draw their weights from one shared bank (the default single group).
/// </summary>
[SharedBudget(0.10)]
public sealed partial class FashionNet : NpasModule
{
    [Conv2d(1, 64, 3, Padding = 1)] private partial SharedConv2d Stem { get; }
    [BatchNorm2d(64)] private partial BatchNorm2d StemNorm { get; }
    [Conv2d(64, 64, 3, Padding = 1), Repeat(4)] private partial ModuleList<SharedConv2d> Body { get; }
    [BatchNorm2d(64), Repeat(4)] private partial ModuleList<BatchNorm2d> BodyNorms { get; }
    [Linear(64, 10)] private partial SharedLinear Head { get; }

    /// <summary>28x28 → 14x14 (two convolutions) → 7x7 (two convolutions) → global average → 10 logits.</summary>
    public override Tensor forward(Tensor images)
    {
        var x = relu(StemNorm.call(Stem.call(images)));
        x = max_pool2d(x, 2);
        x = Block(x, 0);
        x = Block(x, 1);
        x = max_pool2d(x, 2);
        x = Block(x, 2);
        x = Block(x, 3);
        return Head.call(adaptive_avg_pool2d(x, 1).flatten(1));
    }

    private Tensor Block(Tensor x, int i) => relu(BodyNorms[i].call(Body[i].call(x)));
}
