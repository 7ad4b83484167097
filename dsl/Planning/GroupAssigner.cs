using System.Collections.Generic;
using System.Globalization;

namespace NpasDsl.Planning;

/// <summary>Partitions shareable layers into named groups: manual <c>[ShareGroup]</c> names first, then the strategy.</summary>
public static class GroupAssigner
{
    /// <summary>The name of the single group of <see cref="GroupStrategy.Single"/>.</summary>
    public const string SingleGroupName = "shared";

    /// <summary>The group a shareable layer belongs to.</summary>
    public static string GroupOf(LayerSpec spec, GroupStrategy strategy)
    {
        if (spec.Group is { Length: > 0 } manual) return manual;
        return strategy switch
        {
            GroupStrategy.ByKind => spec.Kind.DisplayName(),
            GroupStrategy.ByShape => spec.Kind.DisplayName() + "_" + spec.ShapeText,
            _ => SingleGroupName,
        };
    }

    /// <summary>Groups in order of their first member; members are layers (one per weight set) in declaration order.</summary>
    public static IReadOnlyList<KeyValuePair<string, List<(LayerSpec Spec, int Index)>>> Assign(IEnumerable<LayerSpec> layers, GroupStrategy strategy)
    {
        var order = new List<string>();
        var members = new Dictionary<string, List<(LayerSpec, int)>>();
        foreach (var spec in layers)
        {
            if (!spec.IsShareable) continue;
            var name = GroupOf(spec, strategy);
            if (!members.TryGetValue(name, out var list))
            {
                list = new List<(LayerSpec, int)>();
                members.Add(name, list);
                order.Add(name);
            }
            // With exact (SPIN) sharing a group holds one member per weight set: the repeat that owns it.
            for (int set = 0; set < spec.WeightSets; set++) list.Add((spec, spec.OwnerOf(set)));
        }
        var result = new List<KeyValuePair<string, List<(LayerSpec, int)>>>(order.Count);
        foreach (var name in order) result.Add(new KeyValuePair<string, List<(LayerSpec, int)>>(name, members[name]));
        return result;
    }

    /// <summary>Describes a group for messages: name and member count.</summary>
    public static string Describe(string name, int members) => string.Format(CultureInfo.InvariantCulture, "'{0}' ({1} layers)", name, members);
}
