using System;
using System.Linq;
using static TorchSharp.torch;

namespace NpasDsl.Families;

/// <summary>
/// A wider family member's weight from the narrower member's weight and its own extra entries (SuperWeights):
/// <code>
///   W = [ W_narrow   C ]     C: the extra columns of the narrower rows, [r0, c - c0, k...]
///       [    R         ]     R: the extra rows, all columns,              [r - r0, c, k...]
/// </code>
/// so the narrower weight is exactly the top-left block. The extra entries are one flat run, columns first.
/// </summary>
public static class FamilyWeight
{
    /// <summary>Builds the weight of <paramref name="shape"/> around <paramref name="narrower"/>; <paramref name="extra"/> is null when the shapes are equal.</summary>
    public static Tensor Compose(Tensor narrower, Tensor? extra, long[] shape)
    {
        long rows0 = narrower.shape[0], columns0 = narrower.shape[1], rows = shape[0], columns = shape[1];
        long kernel = shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        long columnEntries = rows0 * (columns - columns0) * kernel;
        long rowEntries = (rows - rows0) * columns * kernel;
        if ((extra?.shape[0] ?? 0) != columnEntries + rowEntries)
            throw new ArgumentException($"A weight of shape [{string.Join(", ", shape)}] around a [{string.Join(", ", narrower.shape)}] block needs {columnEntries + rowEntries} extra entries, not {extra?.shape[0] ?? 0}.");
        if (extra is null) return narrower;
        if (narrower.device_type != extra.device_type || narrower.device_index != extra.device_index)
            throw new InvalidOperationException($"A family member's weight is on {extra.device} but its narrower member's on {narrower.device}: move the whole family with family.to(device), not one member.");
        var tail = shape.Skip(2).ToArray();
        var top = columnEntries == 0 ? narrower
            : cat(new[] { narrower, extra.narrow(0, 0, columnEntries).view(new[] { rows0, columns - columns0 }.Concat(tail).ToArray()) }, 1);
        return rowEntries == 0 ? top
            : cat(new[] { top, extra.narrow(0, columnEntries, rowEntries).view(new[] { rows - rows0, columns }.Concat(tail).ToArray()) }, 0);
    }

    /// <summary>The inverse of <see cref="Compose"/>: the flat extra entries of <paramref name="weight"/> around a block of <paramref name="rows0"/> x <paramref name="columns0"/>.</summary>
    public static Tensor Extra(Tensor weight, long rows0, long columns0)
    {
        var columns = weight.narrow(0, 0, rows0).narrow(1, columns0, weight.shape[1] - columns0).reshape(-1);
        var rows = weight.narrow(0, rows0, weight.shape[0] - rows0).reshape(-1);
        return cat(new[] { columns, rows }, 0);
    }
}
