using NpasDsl.Layers;
using static TorchSharp.torch;

namespace NpasDsl;

/// <summary>A fully connected layer, y = x Wᵀ + b, with W drawn from a bank (or its own with <c>[NoShare]</c>).</summary>
public sealed class SharedLinear : SharedLayer
{
    internal SharedLinear(LayerWiring wiring) : base(nameof(SharedLinear), wiring) { }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        CheckInput(input);
        return Counted(nn.functional.linear(input, WeightFor(input), Bias), Plan.Spec.FanIn);
    }
}
