using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NpasDsl.Bench.BudgetSweep;

/// <summary>
/// Issue 5's targets over several seeds: per target, the difference between its two configurations on every seed both
/// were measured on (paired by seed: the same initialisation seed and data order), their mean and its 95 % interval. One
/// seed's verdict (<see cref="SweepReport.Targets(double?, double?, double?, double?)"/>) cannot tell a gap from the
/// spread between seeds; the interval can, where enough seeds were run.
/// </summary>
public static class SeedTargets
{
    /// <summary>
    /// A target as a difference: <see cref="Configuration"/> minus <see cref="Reference"/> (the <c>--only</c> keys: full,
    /// reduced, 0.1, 2) must be at least <see cref="Threshold"/> points.
    /// </summary>
    public sealed record Target(string Text, string Configuration, string Reference, double Threshold);

    /// <summary>The three targets of issue 5.</summary>
    public static readonly IReadOnlyList<Target> Issue5 = new[]
    {
        new Target("budget 0.1 within 1.0 point of the full model", "0.1", "full", -1.0),
        new Target("budget 0.1 at least 0.5 points above the reduced-width model", "0.1", "reduced", 0.5),
        new Target("budget 2.0 no worse than the full model", "2", "full", 0.0),
    };

    /// <summary>One target's differences (points) by seed, and what they say.</summary>
    public sealed record Row(Target Target, IReadOnlyList<(long Seed, double Points)> Differences)
    {
        /// <summary>The mean difference, its standard deviation and 95 % half-width (NaN where fewer than two seeds).</summary>
        public (double Mean, double StandardDeviation, double HalfWidth95) Summary
            => Differences.Count == 0 ? (double.NaN, double.NaN, double.NaN) : Statistics.MeanWithInterval(Differences.Select(d => d.Points).ToList());

        // Compared with the threshold after rounding, as SweepReport.Points rounds each difference: a mean of exactly -1.00
        // points must not read as missed because its sum came out as -1.0000000000000009.
        private static double Rounded(double points) => Math.Round(points, 9);

        /// <summary>
        /// <c>met</c> or <c>missed</c> on the mean, and whether the 95 % interval clears the threshold (the seeds settle it) or
        /// holds it (a gap the seeds' spread cannot tell from none).
        /// </summary>
        public string Verdict
        {
            get
            {
                if (Differences.Count == 0) return "not measured";
                var (mean, _, half) = Summary;
                string onMean = Rounded(mean) >= Target.Threshold ? "met on the mean" : "missed on the mean";
                if (double.IsNaN(half)) return onMean + " (one seed: no interval)";
                return onMean + (Rounded(mean - half) >= Target.Threshold ? ", and the whole interval meets it"
                    : Rounded(mean + half) < Target.Threshold ? ", and the whole interval misses it"
                    : ", but the interval holds the threshold: the seeds cannot tell");
            }
        }
    }

    /// <summary>
    /// The rows of <paramref name="targets"/> from <paramref name="accuracy"/> (a configuration's test accuracy on a seed,
    /// null where it was not measured), over <paramref name="seeds"/>.
    /// </summary>
    public static IReadOnlyList<Row> Compute(IReadOnlyList<Target> targets, IReadOnlyList<long> seeds, Func<string, long, double?> accuracy)
        => targets.Select(t => new Row(t, seeds
            .Select(s => (Seed: s, A: accuracy(t.Configuration, s), B: accuracy(t.Reference, s)))
            .Where(x => x.A is not null && x.B is not null)
            .Select(x => (x.Seed, SweepReport.Points(x.A!.Value, x.B!.Value)))
            .ToList())).ToList();

    /// <summary>The rows as a markdown table: seeds, differences, mean ± half-width, interval and verdict.</summary>
    public static string Table(IReadOnlyList<Row> rows)
    {
        var text = new StringBuilder("| target | seeds | difference per seed (points) | mean | 95 % interval | verdict |\n|---|---:|---|---:|---|---|\n");
        foreach (var row in rows)
        {
            // Each number with the digits its side of the threshold turns on: a mean of -1.0033 is "missed", so it does not read -1.00.
            string P(double points) => double.IsNaN(points) ? "-" : SweepReport.PointsText(points, row.Target.Threshold);
            var (mean, _, half) = row.Summary;
            string interval = double.IsNaN(half) ? "-" : $"[{P(mean - half)}, {P(mean + half)}]";
            string perSeed = string.Join(", ", row.Differences.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Seed}: {P(d.Points)}")));
            text.Append(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Target.Text} (threshold {SweepReport.PointsText(row.Target.Threshold)}) | {row.Differences.Count} | {(perSeed.Length == 0 ? "-" : perSeed)} | {P(mean)} | {interval} | {row.Verdict} |\n"));
        }
        return text.ToString();
    }
}
