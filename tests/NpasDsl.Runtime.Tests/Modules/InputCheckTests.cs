using System;
using NpasDsl.Runtime.Tests.Models;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>
/// A wrong input to a shared layer is an ArgumentException naming the layer, the shape it takes and the shape it got,
/// not libtorch's ExternalException, which names no layer and carries its C++ frames in the message.
/// </summary>
public sealed class InputCheckTests
{
    [Fact]
    public void A_convolution_given_the_wrong_channel_count_names_the_layer_and_both_shapes()
    {
        using var model = new TinyCnn();
        using var images = randn(2, 3, 8, 8); // TinyCnn's Stem is Conv2d(1, 8, 3)
        var e = Assert.Throws<ArgumentException>(() => model.call(images));
        Assert.StartsWith("Layer 'Stem' (Conv2d(1, 8, 3x3)) takes an input of shape [N, 1, H, W] or [1, H, W], but was given one of shape [2, 3, 8, 8]; " +
            "dimension 1 has 3 where the layer was declared with 1", e.Message);
        Assert.DoesNotContain("frame #", e.Message);
    }

    [Fact]
    public void A_convolution_given_a_flat_input_says_to_check_the_reshape()
    {
        using var model = new TinyCnn();
        using var flat = randn(2, 64);
        var e = Assert.Throws<ArgumentException>(() => model.call(flat));
        Assert.Contains("Layer 'Stem'", e.Message);
        Assert.Contains("it has 2 dimensions: check the reshape or flatten before it", e.Message);
    }

    [Fact]
    public void A_linear_layer_given_the_wrong_feature_count_names_the_repeat()
    {
        using var model = new SpinNet(); // Linear(8, 8) x 4, then x 4
        using var wrong = randn(5, 7);
        var e = Assert.Throws<ArgumentException>(() => model.call(wrong));
        Assert.StartsWith("Layer 'Sequential.0' (Linear(8, 8)) takes an input of shape [..., 8], but was given one of shape [5, 7]", e.Message);
        // What libtorch takes still works: an unbatched vector, and extra leading dimensions.
        using var vector = randn(8);
        using var batched = randn(2, 3, 8);
        Assert.Equal(new long[] { 8 }, model.call(vector).shape);
        Assert.Equal(new long[] { 2, 3, 8 }, model.call(batched).shape);
    }

    [Fact]
    public void An_embedding_refuses_float_and_out_of_range_indices_with_the_range()
    {
        using var model = new MixedNet(); // Embedding(50, 16), then Conv1d(16, 16, 3)
        using var floats = randn(2, 6);
        var e = Assert.Throws<ArgumentException>(() => model.call(floats));
        Assert.StartsWith("Layer 'Tokens' (Embedding(50, 16)) looks up rows by index, so its input must hold Int64 (or Int32) indices, but it holds Float32", e.Message);
        using var large = full(new long[] { 2, 6 }, 50L, dtype: ScalarType.Int64);
        var range = Assert.Throws<ArgumentException>(() => model.call(large));
        Assert.StartsWith("Layer 'Tokens' (Embedding(50, 16)) has rows 0 to 49, but was given indices from 50 to 50; keep every index in [0, 50)", range.Message);
        // After refused passes the model still trains: the bank's pass state is not left behind.
        using var tokens = randint(0, 50, new long[] { 2, 6 }, dtype: ScalarType.Int64);
        model.call(tokens).sum().backward();
        Assert.NotNull(model.Banks["mlp"].grad);
    }

    [Fact]
    public void A_layer_given_an_input_of_another_element_type_names_the_conversion()
    {
        // libtorch said "Input type (double) and bias type (float) should be the same", naming no layer, with its C++ frames.
        using var model = new TinyCnn();
        using var images = randn(new long[] { 2, 1, 8, 8 }, dtype: ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => model.call(images));
        Assert.StartsWith("Layer 'Stem' (Conv2d(1, 8, 3x3)) has Float32 weights but was given a Float64 input; convert the input with .to(ScalarType.Float32)", e.Message);
        Assert.DoesNotContain("frame #", e.Message);
        using var converted = images.to(ScalarType.Float32);
        Assert.Equal(new long[] { 2, 4 }, model.call(converted).shape);
    }
}
