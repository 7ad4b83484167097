using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.Bench;

/// <summary>The example's FashionNet from TorchSharp's ordinary layers: the unshared baseline (same forward).</summary>
public sealed class PlainFashionNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d Stem = nn.Conv2d(1, 64, 3, padding: 1);
    private readonly BatchNorm2d StemNorm = nn.BatchNorm2d(64);
    private readonly ModuleList<Conv2d> Body = new(nn.Conv2d(64, 64, 3, padding: 1), nn.Conv2d(64, 64, 3, padding: 1), nn.Conv2d(64, 64, 3, padding: 1), nn.Conv2d(64, 64, 3, padding: 1));
    private readonly ModuleList<BatchNorm2d> BodyNorms = new(nn.BatchNorm2d(64), nn.BatchNorm2d(64), nn.BatchNorm2d(64), nn.BatchNorm2d(64));
    private readonly Linear Head = nn.Linear(64, 10);

    public PlainFashionNet() : base(nameof(PlainFashionNet)) => RegisterComponents();

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
