using System;
using System.Collections.Generic;
using System.Numerics;

namespace NpasDsl.Planning;

/// <summary>
/// Splits the bank budget between groups in proportion to their unshared weight sizes S_g, never below a
/// group's minimum bank nor above the most its members can read. Uses the largest-remainder method, so the
/// shares never add up to more than what is available (exactly that, unless every group is full).
/// </summary>
public static class BudgetSplit
{
    /// <summary>
    /// Bank sizes for groups of sizes <paramref name="weights"/>, each between <paramref name="minimums"/> and
    /// <paramref name="maximums"/> (null: no maximum); null if even the minimums do not fit.
    /// </summary>
    public static long[]? Proportional(long available, IReadOnlyList<long> weights, IReadOnlyList<long> minimums, IReadOnlyList<long>? maximums = null)
    {
        int n = weights.Count;
        long Max(int i) => maximums is null ? long.MaxValue : Math.Max(maximums[i], minimums[i]);
        var result = new long[n];
        long minTotal = 0;
        for (int i = 0; i < n; i++) minTotal += minimums[i];
        if (available < minTotal) return null;

        // Water-filling: groups whose proportional share falls outside their bounds are pinned to the bound,
        // and the rest is split again among the others. Each pass pins at least one group.
        var pinned = new long?[n];
        while (true)
        {
            long free = available;
            BigInteger total = 0;
            for (int i = 0; i < n; i++)
            {
                if (pinned[i] is { } value) free -= value;
                else total += weights[i];
            }
            bool changed = false;
            for (int i = 0; i < n; i++)
            {
                if (pinned[i] is not null) continue;
                var share = total.IsZero ? BigInteger.Zero : (BigInteger)free * weights[i] / total;
                if (share < minimums[i]) { pinned[i] = minimums[i]; changed = true; }
                else if (share > Max(i)) { pinned[i] = Max(i); changed = true; }
            }
            if (changed) continue;

            // Exact integer shares (BigInteger: free · S_g can exceed 2^63, and doubles lose units above 2^53).
            var remainders = new List<(BigInteger Remainder, int Index)>();
            long assigned = 0;
            for (int i = 0; i < n; i++)
            {
                if (pinned[i] is { } value) { result[i] = value; continue; }
                var share = total.IsZero ? BigInteger.Zero : BigInteger.DivRem((BigInteger)free * weights[i], total, out var remainder);
                result[i] = (long)share;
                assigned += result[i];
                remainders.Add((total.IsZero ? BigInteger.Zero : remainder, i));
            }
            long leftover = free - assigned;
            remainders.Sort((a, b) => b.Remainder != a.Remainder ? b.Remainder.CompareTo(a.Remainder) : a.Index.CompareTo(b.Index));
            foreach (var (_, index) in remainders)
            {
                if (leftover == 0) break;
                if (result[index] < Max(index)) { result[index]++; leftover--; }
            }
            return result;
        }
    }

    /// <summary>
    /// SuperWeights' split in whole templates (see <see cref="NpasDsl.BankSplit.Templates"/>): bank sizes in
    /// multiples of each group's largest layer, never above <paramref name="maximums"/>; null when one template
    /// per group does not fit.
    /// </summary>
    public static long[]? InTemplates(long available, IReadOnlyList<long> largest, IReadOnlyList<int> members, IReadOnlyList<long> maximums, int maxTemplates)
    {
        int n = largest.Count;
        var templates = new long[n];
        long used = 0;
        for (int i = 0; i < n; i++) { templates[i] = 1; used += largest[i]; }
        if (used > available) return null;

        bool Fits(int i) => used + largest[i] <= available && (templates[i] + 1) * largest[i] <= maximums[i];
        void Add(int i) { templates[i]++; used += largest[i]; }

        var bySize = new List<int>();
        for (int i = 0; i < n; i++) bySize.Add(i);
        bySize.Sort((a, b) => members[b] != members[a] ? members[b].CompareTo(members[a]) : a.CompareTo(b));
        for (int round = 2; round <= maxTemplates; round++)
            foreach (int i in bySize)
                if (templates[i] < round && members[i] > templates[i] && Fits(i)) Add(i);

        for (bool added = true; added;)
        {
            added = false;
            for (int i = 0; i < n; i++)
                if (Fits(i)) { Add(i); added = true; }
        }

        var banks = new long[n];
        for (int i = 0; i < n; i++) banks[i] = templates[i] * largest[i];
        return banks;
    }
}
