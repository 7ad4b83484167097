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
    /// <summary>Plans <paramref name="spec"/> at its own budget or at <paramref name="budgetOverride"/> parameters.</summary>
    /// <exception cref="BudgetInfeasibleException">The budget cannot pay for what is never shared.</exception>
    public static AllocationPlan Plan(NetworkSpec spec, long? budgetOverride = null)
    {
        var check = BudgetCheck.For(spec, budgetOverride);
        if (!check.IsFeasible) throw check.Failure(spec.ModelName);

        var sharing = spec.Sharing;
        var groups = GroupAssigner.Assign(spec)
            .Select(g => new GroupDraft(g.Key, g.Value, sharing))
            .ToList();
        long neverShared = BudgetCheck.NeverShared(spec);

        PayLoneLayersInFull(groups, check);
        var banked = groups.Where(g => !g.PaidInFull).ToList();
        long paidInFull = groups.Where(g => g.PaidInFull).Sum(g => g.SharedSize);

        // Coefficients depend on K_l, which depends on the bank sizes, which depend on what the coefficients
        // leave. needed(c), the coefficients (and masks) a layout needs when c are set aside, is searched by
        // bisection for the smallest reserve with needed(c) <= c: it leaves the most for the banks. The bisection
        // keeps `high` a valid reserve at every step, so the layout it returns never exceeds the budget. Without
        // masks needed(c) never grows as c grows and the reserve found is the smallest. Masks grow as banks shrink,
        // so with the Mask upsampler needed(c) <= c may fail again at a larger c and the reserve found may be a
        // little above the smallest (the tests see at most a mask period per tiled layer left unused). No bank goes
        // below its group's cheapest bank (its minimum), which bounds the masks.
        long available = check.Budget - neverShared - paidInFull;
        Layout? LayoutFor(long reserve)
        {
            var maxima = banked.Select(g => g.MaximumBank).ToList();
            var split = Split(reserve, maxima);
            // A group with interpolated members reads only what its grids and templates reach (InterpolatedReach), which square
            // p-grids may leave well short of the bank (one 10x10 grid of a 224-entry bank). Such a group is capped at its
            // reach and the split made again, so the rest goes to the other groups (or shows as unused), never to entries no layer reads.
            // (A group that gains in the new split may then read short of its larger bank: capped too, at most once per group.)
            for (int round = 0; round < banked.Count && split is { } current && sharing.Upsampler == Upsampler.Interpolate && !sharing.ExactTemplates; round++)
            {
                bool capped = false;
                for (int i = 0; i < banked.Count; i++)
                    if (InterpolatedReach(banked[i], current.Banks[i], sharing.TemplateCap) is { } reach && reach < current.Banks[i])
                        (maxima[i], capped) = (System.Math.Min(maxima[i], reach), true);
                if (!capped) break;
                split = Split(reserve, maxima);
            }
            if (split is not { } chosen) return null;
            var (banks, templated) = chosen;
            var layouts = banked.Select((g, i) => TemplateLayout.Layout(g.Members.Select(m => m.Spec.GeneratedSize(m.Index)).ToList(), banks[i], sharing.TemplateCap,
                m => sharing.Upsampler == Upsampler.Interpolate && !g.Members[m].Spec.IsExtension(g.Members[m].Index) ? InterpolationGrid.For(g.Members[m].Spec, banks[i])?.Size : null, sharing.ExactTemplates)).ToArray();
            var masks = banked.Select((g, i) => g.Members.Select(m => sharing.MaskEntriesFor(m.Spec.GeneratedSize(m.Index), banks[i])).ToArray()).ToArray();
            return new Layout(banks, layouts, masks, sharing.Combiner, templated ? BankSplit.Templates : BankSplit.Proportional);
        }
        (long[] Banks, bool Templated)? Split(long reserve, List<long> maxima)
        {
            var templated = sharing.BankSplit == BankSplit.Templates
                ? BudgetSplit.InTemplates(available - reserve, banked.Select(g => g.Largest).ToList(), banked.Select(g => g.Members.Count).ToList(), maxima, sharing.TemplateCap)
                : null;
            var banks = templated ?? BudgetSplit.Proportional(available - reserve, banked.Select(g => g.SharedSize).ToList(), banked.Select(g => g.MinimumBank).ToList(), maxima);
            return banks is null ? null : (banks, templated is not null);
        }
        long low = 0; // combiners without per-layer coefficients (round robin, average) may need none
        long high = available - banked.Sum(g => g.MinimumBank); // every bank at its minimum: valid whenever the budget check passed
        if (LayoutFor(high) is not { } atMinimum || atMinimum.Needed > high)
            throw check.Failure(spec.ModelName);
        while (low < high)
        {
            long middle = low + (high - low) / 2;
            if (LayoutFor(middle) is { } layout && layout.Needed <= middle) high = middle;
            else low = middle + 1;
        }
        var best = LayoutFor(high)!;

        return Assemble(spec, check, groups, banked, best);
    }

    /// <summary>
    /// How much of a bank of <paramref name="bank"/> entries <paramref name="group"/> reads when some member is interpolated
    /// from it; null when none is, or when a member is tiled (a family extension, or a layer no p-grid fits), which reaches
    /// the whole bank. A group of templated members alone is bounded by <see cref="GroupDraft.MaximumBank"/>.
    /// Members of one block size (a grid, or K_l·|W_l| templates) walk through the bank one block after another
    /// (<see cref="TemplateLayout"/>), and blocks of different sizes overlap from offset 0, so the reach is the largest of
    /// (members of a size) x (that block), at most the bank: capped there, same-shape layers keep windows of their own
    /// instead of all reading offset 0. Templated members count too: a member capped at K_max templates (one, for round
    /// robin) reads less than the bank, and beside an interpolated member's grid the rest was left unread.
    /// </summary>
    private static long? InterpolatedReach(GroupDraft group, long bank, int templateCap)
    {
        var blocks = new List<long>();
        bool interpolated = false;
        foreach (var (spec, index) in group.Members)
        {
            long size = spec.GeneratedSize(index);
            if (size <= bank)
            {
                blocks.Add(TemplateLayout.TemplatesFor(size, bank, templateCap) * size);
                continue;
            }
            if (spec.IsExtension(index) || InterpolationGrid.For(spec, bank) is not { } grid) return null;
            blocks.Add(grid.Size);
            interpolated = true;
        }
        if (!interpolated) return null;
        return blocks.GroupBy(size => size).Max(sizes => System.Math.Min(bank, sizes.Key * sizes.Count()));
    }

    /// <summary>
    /// In the low-budget regime a group with a single layer (not an exactly shared weight set) gains nothing from a bank, so it becomes an
    /// ordinary layer when the budget allows it (smallest first): what is left must still pay every other
    /// group's minimum bank, one lone layer may take at most half of what is left, and at least one group
    /// keeps its bank.
    /// </summary>
    private static void PayLoneLayersInFull(List<GroupDraft> groups, BudgetCheck check)
    {
        if (check.Budget >= check.Unshared) return;
        // What the budget holds beyond the minimum. The minimum also counts the coefficients shared model-wide (the
        // embedding combiner's A_K, b_K), which no group's own minimum cost includes: leaving them out let a lone
        // layer take the budget they need.
        long remaining = check.Budget - check.Minimum;
        // A lone member that owns an exactly shared weight set (SPIN, rate above 1) is several layers' weight, and its
        // sharers read it through the bank: it keeps the bank.
        foreach (var lone in groups.Where(g => g.Members.Count == 1 && g.Members[0].Spec.ShareRate <= 1).OrderBy(g => g.SharedSize))
        {
            long extra = lone.SharedSize - lone.MinimumCost; // its full weight instead of the cheapest bank and coefficients
            if (extra > remaining || groups.Count(g => !g.PaidInFull) <= 1 || extra > (remaining - extra)) continue;
            lone.PaidInFull = true;
            remaining -= extra;
        }
    }

    private static AllocationPlan Assemble(NetworkSpec spec, BudgetCheck check, List<GroupDraft> groups, List<GroupDraft> banked, Layout layout)
    {
        // A layer grown by interpolation reads a grid of its bank: decided once per weight set, for its owner and its exact sharers.
        // A family extension is a flat run of extra rows and columns, not a grid: it is tiled like Repeat.
        InterpolationGrid? GridOf(LayerSpec layer, int index, long bank)
            => layer.GeneratedSize(index) > bank && spec.Sharing.Upsampler == Upsampler.Interpolate && !spec.Sharing.ExactTemplates && !layer.IsExtension(index)
                ? InterpolationGrid.For(layer, bank) : null;
        var placement = new Dictionary<(LayerSpec, int), (string Group, int K, long Offset, long Bank, InterpolationGrid? Grid, long Masks)>();
        var groupPlans = new List<GroupPlan>();
        for (int gi = 0; gi < banked.Count; gi++)
        {
            var g = banked[gi];
            for (int m = 0; m < g.Members.Count; m++)
                placement[g.Members[m]] = (g.Name, layout.Templates[gi][m].Templates, layout.Templates[gi][m].Offset, layout.Banks[gi], GridOf(g.Members[m].Spec, g.Members[m].Index, layout.Banks[gi]), layout.Masks[gi][m]);
            groupPlans.Add(new GroupPlan(g.Name, layout.Banks[gi], g.Members.Select(x => x.Spec.InstanceName(x.Index)).ToList(), g.SharedSize));
        }
        var paidInFull = new HashSet<(LayerSpec, int)>(groups.Where(g => g.PaidInFull).SelectMany(g => g.Members));
        var coefficientSets = CoefficientSets.For(spec, spec.Layers.SelectMany(s => Enumerable.Range(0, s.Count).Where(i => placement.ContainsKey((s, i)))
            .Select(i => (s, i, placement[(s, i)].Group, placement[(s, i)].K))).ToList());

        var layers = new List<LayerPlan>();
        foreach (var spec1 in spec.Layers)
        {
            for (int i = 0; i < spec1.Count; i++)
            {
                if (!spec1.Kind.HasShareableWeight())
                    layers.Add(new LayerPlan(spec1, i, WeightSource.None, null, 0, 0, "never shared"));
                else if (spec1.IsExtension(i) && spec1.GeneratedSize(i) == 0)
                    layers.Add(new LayerPlan(spec1, i, WeightSource.Inherited, null, 0, 0, "the narrower family member's weight"));
                else if (spec1.NoShare)
                    layers.Add(new LayerPlan(spec1, i, WeightSource.Own, null, 0, 0, "[NoShare]"));
                else if (paidInFull.Contains((spec1, i)))
                    layers.Add(new LayerPlan(spec1, i, WeightSource.Own, null, 0, 0, "alone in its group: paid in full"));
                else if (spec1.OwnerOf(spec1.WeightSetOf(i)) is var owner && owner != i)
                {
                    var p = placement[(spec1, owner)];
                    layers.Add(new LayerPlan(spec1, i, WeightSource.Bank, p.Group, p.K, p.Offset,
                        $"same weights as {spec1.InstanceName(owner)} (rate {spec1.ShareRate}, {spec1.Mapping.ToString().ToLowerInvariant()})", spec1.InstanceName(owner), grid: p.Grid));
                }
                else
                {
                    var p = placement[(spec1, i)];
                    var invariant = System.Globalization.CultureInfo.InvariantCulture;
                    string? note = p.Grid is { } g2
                        ? $"interpolated from a {g2.Rows.ToString(invariant)}x{g2.Columns.ToString(invariant)} grid of the bank"
                        : spec1.GeneratedSize(i) > p.Bank
                        ? "tiled x" + ((double)spec1.GeneratedSize(i) / p.Bank).ToString("0.##", invariant) + " from a smaller bank"
                          + (p.Masks > 0 ? ", " + MaskedCopiesText(CopyMasks.Copies(spec1.GeneratedSize(i), p.Bank), p.Masks) : "")
                          + (spec.Sharing.HashesLayer(spec1.GeneratedSize(i), p.Bank, p.K) ? ", hashed (permuted, signed)" : "")
                        : null;
                    if (spec1.IsExtension(i)) note = note is null ? "extends the narrower family member" : "extends the narrower family member; " + note;
                    var borrowed = coefficientSets.BorrowedFrom(spec1.InstanceName(i)); // its set's vector is paid by the set's first member
                    layers.Add(new LayerPlan(spec1, i, WeightSource.Bank, p.Group, p.K, p.Offset, note, coefficients: borrowed is null ? CoefficientCost.PerLayer(spec.Sharing.Combiner, p.K) : 0,
                        grid: p.Grid, coefficientsFrom: borrowed, masks: p.Masks));
                }
            }
        }

        var breakdown = new BudgetBreakdown(
            check.Budget,
            banks: layout.Banks.Sum(),
            coefficients: layers.Sum(l => l.Coefficients) + layout.SharedCoefficients,
            masks: layers.Sum(l => l.Masks),
            biases: spec.Layers.Sum(l => l.BiasTotal),
            norms: spec.Layers.Sum(l => l.NormSize * l.Count),
            ownWeights: layers.Where(l => l.Source == WeightSource.Own).Sum(l => l.GeneratedSize),
            coefficientReserve: coefficientSets.Reserve, coefficientReserveUsed: coefficientSets.ReserveUsed);
        // The budget is the promise the whole library makes; a plan over it is a planner defect, never a model to build.
        if (breakdown.Unused < 0)
            throw new System.InvalidOperationException(
                $"the plan for '{spec.ModelName}' holds {breakdown.Total + breakdown.CoefficientReserveLeft} parameters for a budget of {check.Budget}: a defect in NpasDsl's planner; please report it with this class.");
        return new AllocationPlan(spec, check.Unshared, groupPlans, layers, breakdown, layout.Split);
    }

    /// <summary>"copy 2 masked (16 mask entries)" or "copies 2-4 masked (48 mask entries)".</summary>
    private static string MaskedCopiesText(long copies, long masks)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        string which = copies == 2 ? "copy 2" : "copies 2-" + copies.ToString(invariant);
        return $"{which} masked ({masks.ToString("N0", invariant)} mask entries)";
    }

    private sealed class GroupDraft
    {
        public GroupDraft(string name, List<(LayerSpec Spec, int Index)> members, SharingSpec sharing)
        {
            Name = name;
            Members = members;
            var sizes = members.Select(m => m.Spec.GeneratedSize(m.Index)).ToList();
            MinimumBank = BudgetCheck.MinimumBank(sizes, sharing);
            MinimumCost = BudgetCheck.MinimumGroupCost(sizes, sharing);
            MaximumBank = TemplateLayout.MaximumUsefulBank(sizes, sharing.TemplateCap);
            Largest = sizes.Max();
            SharedSize = sizes.Sum();
        }

        public string Name { get; }
        public List<(LayerSpec Spec, int Index)> Members { get; }
        public long MinimumBank { get; }
        public long MinimumCost { get; }
        public long MaximumBank { get; }
        public long Largest { get; }
        public long SharedSize { get; }
        public bool PaidInFull { get; set; }
    }

    private sealed class Layout
    {
        public Layout(long[] banks, (int Templates, long Offset, long ReadLength)[][] templates, long[][] masks, Combiner combiner, BankSplit split)
        {
            Split = split;
            Banks = banks;
            Templates = templates;
            Masks = masks;
            SharedCoefficients = CoefficientCost.Shared(combiner, templates.SelectMany(g => g.Select(t => t.Templates)));
            Coefficients = templates.Sum(g => g.Sum(t => CoefficientCost.PerLayer(combiner, t.Templates))) + SharedCoefficients;
            Needed = Coefficients + masks.Sum(g => g.Sum());
        }

        /// <summary>Mask entries of every member, per group (Mask upsampler; zeros otherwise).</summary>
        public long[][] Masks { get; }
        /// <summary>What the reserve must pay for: coefficients and masks.</summary>
        public long Needed { get; }

        public long SharedCoefficients { get; }
        public BankSplit Split { get; }

        public long[] Banks { get; }
        public (int Templates, long Offset, long ReadLength)[][] Templates { get; }
        public long Coefficients { get; }
    }
}
