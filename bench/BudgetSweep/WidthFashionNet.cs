using NpasDsl.Examples.FashionMnist;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Bench.BudgetSweep;

/// <summary>
/// The baselines: FashionNet's architecture at any width with every layer unshared (each weight its own,
/// Kaiming-normal like the shared model's generated weights), at budget 1.0. It is what the generator writes for
/// a class whose layers are all <c>[NoShare]</c>, except that the width is chosen at run time, which attributes
/// cannot do; so the same <see cref="NpasDsl.Training.Trainer"/> trains it exactly like the shared models.
/// The forward pass is the example's own <see cref="FashionNetForward.Run"/>.
/// </summary>
public sealed class WidthFashionNet : NpasModule
{
    private readonly SharedConv2d _stem;
    private readonly BatchNorm2d _stemNorm;
    private readonly ModuleList<SharedConv2d> _body;
    private readonly ModuleList<BatchNorm2d> _bodyNorms;
    private readonly SharedLinear _head;

    /// <summary>Builds the unshared CNN with <paramref name="width"/> channels in every convolution.</summary>
    public WidthFashionNet(int width, NpasOptions? options = null) : base(SweepMath.UnsharedSpec(width), options)
    {
        Width = width;
        _stem = CreateConv2d("Stem");
        register_module("Stem", _stem);
        _stemNorm = CreateBatchNorm2d("StemNorm");
        register_module("StemNorm", _stemNorm);
        _body = CreateList("Body", CreateConv2d);
        register_module("Body", _body);
        _bodyNorms = CreateList("BodyNorms", CreateBatchNorm2d);
        register_module("BodyNorms", _bodyNorms);
        _head = CreateLinear("Head");
        register_module("Head", _head);
        CompleteConstruction();
    }

    /// <summary>Channels of every convolution.</summary>
    public int Width { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor images) => FashionNetForward.Run(images, _stem, _stemNorm, _body, _bodyNorms, _head);
}
