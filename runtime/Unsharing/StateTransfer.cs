using System;
using System.Linq;
using static TorchSharp.torch;

namespace NpasDsl.Unsharing;

/// <summary>
/// Carries the state of a model over to the same model with other coefficient vectors: every tensor of the old state
/// dict goes to the same key, and a coefficient vector only the new model has (a set split off by unsharing) starts as a
/// copy of the vector its layer read in the old one. Banks, scales and everything else have the same shapes in both.
/// </summary>
internal static class StateTransfer
{
    public static void Copy(NpasModule from, NpasModule to)
    {
        var source = from.state_dict();
        var layers = from.SharedLayers().ToDictionary(l => l.Path, l => l.Layer);
        using var _ = no_grad();
        foreach (var (name, target) in to.state_dict())
        {
            Tensor value;
            if (source.TryGetValue(name, out var same)) value = same;
            else if (name.EndsWith(".coefficients", StringComparison.Ordinal) && layers.TryGetValue(name[..^".coefficients".Length], out var layer) && layer.CoefficientVector is { } read) value = read;
            else throw new InvalidOperationException($"'{name}' of the rebuilt '{to.Network.ModelName}' has no counterpart in the old model. This is a bug in NpasDsl; please report it.");
            if (!value.shape.SequenceEqual(target.shape))
                throw new InvalidOperationException($"'{name}' has shape [{string.Join(", ", value.shape)}] in the old model but [{string.Join(", ", target.shape)}] in the rebuilt one. This is a bug in NpasDsl; please report it.");
            target.copy_(value);
        }
    }
}
