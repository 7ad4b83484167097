using System;
using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Bench;

/// <summary>Summaries of repeated measurements (timings, accuracies over seeds), shared by the benchmarks that report them.</summary>
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

    /// <summary>
    /// The mean, the sample standard deviation and the half-width of the two-sided 95 % Student-t confidence interval of
    /// the mean (mean ± half-width). With one value the spread is unknown: both are NaN.
    /// </summary>
    /// <exception cref="ArgumentException">There are no values.</exception>
    public static (double Mean, double StandardDeviation, double HalfWidth95) MeanWithInterval(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("The mean of no values is undefined.", nameof(values));
        double mean = values.Average();
        if (values.Count == 1) return (mean, double.NaN, double.NaN);
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return (mean, sd, StudentT975(values.Count - 1) * sd / Math.Sqrt(values.Count));
    }

    // Two-sided 95 % quantiles of Student's t for 1 to 30 degrees of freedom (standard tables, six digits).
    private static readonly double[] T975 =
    {
        12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
        2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
        2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
    };

    /// <summary>
    /// The 97.5 % quantile of Student's t with <paramref name="degreesOfFreedom"/> degrees of freedom: from the table up to
    /// 30, beyond it the Cornish-Fisher expansion around the normal quantile (within 0.0005 of the exact value there).
    /// </summary>
    public static double StudentT975(int degreesOfFreedom)
    {
        if (degreesOfFreedom < 1) throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "Student's t needs at least one degree of freedom.");
        if (degreesOfFreedom <= T975.Length) return T975[degreesOfFreedom - 1];
        const double z = 1.959964;
        double n = degreesOfFreedom;
        return z + (Math.Pow(z, 3) + z) / (4 * n) + (5 * Math.Pow(z, 5) + 16 * Math.Pow(z, 3) + 3 * z) / (96 * n * n);
    }
}
