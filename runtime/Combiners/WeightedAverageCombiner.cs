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

    /// <summary>
    /// The scale s that gives a generated weight the standard deviation <paramref name="targetStd"/>, measured on
    /// <paramref name="unscaled"/> (the layer's weight with s = 1) at initialisation.
    /// </summary>
    public static float InitialScale(System.Func<Tensor> unscaled, long weightSize, double targetStd)
    {
        if (weightSize < 2) return 1f; // a single element has no spread to correct
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        double std = unscaled().std().item<float>();
        return std > 0 && !double.IsNaN(std) ? (float)(targetStd / std) : 1f;
    }
}
