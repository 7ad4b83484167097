using System.Collections.Generic;
using System.Linq;
using NpasDsl;
using TorchSharp;
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
    public override Tensor forward(Tensor images) => FashionNetForward.Run(images, Stem, StemNorm, Body, BodyNorms, Head);
}

/// <summary>FashionNet's forward pass over its layers, shared with the unshared baseline of the speed benchmark.</summary>
public static class FashionNetForward
{
    /// <summary>stem → pool → two blocks → pool → two blocks → global average → head; a block is relu(norm(conv(x))).</summary>
    public static Tensor Run(Tensor images, nn.Module<Tensor, Tensor> stem, nn.Module<Tensor, Tensor> stemNorm,
        IEnumerable<nn.Module<Tensor, Tensor>> body, IEnumerable<nn.Module<Tensor, Tensor>> bodyNorms, nn.Module<Tensor, Tensor> head)
    {
        var x = max_pool2d(relu(stemNorm.call(stem.call(images))), 2);
        int block = 0;
        foreach (var (conv, norm) in body.Zip(bodyNorms))
        {
            if (block++ == 2) x = max_pool2d(x, 2);
            x = relu(norm.call(conv.call(x)));
        }
        return head.call(adaptive_avg_pool2d(x, 1).flatten(1));
    }
}
