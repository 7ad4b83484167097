using System.Collections.Generic;
using NpasDsl.Planning;
using static TorchSharp.torch;

namespace NpasDsl.Initialization;

/// <summary>
/// Initial copy masks of the Mask upsampler: m ~ N(0, 0.01²) for every layer that owns masks, drawn in plan order
/// from the model's generator after the banks and coefficients and before own weights, so two models of one seed
/// are identical and a model without masks draws exactly what it drew before masks existed. Copies are multiplied by 1 + m, so each
/// starts as an almost exact tile of the bank (see <see cref="CopyMasks"/>).
/// </summary>
internal static class MaskInitializer
{
    public static Dictionary<string, Tensor> Create(AllocationPlan plan, Generator generator)
    {
        var result = new Dictionary<string, Tensor>();
        using var _ = no_grad();
        foreach (var layer in plan.Layers)
            if (layer.Masks > 0)
                result[layer.Path] = empty(layer.Masks, dtype: float32).normal_(0, CopyMasks.InitialStd, generator).DetachFromDisposeScope();
        return result;
    }
}
