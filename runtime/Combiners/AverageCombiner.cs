using static TorchSharp.torch;

namespace NpasDsl.Combiners;

/// <summary>
/// The plain mean of the K templates (methods.md's "Average" baseline), and with K = 1 the round-robin
/// combiner: the layer is its slice of the bank. No coefficients; the fixed scale s still gives the initial
/// weight the Kaiming spread, which a plain mean of K templates would shrink by √K.
/// </summary>
internal static class AverageCombiner
{
    public static Tensor Combine(Tensor templates, Tensor scale)
        => (templates.shape[0] == 1 ? templates[0] : templates.mean(new long[] { 0 })) * scale;
}
