using System;
using System.Collections.Generic;

namespace NpasDsl.Planning;

/// <summary>
/// The Mask upsampler's geometry and cost (methods.md section 5). A layer of |W| entries grown from a bank of
/// B &lt; |W| entries reads the bank circularly from its offset, as Repeat does, so its flat weight is
/// C = ⌈|W| / B⌉ copies of the bank, the last one cut. Copy 1 is used as it is; every copy c ≥ 2 is multiplied
/// elementwise by 1 + m_c, where m_c is that copy's own learned mask, repeated along the copy with period
/// P = min(<see cref="SharingSpec.MaskPeriod"/>, copy length). The mask entries of a layer are stored copy after copy in one
/// vector (<c>{layer}.mask</c>); every one of them is a trainable parameter and counts in the budget.
/// <para>
/// Why 1 + m and not m: the masks start near 0 (normal, std 0.01), so each copy starts as an almost exact tile
/// of the bank, the generated weight keeps the spread of Repeat, and the initial scale correction of methods.md
/// section 3 stays valid; a mask of literally small values would zero every copy after the first.
/// </para>
/// <para>
/// Why a default period of 16 (<c>[Sharing(MaskPeriod = P)]</c> changes it): a layer pays about 16 · |W| / B mask entries, which stays far below the bank
/// whenever the bank is worth having (under 1 % of |W| once a copy holds 1,600 entries), so Mask costs about
/// what Repeat costs at the budgets where layers are tiled. A period tied to the layer (its row length,
/// fan-in × kernel) would cost C − 1 whole rows per layer: 4,608 of the 14,964 parameters of the 10 %
/// Fashion-MNIST CNN (against 128), which would make Mask unaffordable exactly where tiling happens. Sixteen different multipliers per copy are enough to break the
/// copies' symmetry; training decides the rest through the bank.
/// </para>
/// </summary>
public static class CopyMasks
{
    /// <summary>Standard deviation of the initial mask entries m (the copy is multiplied by 1 + m).</summary>
    public const double InitialStd = 0.01;

    /// <summary>C: how many copies of a bank of <paramref name="bankSize"/> entries cover a weight of <paramref name="weightSize"/>.</summary>
    public static long Copies(long weightSize, long bankSize)
        => bankSize <= 0 || weightSize <= bankSize ? 1 : (weightSize + bankSize - 1) / bankSize;

    /// <summary>The length of the last copy (the bank's length unless the weight ends inside it).</summary>
    public static long LastCopyLength(long weightSize, long bankSize)
        => weightSize - (Copies(weightSize, bankSize) - 1) * Math.Max(1, bankSize);

    /// <summary>The mask period of a copy of <paramref name="copyLength"/> entries: a copy shorter than <paramref name="period"/> has one entry per element.</summary>
    public static long PeriodOf(long copyLength, int period) => Math.Min(period, copyLength);

    /// <summary>
    /// Mask entries of a layer of <paramref name="weightSize"/> grown from a bank of <paramref name="bankSize"/>:
    /// copies 2 .. C − 1 have the bank's length, copy C has <see cref="LastCopyLength"/>; 0 when the layer fits the bank.
    /// </summary>
    public static long Entries(long weightSize, long bankSize, int period)
    {
        long copies = Copies(weightSize, bankSize);
        if (copies == 1) return 0;
        return (copies - 2) * PeriodOf(bankSize, period) + PeriodOf(LastCopyLength(weightSize, bankSize), period);
    }

    /// <summary>
    /// The bank size at which a group of members of <paramref name="memberSizes"/> costs least under the Mask
    /// upsampler: B plus every member's coefficients and masks. Tiling from a one-entry bank, the cheapest choice
    /// under Repeat, would give every element its own mask entry; the cheapest bank is near √(P · Σ|W_l|).
    /// Ties keep the larger bank (more shared capacity for the same parameters).
    /// </summary>
    public static long CheapestBank(IReadOnlyList<long> memberSizes, SharingSpec sharing)
    {
        // Members of one size cost the same: count them once.
        var counts = new Dictionary<long, long>();
        long largest = 1, total = 0;
        foreach (var size in memberSizes)
        {
            counts.TryGetValue(size, out long count);
            counts[size] = count + 1;
            largest = Math.Max(largest, size);
            total += size;
        }
        var sizes = new long[counts.Count];
        var multiplicity = new long[counts.Count];
        int n = 0;
        foreach (var pair in counts) { sizes[n] = pair.Key; multiplicity[n++] = pair.Value; }

        long Cost(long bank)
        {
            long cost = bank;
            for (int i = 0; i < n; i++)
                cost += multiplicity[i] * (CoefficientCost.PerLayer(sharing.Combiner, sharing.TemplatesFor(sizes[i], bank)) + sharing.MaskEntriesFor(sizes[i], bank));
            return cost;
        }

        // A bank of B costs at least B, so once B passes the best cost found no larger bank can beat it: a good
        // first guess near the optimum keeps the scan to about twice that size.
        long guess = Math.Max(1, Math.Min(largest, (long)Math.Sqrt((double)sharing.MaskPeriod * total)));
        long best = largest, bestCost = Cost(largest);
        long guessCost = Cost(guess);
        if (guessCost < bestCost) { best = guess; bestCost = guessCost; }
        for (long bank = 1; bank < largest && bank <= bestCost; bank++)
        {
            long cost = Cost(bank);
            if (cost < bestCost || (cost == bestCost && bank > best)) { best = bank; bestCost = cost; }
        }
        return best;
    }
}
