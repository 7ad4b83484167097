using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using NpasDsl.Examples.FashionMnist;

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

    public override Tensor forward(Tensor images) => FashionNetForward.Run(images, Stem, StemNorm, Body, BodyNorms, Head);
}
