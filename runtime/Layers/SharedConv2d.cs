using NpasDsl.Layers;
using static TorchSharp.torch;

namespace NpasDsl;

/// <summary>A 2-D convolution whose kernel is drawn from a bank (or its own with <c>[NoShare]</c>).</summary>
public sealed class SharedConv2d : SharedLayer
{
    private readonly long[] _stride;
    private readonly long[] _padding;
    private readonly long[] _dilation;

    internal SharedConv2d(LayerWiring wiring) : base(nameof(SharedConv2d), wiring)
    {
        var spec = Plan.Spec;
        _stride = new long[] { spec.Stride, spec.Stride };
        _padding = new long[] { spec.Padding, spec.Padding };
        _dilation = new long[] { spec.Dilation, spec.Dilation };
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        CheckInput(input);
        return Counted(nn.functional.conv2d(input, WeightFor(input), Bias, strides: _stride, padding: _padding, dilation: _dilation, groups: Plan.Spec.Groups), Plan.Spec.FanIn);
    }
}
