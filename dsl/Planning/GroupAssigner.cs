using System;
using System.Collections.Generic;
using System.Linq;
using System.Globalization;

namespace NpasDsl.Planning;

/// <summary>Partitions shareable layers into named groups: manual <c>[ShareGroup]</c> names first, then the strategy.</summary>
public static class GroupAssigner
{
    /// <summary>The name of the single group of <see cref="GroupStrategy.Single"/>.</summary>
    public const string SingleGroupName = "shared";

    /// <summary>The group of a shareable layer under an analytic strategy (Random is assigned per layer by <see cref="Assign"/>).</summary>
    public static string GroupOf(LayerSpec spec, GroupStrategy strategy)
        => spec.Group is { Length: > 0 } manual ? manual : StrategyGroupOf(spec, strategy);

    /// <summary>The group an analytic strategy gives <paramref name="spec"/>, whatever its <c>[ShareGroup]</c> says.</summary>
    private static string StrategyGroupOf(LayerSpec spec, GroupStrategy strategy) => strategy switch
    {
        GroupStrategy.ByKind => spec.Kind.DisplayName(),
        GroupStrategy.ByShape => ShapeGroup(spec),
        _ => SingleGroupName,
    };

    /// <summary>
    /// Groups in order of their first member; members are layers (one per weight set) in declaration order.
    /// <c>[ShareGroup]</c> names win, then the spec's explicit <see cref="NetworkSpec.Assignment"/>, then the strategy.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, List<(LayerSpec Spec, int Index)>>> Assign(NetworkSpec network)
    {
        var strategy = network.Sharing.Strategy;
        var owners = Owners(network);
        var random = strategy == GroupStrategy.Random ? RandomGroups(owners, network.Layers, network.Sharing.Seed) : null;

        var order = new List<string>();
        var members = new Dictionary<string, List<(LayerSpec, int)>>();
        foreach (var owner in owners)
        {
            var path = owner.Spec.InstanceName(owner.Index);
            var name = owner.Spec.Group is { Length: > 0 } manual ? manual
                : network.Assignment?.GroupOf(path) ?? (random is not null && random.TryGetValue(path, out var drawn) ? drawn : GroupOf(owner.Spec, strategy));
            if (!members.TryGetValue(name, out var list))
            {
                list = new List<(LayerSpec, int)>();
                members.Add(name, list);
                order.Add(name);
            }
            list.Add(owner);
        }
        var result = new List<KeyValuePair<string, List<(LayerSpec, int)>>>(order.Count);
        foreach (var name in order) result.Add(new KeyValuePair<string, List<(LayerSpec, int)>>(name, members[name]));
        return result;
    }

    /// <summary>
    /// The members groups are made of, in declaration order: every shareable layer, one per weight set. With exact (SPIN)
    /// sharing that is the repeat that owns the set; a family member's layer of the narrower member's very shape
    /// generates nothing and joins no group.
    /// </summary>
    private static List<(LayerSpec Spec, int Index)> Owners(NetworkSpec network)
    {
        var owners = new List<(LayerSpec Spec, int Index)>();
        foreach (var spec in network.Layers)
        {
            if (!spec.IsShareable) continue;
            for (int set = 0; set < spec.WeightSets; set++)
                if (spec.GeneratedSize(spec.OwnerOf(set)) > 0) owners.Add((spec, spec.OwnerOf(set)));
        }
        return owners;
    }

    /// <summary>
    /// A <c>[ShareGroup]</c> name that the strategy also gives to layers without <c>[ShareGroup]</c> (<c>Single</c>: "shared",
    /// <c>ByKind</c>: "linear", "conv2d", ..., <c>ByShape</c>: "linear_10x20", ..., <c>Random</c>: "random_0", ...): <see cref="Assign"/>
    /// would silently put those layers into the named group, which then does not have a bank of its own. The first such
    /// clash in declaration order (the group, the property that names it, and the first property the strategy puts there),
    /// or null. An explicit <see cref="NetworkSpec.Assignment"/> (a saved allocation) names every group itself: null.
    /// </summary>
    public static (string Group, string Named, string Joining)? StrategyNameClash(NetworkSpec network)
    {
        if (network.Assignment is not null) return null;
        var strategy = network.Sharing.Strategy;
        var owners = Owners(network);
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (spec, _) in owners)
            if (spec.Group is { Length: > 0 } manual && !named.ContainsKey(manual)) named.Add(manual, spec.Name);
        if (named.Count == 0) return null;
        var random = strategy == GroupStrategy.Random ? RandomGroups(owners, network.Layers, network.Sharing.Seed) : null;
        foreach (var (spec, index) in owners)
        {
            if (spec.Group is { Length: > 0 }) continue;
            var name = random is not null && random.TryGetValue(spec.InstanceName(index), out var drawn) ? drawn : GroupOf(spec, strategy);
            if (named.TryGetValue(name, out var owner)) return (name, owner, spec.Name);
        }
        return null;
    }

    /// <summary>What <see cref="StrategyNameClash"/> found, in words, with the fix (NPAS013 at compile time, the runtime's exception for options given at start-up).</summary>
    public static string ClashProblem(NetworkSpec network, (string Group, string Named, string Joining) clash)
    {
        var strategy = network.Sharing.Strategy;
        // Removing [ShareGroup] joins the strategy's group only where the strategy would put the layer there: ByShape sends a
        // layer named "linear_10x10" but shaped 10x20 to "linear_10x20", and Random deals it to any group.
        var named = network.Layers.FirstOrDefault(l => l.Name == clash.Named);
        bool strategyPutsItThere = strategy != GroupStrategy.Random && named is not null && StrategyGroupOf(named, strategy) == clash.Group;
        string share = strategyPutsItThere
            ? $", or remove [ShareGroup] from '{clash.Named}' if it should share with them (the strategy puts it in '{clash.Group}' anyway)"
            : $" (and give that name to '{clash.Joining}' too if it should share with '{clash.Named}')";
        return $"the group name '{clash.Group}' is also the group that GroupStrategy.{strategy} gives to layers without [ShareGroup], " +
               $"so '{clash.Joining}' would silently join '{clash.Named}' in it and the group would have no bank of its own; choose a name the strategy does not use, " +
               $"such as \"{clash.Group}_own\"" + share;
    }

    private static string ShapeGroup(LayerSpec spec) => spec.Kind.DisplayName() + "_" + spec.ShapeText;

    /// <summary>
    /// The random strategy: as many groups as there are distinct (kind, shape) pairs, layers shuffled with the
    /// seed and dealt round robin, so every group has members and the result is the same at compile time
    /// and at start-up (a seeded <see cref="System.Random"/> gives the same sequence on every .NET).
    /// </summary>
    private static Dictionary<string, string> RandomGroups(List<(LayerSpec Spec, int Index)> owners, IEnumerable<LayerSpec> layers, long seed)
    {
        var free = owners.Where(o => o.Spec.Group is not { Length: > 0 }).ToList();
        int count = Math.Max(1, free.Select(o => ShapeGroup(o.Spec)).Distinct().Count());
        var shuffled = free.ToArray();
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        for (int i = shuffled.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < shuffled.Length; i++)
            result[shuffled[i].Spec.InstanceName(shuffled[i].Index)] = "random_" + (i % count).ToString(CultureInfo.InvariantCulture);
        return result;
    }
}
