using System;
using System.Linq;

namespace NpasDsl.Planning;

/// <summary>
/// The Interpolate upsampler's grid (methods.md section 5): for a layer of shape [out, in, k...] larger than
/// its bank, the largest p in {0.95, 0.90, ..., 0.05} with round(p·out) · round(p·in) · k ≤ B_g; those bank
/// entries, viewed as round(p·out) x (round(p·in)·k), are resized bilinearly to out x (in·k).
/// </summary>
public readonly struct InterpolationGrid : IEquatable<InterpolationGrid>
{
    /// <summary>Creates a grid.</summary>
    public InterpolationGrid(long rows, long columns) { Rows = rows; Columns = columns; }

    /// <summary>round(p·out).</summary>
    public long Rows { get; }
    /// <summary>round(p·in) · k.</summary>
    public long Columns { get; }
    /// <summary>Bank entries the grid reads.</summary>
    public long Size => Rows * Columns;

    /// <summary>The grid for <paramref name="spec"/> in a bank of <paramref name="bankSize"/>, or null when even p = 0.05 does not fit.</summary>
    public static InterpolationGrid? For(LayerSpec spec, long bankSize)
    {
        var shape = spec.WeightShape;
        if (shape.Count < 2) return null;
        long rows = shape[0], columns = shape[1], kernel = shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        for (int step = 19; step >= 1; step--)
        {
            double p = step * 0.05;
            long r = Math.Max(1, (long)Math.Round(p * rows, MidpointRounding.AwayFromZero));
            long c = Math.Max(1, (long)Math.Round(p * columns, MidpointRounding.AwayFromZero));
            if (r * c * kernel <= bankSize) return new InterpolationGrid(r, c * kernel);
        }
        return null;
    }

    /// <inheritdoc />
    public bool Equals(InterpolationGrid other) => Rows == other.Rows && Columns == other.Columns;
    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is InterpolationGrid other && Equals(other);
    /// <inheritdoc />
    public override int GetHashCode() => unchecked((int)(Rows * 31 + Columns));
}
