using System;
using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Planning;

/// <summary>
/// Decides how many templates each member of a group reads and where they start.
/// <para>
/// The bank is read circularly: a layer reads K_l·|W_l| consecutive entries from its offset, wrapping past
/// the end. K_l = min(⌈B_g / |W_l|⌉, K_max), so the templates of a layer cover the whole bank whenever
/// K_max allows it and no bank entry is left unread (methods.md asks that an allocation use what it is
/// given; its wrap-to-0 rule leaves a tail of up to |W_l| − 1 entries unread). A layer larger than its bank
/// (|W_l| > B_g) gets K_l = 1 and tiles the bank (the Repeat upsampler).
/// </para>
/// <para>
/// Offsets: one cursor per block size K_l·|W_l| steps through the bank, so same-shape layers walk through
/// distinct memory when the bank is large and reuse it when it is small, while layers of different shapes
/// overlap the same memory from offset 0.
/// </para>
/// </summary>
public static class TemplateLayout
{
    /// <summary>K_l for a layer of <paramref name="weightSize"/> elements in a bank of <paramref name="bankSize"/>.</summary>
    public static int TemplatesFor(long weightSize, long bankSize, int maxTemplates)
    {
        if (weightSize <= 0 || bankSize <= 0) return 1;
        long k = (bankSize + weightSize - 1) / weightSize;
        return (int)Math.Max(1, Math.Min(k, maxTemplates));
    }

    /// <summary>(K_l, offset) for each member, in member order.</summary>
    public static (int Templates, long Offset)[] Layout(IReadOnlyList<long> weightSizes, long bankSize, int maxTemplates)
        => Layout(weightSizes, bankSize, maxTemplates, _ => null).Select(p => (p.Templates, p.Offset)).ToArray();

    /// <summary>
    /// (K_l, offset, entries read) for each member. <paramref name="interpolatedRead"/> gives, for a member larger
    /// than the bank that is grown by interpolation, how many entries its grid reads (null: tile the bank).
    /// </summary>
    public static (int Templates, long Offset, long ReadLength)[] Layout(IReadOnlyList<long> weightSizes, long bankSize, int maxTemplates, Func<int, long?> interpolatedRead,
        bool exactTemplates = false)
    {
        var result = new (int, long, long)[weightSizes.Count];
        var cursors = new Dictionary<long, long>();
        for (int i = 0; i < weightSizes.Count; i++)
        {
            int k = exactTemplates ? maxTemplates : TemplatesFor(weightSizes[i], bankSize, maxTemplates);
            long block = weightSizes[i] > bankSize && !exactTemplates && interpolatedRead(i) is { } grid ? grid : k * weightSizes[i];
            cursors.TryGetValue(block, out long offset);
            result[i] = (k, offset, block);
            cursors[block] = (offset + block) % bankSize;
        }
        return result;
    }

    /// <summary>
    /// The largest bank whose every entry some member reads: layers of one block size walk through the bank
    /// one block after another, layers of different sizes start at 0, so it is the largest n_c · K_max · |W_c|
    /// over the members' weight sizes. Beyond it, extra budget is not capacity.
    /// </summary>
    public static long MaximumUsefulBank(IReadOnlyList<long> weightSizes, int maxTemplates)
    {
        long best = 0;
        var counts = new Dictionary<long, long>();
        foreach (var size in weightSizes)
        {
            counts.TryGetValue(size, out long count);
            counts[size] = ++count;
            // count · K_max fits a long (both are ints); times the size it may not, and the answer is then "any bank".
            long templates = count * maxTemplates;
            best = Math.Max(best, size > 0 && templates > long.MaxValue / size ? long.MaxValue : templates * size);
        }
        return best;
    }

    /// <summary>How many bank entries two circular reads have in common.</summary>
    public static long Overlap(long bankSize, long offsetA, long lengthA, long offsetB, long lengthB)
    {
        long total = 0;
        foreach (var a in Intervals(bankSize, offsetA, lengthA))
            foreach (var b in Intervals(bankSize, offsetB, lengthB))
                total += Math.Max(0, Math.Min(a.End, b.End) - Math.Max(a.Start, b.Start));
        return total;
    }

    /// <summary>The distinct bank entries a circular read touches, as at most two half-open intervals.</summary>
    public static IEnumerable<(long Start, long End)> Intervals(long bankSize, long offset, long length)
    {
        if (length >= bankSize) { yield return (0, bankSize); yield break; }
        long end = offset + length;
        if (end <= bankSize) { yield return (offset, end); yield break; }
        yield return (offset, bankSize);
        yield return (0, end - bankSize);
    }
}
