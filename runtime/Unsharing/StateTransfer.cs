using System;
using System.Collections.Generic;
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
        var sourceOf = SourcesIn(from);
        using var _ = no_grad();
        foreach (var (name, target) in to.state_dict())
        {
            var value = source[sourceOf(name) ?? throw NoCounterpart(name, to)];
            if (!value.shape.SequenceEqual(target.shape))
                throw new InvalidOperationException($"'{name}' has shape [{string.Join(", ", value.shape)}] in the old model but [{string.Join(", ", target.shape)}] in the rebuilt one. This is a bug in NpasDsl; please report it.");
            target.copy_(value);
        }
    }

    /// <summary>
    /// For a state-dict name of the model rebuilt from <paramref name="from"/>, the name in <paramref name="from"/>'s state
    /// dict it starts from: the same name, or for a coefficient vector the split added (<c>Body.1.coefficients</c>) the
    /// vector its layer read before, its set's first member's; null where there is none.
    /// </summary>
    internal static Func<string, string?> SourcesIn(NpasModule from)
    {
        var names = new HashSet<string>(from.state_dict().Keys, StringComparer.Ordinal);
        var readBefore = from.Allocation.Layers.Where(l => l.CoefficientsFrom is not null)
            .ToDictionary(l => l.Path + ".coefficients", l => l.CoefficientsFrom + ".coefficients", StringComparer.Ordinal);
        return name => names.Contains(name) ? name : readBefore.TryGetValue(name, out var read) && names.Contains(read) ? read : null;
    }

    /// <summary>What a name with no source means: the rebuild and the split disagree, which is a bug.</summary>
    internal static InvalidOperationException NoCounterpart(string name, NpasModule to)
        => new($"'{name}' of the rebuilt '{to.Network.ModelName}' has no counterpart in the old model. This is a bug in NpasDsl; please report it.");
}
