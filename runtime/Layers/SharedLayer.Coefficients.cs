using System;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl;

/// <summary>
/// Coefficient sharing (SuperWeights): a layer may read the coefficient vector registered on the first member of
/// its set instead of one of its own, and, while unsharing watches it, reads that vector through a view of its own
/// whose gradient is ∂L/∂α as this layer used it (the vector's own gradient is the sum over the set).
/// </summary>
public abstract partial class SharedLayer
{
    // Read through the owner on every use: .to(device) and load replace the owner's field, never a copy of it.
    private readonly SharedLayer? _coefficientOwner;
    private readonly bool _lendsCoefficients;

    /// <summary>The coefficient vector this layer reads: its own, or its set's (registered on the set's first member); null without one.</summary>
    internal Parameter? CoefficientVector => _coefficientOwner is not null ? _coefficientOwner.CoefficientVector : coefficients;

    /// <summary>
    /// While set (by <see cref="Unsharing.CoefficientUnsharing"/>), every forward that records gradients reads the
    /// coefficients through a fresh view with a retained gradient and hands it to this callback.
    /// </summary>
    internal Action<Tensor>? CoefficientReadObserver { get; set; }

    private Tensor? ReadCoefficients()
    {
        var vector = CoefficientVector;
        if (vector is null || CoefficientReadObserver is not { } observe || !vector.requires_grad || !is_grad_enabled()) return vector;
        // A view, not alias(): with libtorch 2.10, aliases of one leaf that retain their gradient all receive the total.
        var read = vector.view(vector.shape);
        read.retain_grad();
        observe(read);
        return read;
    }
}
