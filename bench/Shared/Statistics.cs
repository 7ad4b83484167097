using System;
using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Bench;

/// <summary>Summaries of repeated timings, shared by the benchmarks that report them.</summary>
public static class Statistics
{
    /// <summary>The median: the middle value, or the mean of the two middle values of an even count.</summary>
    /// <exception cref="ArgumentException">There are no values.</exception>
    public static double Median(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("The median of no values is undefined.", nameof(values));
        var sorted = values.OrderBy(v => v).ToList();
        int middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
