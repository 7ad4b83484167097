using System;
using NpasDsl.Runtime.Tests.Models;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>
/// A convolution given an input shorter than its kernel reaches is refused naming the layer, not by libtorch's "Kernel size
/// can't be greater than actual input size" with its C++ frames. Found by a review.
/// </summary>
public sealed class InputSizeTests
{
    [Fact]
    public void A_conv2d_input_smaller_than_the_padded_kernel_names_the_layer_and_the_size_it_needs()
    {
        using var model = new TinyCnn(); // Stem is Conv2d(1, 8, 3, Padding = 1)
        using var empty = zeros(2, 1, 0, 8);
        var e = Assert.Throws<ArgumentException>(() => model.call(empty));
        Assert.StartsWith("Layer 'Stem' (Conv2d(1, 8, 3x3)) reaches 3 entries along dimension 2 (kernel 3, dilation 1) and pads 1 on each side, so it needs an input of at least 1 there, " +
            "but was given one of shape [2, 1, 0, 8]", e.Message);
        Assert.DoesNotContain("frame #", e.Message);
        using var smallest = ones(1, 1, 1, 1);
        Assert.Equal(new long[] { 1, 4 }, model.call(smallest).shape);
    }

    [Fact]
    public void A_conv1d_input_of_no_length_names_the_layer()
    {
        using var model = new MixedNet(); // Embedding(50, 16), then Conv1d(16, 16, 3, Padding = 1)
        using var tokens = zeros(new long[] { 2, 0 }, dtype: ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => model.call(tokens));
        Assert.StartsWith("Layer 'Mixers.0' (Conv1d(16, 16, 3)) reaches 3 entries along dimension 2", e.Message);
    }
}
