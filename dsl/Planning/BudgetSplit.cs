using System;
using System.Collections.Generic;
using System.Linq;
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

        // Water-filling: find the scale λ at which Σ clamp(λ·S_g, min_g, max_g) is what is available. At the scale of
        // one pass (λ = free / Σ S_g over the unpinned groups) compare D, what the groups below their minimum lack, with
        // E, what the groups above their maximum have too much. D ≥ E means the clamped total is at least `free`, so the
        // true λ is no larger and every group below its minimum stays below it: pin those. Otherwise the true λ is
        // larger and every group above its maximum stays above it: pin those. Pinning both sides in one pass can pin
        // more than is free (then the banks would exceed the budget). All of it in exact integers (scaled by Σ S_g).
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
            if (total.IsZero) // only groups of size 0 are left: their share is 0, so each gets its minimum
            {
                for (int i = 0; i < n; i++) pinned[i] ??= minimums[i];
            }
            BigInteger lacking = 0, surplus = 0; // D and E, times Σ S_g
            var below = new List<int>();
            var above = new List<int>();
            for (int i = 0; i < n; i++)
            {
                if (pinned[i] is not null) continue;
                BigInteger scaled = (BigInteger)free * weights[i]; // the share times Σ S_g
                BigInteger low = (BigInteger)minimums[i] * total, high = (BigInteger)Max(i) * total;
                if (scaled < low) { lacking += low - scaled; below.Add(i); }
                else if (scaled > high) { surplus += scaled - high; above.Add(i); }
            }
            if (below.Count > 0 && lacking >= surplus)
            {
                foreach (int i in below) pinned[i] = minimums[i];
                continue;
            }
            if (above.Count > 0)
            {
                foreach (int i in above) pinned[i] = Max(i);
                continue;
            }

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
        // A round adds a template only to a group with more members than templates, and a group that once fails to fit
        // never fits later (what is used only grows): rounds past the largest membership add nothing. Stopping there
        // also keeps a "no cap" MaxTemplates (int.MaxValue) from running, and wrapping, forever.
        int rounds = Math.Min(maxTemplates, members.Count == 0 ? 1 : members.Max());
        for (int round = 2; round <= rounds; round++)
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
