using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;

namespace NpasDsl.Training;

/// <summary>
/// The parameters weight decay applies to: the banks and the weights of ordinary layers. Combiner coefficients
/// (methods.md: "excluded from weight decay"), the embedding combiner's A and b, the Mask upsampler's copy masks
/// (like coefficients, they say how to reuse the bank, and decay would pull every copy back to a plain tile),
/// biases and norm affines are not decayed.
/// </summary>
public static class WeightDecay
{
    /// <summary>The decayed parameters of <paramref name="model"/>, in registration order.</summary>
    public static IEnumerable<Parameter> Selected(NpasModule model)
    {
        var ownWeights = new HashSet<string>(model.SharedLayers().Select(l => l.Path + ".weight"));
        foreach (var (name, parameter) in model.named_parameters())
            if (name.StartsWith("banks.", System.StringComparison.Ordinal) || ownWeights.Contains(name))
                yield return parameter;
    }
}
