using System;
using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Planning;

/// <summary>
/// Matches the layers of two members of a family of networks by property name (<c>Body.3</c> of one is <c>Body.3</c>
/// of the other): a wider member's layer contains the narrower one's weight as its top-left block when both are the
/// same kind with the same kernel and the narrower one has no more rows and no more columns.
/// </summary>
public static class FamilyLayout
{
    /// <summary>
    /// How many weight entries <paramref name="wider"/> can take from <paramref name="narrower"/>, or null when some
    /// layer of the same name cannot contain the narrower one's (<paramref name="why"/> says which and why).
    /// </summary>
    public static long? Covered(NetworkSpec wider, NetworkSpec narrower, out string? why)
    {
        why = null;
        long covered = 0;
        foreach (var (layer, base1) in Matches(wider, narrower))
        {
            if (Incompatibility(layer, base1) is { } problem)
            {
                why = $"layer '{layer.Name}' of {wider.ModelName} ({layer.ShapeText}) cannot contain '{base1.Name}' of {narrower.ModelName} ({base1.ShapeText}): {problem}";
                return null;
            }
            covered += Extension(base1).BlockSize(layer.WeightShape) * Math.Min(layer.Count, base1.Count);
        }
        return covered;
    }

    /// <summary>The declaration of <paramref name="wider"/> with every layer that has a namesake in <paramref name="narrower"/> planned as its extension.</summary>
    /// <exception cref="ArgumentException">A namesake cannot be contained (see <see cref="Covered"/>).</exception>
    public static NetworkSpec Extend(NetworkSpec wider, NetworkSpec narrower)
    {
        if (Covered(wider, narrower, out var why) is null) throw new ArgumentException($"{wider.ModelName} cannot extend {narrower.ModelName}: {why}.");
        var bases = Matches(wider, narrower).ToDictionary(m => m.Layer, m => m.Base);
        var layers = wider.Layers.Select(l => bases.TryGetValue(l, out var b) ? l.Extending(Extension(b)) : l).ToList();
        return wider.Extending(narrower.ModelName, layers);
    }

    private static LayerExtension Extension(LayerSpec narrower) => new(narrower.WeightShape[0], narrower.WeightShape[1], narrower.Count);

    private static IEnumerable<(LayerSpec Layer, LayerSpec Base)> Matches(NetworkSpec wider, NetworkSpec narrower)
    {
        var byName = narrower.Layers.Where(l => l.Kind.HasShareableWeight()).ToDictionary(l => l.Name, StringComparer.Ordinal);
        foreach (var layer in wider.Layers)
            if (layer.Kind.HasShareableWeight() && byName.TryGetValue(layer.Name, out var base1))
                yield return (layer, base1);
    }

    private static string? Incompatibility(LayerSpec layer, LayerSpec base1)
    {
        if (layer.Kind != base1.Kind) return $"one is {layer.Kind.DisplayName()}, the other {base1.Kind.DisplayName()}";
        var shape = layer.WeightShape;
        var baseShape = base1.WeightShape;
        if (!shape.Skip(2).SequenceEqual(baseShape.Skip(2))) return "their kernels differ";
        if (baseShape[0] > shape[0] || baseShape[1] > shape[1]) return "the narrower layer is larger in rows or columns";
        if ((layer.ShareRate > 0 || base1.ShareRate > 0) && (layer.ShareRate != base1.ShareRate || layer.Mapping != base1.Mapping || layer.Count != base1.Count))
            return "exact (SPIN) sharing must have the same rate, mapping and repeat count in both members";
        return null;
    }
}
