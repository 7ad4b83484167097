using System;
using System.Collections.Generic;

namespace NpasDsl.Planning;

/// <summary>
/// Splits the bank budget between groups in proportion to their unshared weight sizes S_g, never below a
/// group's minimum bank. Uses the largest-remainder method, so the shares sum exactly to what is available
/// and rounding can never push the total over the budget.
/// </summary>
public static class BudgetSplit
{
    /// <summary>Bank sizes for groups of sizes <paramref name="weights"/>, each at least <paramref name="minimums"/>; null if even the minimums do not fit.</summary>
    public static long[]? Proportional(long available, IReadOnlyList<long> weights, IReadOnlyList<long> minimums)
    {
        int n = weights.Count;
        var result = new long[n];
        long minTotal = 0;
        for (int i = 0; i < n; i++) minTotal += minimums[i];
        if (available < minTotal) return null;

        // Water-filling: groups whose proportional share falls below their minimum are pinned to it,
        // and the rest is split again among the others.
        var pinned = new bool[n];
        while (true)
        {
            long free = available;
            double weightSum = 0;
            for (int i = 0; i < n; i++)
            {
                if (pinned[i]) free -= minimums[i];
                else weightSum += weights[i];
            }
            bool changed = false;
            for (int i = 0; i < n; i++)
            {
                if (pinned[i]) continue;
                double share = weightSum > 0 ? free * (weights[i] / weightSum) : 0;
                if (share < minimums[i]) { pinned[i] = true; changed = true; }
            }
            if (changed) continue;

            var remainders = new List<(double Fraction, int Index)>();
            long assigned = 0;
            for (int i = 0; i < n; i++)
            {
                if (pinned[i]) { result[i] = minimums[i]; continue; }
                double share = weightSum > 0 ? free * (weights[i] / weightSum) : 0;
                long floor = (long)Math.Floor(share);
                result[i] = floor;
                assigned += floor;
                remainders.Add((share - floor, i));
            }
            long leftover = free - assigned;
            remainders.Sort((a, b) => b.Fraction != a.Fraction ? b.Fraction.CompareTo(a.Fraction) : a.Index.CompareTo(b.Index));
            for (int k = 0; leftover > 0 && remainders.Count > 0; k = (k + 1) % remainders.Count, leftover--)
                result[remainders[k].Index]++;
            return result;
        }
    }
}
