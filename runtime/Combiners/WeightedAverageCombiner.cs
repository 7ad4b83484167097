using static TorchSharp.torch;

namespace NpasDsl.Combiners;

/// <summary>
/// SSN's weighted average: W = s · Σ_k α_k T_k over the layer's templates T (see <see cref="TemplateReader"/>)
/// with α the layer's learned coefficients (or, for the embedding combiner, α = A_K φ_l + b_K). The fixed scale s (a buffer) makes the
/// generated weight start with the Kaiming standard deviation of the layer; the reference code has no such
/// correction, so averaged or tiled weights start with the wrong variance. α·s is a K-vector, so the whole
/// combination is one matrix-vector product.
/// </summary>
internal static class WeightedAverageCombiner
{
    public static Tensor Combine(Tensor templates, Tensor coefficients, Tensor scale) => (coefficients * scale).matmul(templates);

    /// <summary>Below this ratio of its standard deviation to its root mean square, a weight is one value repeated (up to rounding).</summary>
    internal const double NoSpread = 1e-4;

    /// <summary>
    /// The scale s that gives a generated weight the standard deviation <paramref name="targetStd"/>, measured on
    /// <paramref name="unscaled"/> (the layer's weight with s = 1) at initialisation. A weight with no spread (one bank
    /// entry tiled over the whole layer: one value repeated) cannot be given one: its float32 std is rounding noise, about
    /// 1e-8 of the value, and target / noise made such weights millions and the model's outputs NaN. It keeps s = 1.
    /// </summary>
    public static float InitialScale(System.Func<Tensor> unscaled, long weightSize, double targetStd)
    {
        if (weightSize < 2) return 1f; // a single element has no spread to correct
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var weight = unscaled();
        double std = weight.std().item<float>();
        // Whether there is a spread at all is asked in float64: the rounding of a float32 std is what made a constant look spread.
        var exact = weight.to_type(ScalarType.Float64);
        bool spread = exact.std().item<double>() > NoSpread * exact.square().mean().sqrt().item<double>();
        return spread && std > 0 && double.IsFinite(std) ? (float)(targetStd / std) : 1f;
    }
}
