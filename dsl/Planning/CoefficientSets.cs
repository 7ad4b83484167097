using System;
using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Planning;

/// <summary>
/// Which layers read one coefficient vector under <see cref="CoefficientSharing.ByShape"/> (SuperWeights): banked
/// layers that own their weight set and combine by weighted average, of one group, kind, weight shape and template
/// count, further split by the network's explicit <see cref="NetworkSpec.CoefficientPartition"/> when it has one.
/// A set's vector is registered on its first member in declaration order, so splitting a set never moves a vector.
/// <para>
/// Budget: the planner sizes the banks as if every layer owned its vector, so the vectors that unsharing may add
/// are reserved up front (<see cref="BudgetBreakdown.CoefficientReserve"/>). They cost K entries each, a rounding
/// error next to the banks, and in return the banks, templates and offsets are the same for every partition: a
/// split keeps the function, and a rebuilt model takes the old state as it is.
/// </para>
/// </summary>
public sealed class CoefficientSets
{
    private readonly Dictionary<string, string> _borrowed;

    private CoefficientSets(Dictionary<string, string> borrowed, long reserve, long reserveUsed)
    {
        _borrowed = borrowed;
        Reserve = reserve;
        ReserveUsed = reserveUsed;
    }

    /// <summary>Coefficients set aside for unsharing: those of every layer that starts without a vector of its own.</summary>
    public long Reserve { get; }
    /// <summary>The part of <see cref="Reserve"/> that vectors added by unsharing hold.</summary>
    public long ReserveUsed { get; }

    /// <summary>The path of the layer whose vector the layer at <paramref name="path"/> reads; null when it reads its own (or has none).</summary>
    public string? BorrowedFrom(string path) => _borrowed.TryGetValue(path, out var founder) ? founder : null;

    /// <summary>The sets of <paramref name="network"/> for its banked weight-set owners, given in declaration order with their group and K.</summary>
    public static CoefficientSets For(NetworkSpec network, IReadOnlyList<(LayerSpec Spec, int Index, string Group, int Templates)> owners)
    {
        var borrowed = Founders(network, owners, network.CoefficientPartition);
        var initial = network.CoefficientPartition is null ? borrowed : Founders(network, owners, null);
        long reserve = 0, used = 0;
        foreach (var owner in owners)
        {
            string path = owner.Spec.InstanceName(owner.Index);
            if (!initial.ContainsKey(path)) continue;
            reserve += owner.Templates;
            if (!borrowed.ContainsKey(path)) used += owner.Templates;
        }
        return new CoefficientSets(borrowed, reserve, used);
    }

    /// <summary>
    /// The vectors of <paramref name="plan"/>: each set's first member (whose <c>coefficients</c> the set reads) with
    /// every member, in declaration order; empty when coefficients are not shared.
    /// </summary>
    public static IReadOnlyList<(string Founder, IReadOnlyList<LayerPlan> Members)> Of(AllocationPlan plan)
    {
        if (!Applies(plan.Network.Sharing)) return Array.Empty<(string, IReadOnlyList<LayerPlan>)>();
        return plan.Layers
            .Where(l => l.Source == WeightSource.Bank && l.SharesWeightsWith is null)
            .GroupBy(l => l.CoefficientsFrom ?? l.Path, StringComparer.Ordinal)
            .Select(g => (g.Key, (IReadOnlyList<LayerPlan>)g.ToList()))
            .ToList();
    }

    /// <summary>The summary's lines on coefficient sharing: vectors, the reserve and its use, and every set of more than one layer; empty when off.</summary>
    public static string Describe(AllocationPlan plan)
    {
        var sets = Of(plan);
        if (sets.Count == 0) return "";
        static string N(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        var b = plan.Breakdown;
        var text = new System.Text.StringBuilder();
        text.Append("coefficient sharing ").Append(plan.Network.Sharing.CoefficientSharing).Append(": ").Append(N(sets.Count)).Append(" vectors for ")
            .Append(N(sets.Sum(s => s.Members.Count))).Append(" layers; ").Append(N(b.CoefficientReserve)).Append(" parameters reserved for unsharing, ")
            .Append(N(b.CoefficientReserveUsed)).Append(" used, ").Append(N(b.CoefficientReserveLeft)).Append(" left\n");
        foreach (var (founder, members) in sets.Where(s => s.Members.Count > 1))
            text.Append("  ").Append(founder).Append(".coefficients (K ").Append(N(members[0].Templates)).Append(") read by ")
                .Append(string.Join(", ", members.Select(m => m.Path))).Append('\n');
        return text.Append('\n').ToString();
    }

    /// <summary>Whether the options make layers share coefficient vectors (only the weighted average has per-layer ones).</summary>
    public static bool Applies(SharingSpec sharing) => sharing.CoefficientSharing == CoefficientSharing.ByShape && sharing.Combiner == Combiner.WeightedAverage;

    /// <summary>Layer path → the first member of its set, for every member but the first.</summary>
    private static Dictionary<string, string> Founders(NetworkSpec network, IEnumerable<(LayerSpec Spec, int Index, string Group, int Templates)> owners, CoefficientPartition? partition)
    {
        var borrowed = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Applies(network.Sharing)) return borrowed;
        var founders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var owner in owners)
        {
            string path = owner.Spec.InstanceName(owner.Index);
            // Without a partition every compatible layer is in one set; with one, a layer it does not name is alone.
            string label = partition is null ? "" : partition.SetOf(path) ?? path;
            string key = string.Join("\n", owner.Group, owner.Spec.Kind.DisplayName(), owner.Spec.ShapeText, owner.Spec.GeneratedSize(owner.Index).ToString(System.Globalization.CultureInfo.InvariantCulture), owner.Templates.ToString(System.Globalization.CultureInfo.InvariantCulture), label);
            if (founders.TryGetValue(key, out var founder)) borrowed[path] = founder;
            else founders[key] = path;
        }
        return borrowed;
    }
}
