using System;
using System.Collections.Generic;
using System.Numerics;

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

            // Exact integer shares (BigInteger: free · S_g can exceed 2^63, and doubles lose units above 2^53).
            var remainders = new List<(BigInteger Remainder, int Index)>();
            BigInteger total = 0;
            for (int i = 0; i < n; i++) if (!pinned[i]) total += weights[i];
            long assigned = 0;
            for (int i = 0; i < n; i++)
            {
                if (pinned[i]) { result[i] = minimums[i]; continue; }
                var share = total.IsZero ? BigInteger.Zero : BigInteger.DivRem((BigInteger)free * weights[i], total, out var remainder);
                result[i] = (long)share;
                assigned += result[i];
                remainders.Add((total.IsZero ? BigInteger.Zero : remainder, i));
            }
            long leftover = free - assigned;
            remainders.Sort((a, b) => b.Remainder != a.Remainder ? b.Remainder.CompareTo(a.Remainder) : a.Index.CompareTo(b.Index));
            for (int k = 0; leftover > 0 && remainders.Count > 0; k = (k + 1) % remainders.Count, leftover--)
                result[remainders[k].Index]++;
            return result;
        }
    }
}
