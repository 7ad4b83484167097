using System;
using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Planning;

/// <summary>
/// An explicit split of layers into coefficient sets, by layer path: <c>Body.2</c> → <c>"Body.0"</c>, a label shared
/// by the members of one set (the first member's path, as coefficient unsharing and allocation files write it). It
/// can only split the sets <see cref="CoefficientSharing.ByShape"/> would make, never merge layers of different
/// groups, shapes or template counts. A layer it does not name gets a vector of its own.
/// </summary>
public sealed class CoefficientPartition : IEquatable<CoefficientPartition>
{
    private readonly SortedDictionary<string, string> _sets;

    /// <summary>Creates a partition from layer paths to set labels.</summary>
    public CoefficientPartition(IEnumerable<KeyValuePair<string, string>> sets)
    {
        _sets = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in sets) _sets[pair.Key] = pair.Value;
    }

    /// <summary>Layer path → set label, sorted by path.</summary>
    public IReadOnlyDictionary<string, string> Sets => _sets;

    /// <summary>The set label of the layer at <paramref name="path"/>, or null when the partition does not name it.</summary>
    public string? SetOf(string path) => _sets.TryGetValue(path, out var set) ? set : null;

    /// <inheritdoc />
    public bool Equals(CoefficientPartition? other) => other is not null && _sets.Count == other._sets.Count && _sets.All(p => other.SetOf(p.Key) == p.Value);
    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CoefficientPartition other && Equals(other);
    /// <inheritdoc />
    public override int GetHashCode() => _sets.Aggregate(17, (h, p) => unchecked(h * 31 + StringComparer.Ordinal.GetHashCode(p.Key + "=" + p.Value)));
}
