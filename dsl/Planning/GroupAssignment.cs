using System;
using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Planning;

/// <summary>
/// An explicit partition of layers into groups, by layer path (<c>Body.2</c> → <c>"g1"</c>): the result of a
/// data-driven group search (SSN's learned grouping, SuperWeights' gradient conflicts) or of a saved
/// allocation. Layers it does not name, and layers with <c>[ShareGroup]</c>, are grouped as declared.
/// </summary>
public sealed class GroupAssignment : IEquatable<GroupAssignment>
{
    private readonly SortedDictionary<string, string> _groups;

    /// <summary>Creates an assignment from layer paths to group names.</summary>
    public GroupAssignment(IEnumerable<KeyValuePair<string, string>> groups, string source)
    {
        _groups = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in groups) _groups[pair.Key] = pair.Value;
        Source = source;
    }

    /// <summary>What made it, for summaries: "learned (SSN k-means)", "gradient conflict", a file name.</summary>
    public string Source { get; }

    /// <summary>Layer path → group name, sorted by path.</summary>
    public IReadOnlyDictionary<string, string> Groups => _groups;

    /// <summary>The group of the layer at <paramref name="path"/>, or null when the assignment does not name it.</summary>
    public string? GroupOf(string path) => _groups.TryGetValue(path, out var group) ? group : null;

    /// <inheritdoc />
    public bool Equals(GroupAssignment? other) => other is not null && _groups.Count == other._groups.Count && _groups.All(p => other.GroupOf(p.Key) == p.Value);
    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is GroupAssignment other && Equals(other);
    /// <inheritdoc />
    public override int GetHashCode() => _groups.Aggregate(17, (h, p) => unchecked(h * 31 + StringComparer.Ordinal.GetHashCode(p.Key + "=" + p.Value)));
}
