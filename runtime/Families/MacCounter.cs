using System;
using System.Linq;
using static TorchSharp.torch;

namespace NpasDsl.Families;

/// <summary>
/// Measures what one forward pass costs: the multiply-accumulates of a model's convolutions and linear layers
/// on one example, counted from the shapes the layers really produce (so strides, padding and pooling between
/// layers are all accounted for). Norms, activations and pooling are not counted; they are a small fraction.
/// </summary>
public static class MacCounter
{
    /// <summary>Multiply-accumulates per example of <paramref name="model"/> on <paramref name="example"/> (a batch of one or more).</summary>
    /// <exception cref="ArgumentException"><paramref name="example"/> holds no example.</exception>
    public static long PerExample(NpasModule model, Tensor example)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(example);
        // An empty batch counted nothing and then divided by its size of 0.
        if (example.dim() == 0 || example.shape[0] == 0)
            throw new ArgumentException($"Counting the multiply-accumulates per example needs a batch of at least one example, not shape [{string.Join(", ", example.shape)}].", nameof(example));
        long total = 0;
        var layers = model.SharedLayers().Select(l => l.Layer).ToList();
        foreach (var layer in layers) layer.MacObserver = macs => total += macs;
        bool training = model.training;
        try
        {
            model.eval();
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            model.call(example);
        }
        finally
        {
            foreach (var layer in layers) layer.MacObserver = null;
            model.train(training);
        }
        return total / example.shape[0];
    }
}
