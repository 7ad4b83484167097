using NpasDsl;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.Runtime.Tests.Models;

/// <summary>The Fashion-MNIST example's CNN declaration (the example's assembly is not referenced by the tests).</summary>
[SharedBudget(0.10)]
public sealed partial class FashionLikeNet : NpasModule
{
    [Conv2d(1, 64, 3, Padding = 1)] private partial SharedConv2d Stem { get; }
    [BatchNorm2d(64)] private partial BatchNorm2d StemNorm { get; }
    [Conv2d(64, 64, 3, Padding = 1), Repeat(4)] private partial ModuleList<SharedConv2d> Body { get; }
    [BatchNorm2d(64), Repeat(4)] private partial ModuleList<BatchNorm2d> BodyNorms { get; }
    [Linear(64, 10)] private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor images)
    {
        var x = max_pool2d(relu(StemNorm.call(Stem.call(images))), 2);
        for (int i = 0; i < 4; i++)
        {
            if (i == 2) x = max_pool2d(x, 2);
            x = relu(BodyNorms[i].call(Body[i].call(x)));
        }
        return Head.call(adaptive_avg_pool2d(x, 1).flatten(1));
    }
}
