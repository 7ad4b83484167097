using System;
using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Bench;

/// <summary>
/// The order in which configurations timed in turn run within each step: the rows of a Williams design (a balanced
/// Latin square). Over one <see cref="Cycle"/> of steps every configuration runs in every position equally often and
/// right after every other configuration equally often, so neither the position in a step nor what ran just before
/// (the allocator's and the caches' state a larger graph left) falls on one side of a ratio. A rotation of one fixed
/// order (configuration i + step) balances the positions only: configuration m still follows m - 1 in all but one step
/// of each cycle, so the baseline kept following the budget-2.0 step three times in four.
/// </summary>
public static class TimingOrder
{
    /// <summary>Steps in which the design is balanced: <paramref name="count"/> for an even count, twice it for an odd one.</summary>
    public static int Cycle(int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "At least one configuration is timed.");
        return count % 2 == 0 || count == 1 ? count : 2 * count;
    }

    /// <summary>The configurations 0 to <paramref name="count"/> - 1 in the order step <paramref name="step"/> times them.</summary>
    public static IReadOnlyList<int> For(int count, int step)
    {
        int cycle = Cycle(count);
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "Steps count from 0.");
        int row = step % cycle;
        // The first row 0, 1, n-1, 2, n-2, ...; row r adds r to each (mod n); an odd n also runs each row reversed.
        var first = new int[count];
        for (int j = 0, low = 1, high = count - 1; j < count; j++)
            first[j] = j == 0 ? 0 : j % 2 == 1 ? low++ : high--;
        var order = first.Select(c => (c + row % count) % count).ToList();
        if (row >= count) order.Reverse();
        return order;
    }

    /// <summary>
    /// The measured steps to run for at least <paramref name="requested"/>: a whole number of cycles of every design in
    /// <paramref name="counts"/>, counted from the first measured step, so that each configuration's measurements are balanced.
    /// </summary>
    public static int MeasuredSteps(int requested, params int[] counts)
    {
        if (requested < 1) throw new ArgumentOutOfRangeException(nameof(requested), requested, "At least one step is measured.");
        int period = counts.Select(Cycle).Aggregate(1, (a, b) => a / Gcd(a, b) * b);
        return (requested + period - 1) / period * period;

        static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
    }
}
