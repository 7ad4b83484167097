using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Planning;

/// <summary>
/// Turns a declared network and a budget into an allocation: which layers share which bank, how large each
/// bank is, how many templates each layer combines and where they start (methods.md sections 2-3).
/// The same code runs in the generator (compile-time budget check) and at start-up.
/// </summary>
public static class BudgetPlanner
{
    private const int MaxCoefficientRounds = 32;

    /// <summary>Plans <paramref name="spec"/> at its own budget or at <paramref name="budgetOverride"/> parameters.</summary>
    /// <exception cref="BudgetInfeasibleException">The budget cannot pay for what is never shared.</exception>
    public static AllocationPlan Plan(NetworkSpec spec, long? budgetOverride = null)
    {
        var check = BudgetCheck.For(spec, budgetOverride);
        if (!check.IsFeasible) throw new BudgetInfeasibleException(spec.ModelName, check.Budget, check.Minimum, check.Unshared);

        var sharing = spec.Sharing;
        var groups = GroupAssigner.Assign(spec.Layers, sharing.Strategy)
            .Select(g => new GroupDraft(g.Key, g.Value, BudgetCheck.MinimumBank(g.Value.Select(m => m.Spec.WeightSize), sharing.Upsampler)))
            .ToList();
        long neverShared = BudgetCheck.NeverShared(spec);

        PayLoneLayersInFull(groups, check, neverShared);
        var banked = groups.Where(g => !g.PaidInFull).ToList();
        long paidInFull = groups.Where(g => g.PaidInFull).Sum(g => g.SharedSize);

        // Coefficients depend on K_l, which depends on the bank sizes, which depend on what the coefficients
        // leave: iterate to a fixed point and keep the valid layout that uses the most of the budget.
        long coefficients = banked.Sum(g => g.Members.Count);
        Layout? best = null;
        var seen = new HashSet<long>();
        for (int round = 0; round < MaxCoefficientRounds && seen.Add(coefficients); round++)
        {
            long available = check.Budget - neverShared - paidInFull - coefficients;
            var banks = BudgetSplit.Proportional(available, banked.Select(g => g.SharedSize).ToList(), banked.Select(g => g.MinimumBank).ToList());
            if (banks is null) break;
            var layout = new Layout(banks, banked.Select((g, i) => TemplateLayout.Layout(g.Members.Select(m => m.Spec.WeightSize).ToList(), banks[i], sharing.MaxTemplates)).ToArray());
            long needed = layout.Coefficients;
            if (needed <= coefficients && (best is null || layout.Banks.Sum() + needed > best.Banks.Sum() + best.Coefficients)) best = layout;
            if (needed == coefficients) break;
            coefficients = needed;
        }
        if (best is null) throw new BudgetInfeasibleException(spec.ModelName, check.Budget, check.Minimum + 1, check.Unshared);

        return Assemble(spec, check, groups, banked, best);
    }

    /// <summary>
    /// In the low-budget regime a group with a single layer gains nothing from a bank, so it becomes an
    /// ordinary layer when the budget allows it (smallest first): what is left must still pay every other
    /// group's minimum bank, one lone layer may take at most half of what is left, and at least one group
    /// keeps its bank.
    /// </summary>
    private static void PayLoneLayersInFull(List<GroupDraft> groups, BudgetCheck check, long neverShared)
    {
        if (check.Budget >= check.Unshared) return;
        long remaining = check.Budget - neverShared - groups.Sum(g => g.Members.Count + g.MinimumBank);
        foreach (var lone in groups.Where(g => g.Members.Count == 1).OrderBy(g => g.SharedSize))
        {
            long extra = lone.SharedSize - 1 - lone.MinimumBank; // full weight instead of one coefficient and a minimal bank
            if (extra > remaining || groups.Count(g => !g.PaidInFull) <= 1 || extra > (remaining - extra)) continue;
            lone.PaidInFull = true;
            remaining -= extra;
        }
    }

    private static AllocationPlan Assemble(NetworkSpec spec, BudgetCheck check, List<GroupDraft> groups, List<GroupDraft> banked, Layout layout)
    {
        var placement = new Dictionary<(LayerSpec, int), (string Group, int K, long Offset, long Bank)>();
        var groupPlans = new List<GroupPlan>();
        for (int gi = 0; gi < banked.Count; gi++)
        {
            var g = banked[gi];
            for (int m = 0; m < g.Members.Count; m++)
                placement[g.Members[m]] = (g.Name, layout.Templates[gi][m].Templates, layout.Templates[gi][m].Offset, layout.Banks[gi]);
            groupPlans.Add(new GroupPlan(g.Name, layout.Banks[gi], g.Members.Select(x => x.Spec.InstanceName(x.Index)).ToList(), g.SharedSize));
        }
        var paidInFull = new HashSet<(LayerSpec, int)>(groups.Where(g => g.PaidInFull).SelectMany(g => g.Members));

        var layers = new List<LayerPlan>();
        foreach (var spec1 in spec.Layers)
        {
            for (int i = 0; i < spec1.Count; i++)
            {
                if (!spec1.Kind.HasShareableWeight())
                    layers.Add(new LayerPlan(spec1, i, WeightSource.None, null, 0, 0, "never shared"));
                else if (spec1.NoShare)
                    layers.Add(new LayerPlan(spec1, i, WeightSource.Own, null, 0, 0, "[NoShare]"));
                else if (paidInFull.Contains((spec1, i)))
                    layers.Add(new LayerPlan(spec1, i, WeightSource.Own, null, 0, 0, "alone in its group: paid in full"));
                else
                {
                    var p = placement[(spec1, i)];
                    string? note = spec1.WeightSize > p.Bank
                        ? "tiled x" + ((double)spec1.WeightSize / p.Bank).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) + " from a smaller bank"
                        : null;
                    layers.Add(new LayerPlan(spec1, i, WeightSource.Bank, p.Group, p.K, p.Offset, note));
                }
            }
        }

        var breakdown = new BudgetBreakdown(
            check.Budget,
            banks: layout.Banks.Sum(),
            coefficients: layers.Sum(l => l.Coefficients),
            biases: spec.Layers.Sum(l => l.BiasSize * l.Count),
            norms: spec.Layers.Sum(l => l.NormSize * l.Count),
            ownWeights: layers.Where(l => l.Source == WeightSource.Own).Sum(l => l.Spec.WeightSize));
        return new AllocationPlan(spec, check.Unshared, groupPlans, layers, breakdown);
    }

    private sealed class GroupDraft
    {
        public GroupDraft(string name, List<(LayerSpec Spec, int Index)> members, long minimumBank)
        {
            Name = name;
            Members = members;
            MinimumBank = minimumBank;
            SharedSize = members.Sum(m => m.Spec.WeightSize);
        }

        public string Name { get; }
        public List<(LayerSpec Spec, int Index)> Members { get; }
        public long MinimumBank { get; }
        public long SharedSize { get; }
        public bool PaidInFull { get; set; }
    }

    private sealed class Layout
    {
        public Layout(long[] banks, (int Templates, long Offset)[][] templates)
        {
            Banks = banks;
            Templates = templates;
            Coefficients = templates.Sum(g => g.Sum(t => (long)t.Templates));
        }

        public long[] Banks { get; }
        public (int Templates, long Offset)[][] Templates { get; }
        public long Coefficients { get; }
    }
}
