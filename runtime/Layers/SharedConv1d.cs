using NpasDsl.Layers;
using static TorchSharp.torch;

namespace NpasDsl;

/// <summary>A 1-D convolution whose kernel is drawn from a bank (or its own with <c>[NoShare]</c>).</summary>
public sealed class SharedConv1d : SharedLayer
{
    internal SharedConv1d(LayerWiring wiring) : base(nameof(SharedConv1d), wiring) { }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var spec = Plan.Spec;
        CheckInput(input);
        return Counted(nn.functional.conv1d(input, WeightFor(input), Bias, stride: spec.Stride, padding: spec.Padding, dilation: spec.Dilation, groups: spec.Groups), spec.FanIn);
    }
}
