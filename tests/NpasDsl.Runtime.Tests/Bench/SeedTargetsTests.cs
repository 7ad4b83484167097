using System;
using System.Collections.Generic;
using System.Linq;
using NpasDsl.Bench;
using NpasDsl.Bench.BudgetSweep;
using Xunit;

namespace NpasDsl.Runtime.Tests.Bench;

/// <summary>Issue 5's targets over seeds (bench/BudgetSweep --seeds-report) and the statistics under them.</summary>
public sealed class SeedTargetsTests
{
    [Fact]
    public void The_interval_is_the_student_t_one_of_the_mean()
    {
        // Five values with mean 3 and sample standard deviation √2.5: half-width t(4) · √2.5 / √5 = 2.776445 · 0.707107.
        var (mean, sd, half) = Statistics.MeanWithInterval(new[] { 1.0, 2, 3, 4, 5 });
        Assert.Equal(3.0, mean, 12);
        Assert.Equal(Math.Sqrt(2.5), sd, 12);
        Assert.Equal(2.776445 * Math.Sqrt(0.5), half, 6);
        var one = Statistics.MeanWithInterval(new[] { 0.7 });
        Assert.Equal(0.7, one.Mean);
        Assert.True(double.IsNaN(one.HalfWidth95));
        Assert.Throws<ArgumentException>(() => Statistics.MeanWithInterval(Array.Empty<double>()));
    }

    [Theory]
    [InlineData(1, 12.706205)]
    [InlineData(30, 2.042272)]
    [InlineData(40, 2.021075)]
    [InlineData(120, 1.979930)]
    public void Student_t_quantiles_match_the_tables_beyond_their_end_too(int degreesOfFreedom, double expected)
        => Assert.Equal(expected, Statistics.StudentT975(degreesOfFreedom), 3);

    [Theory]
    [InlineData(2, 4.302653)]
    [InlineData(3, 3.182446)]
    [InlineData(4, 2.776445)]
    [InlineData(9, 2.262157)]
    [InlineData(10, 2.228139)]
    [InlineData(29, 2.045230)]
    public void Student_t_quantiles_of_few_degrees_of_freedom_are_the_tables(int degreesOfFreedom, double expected)
        => Assert.Equal(expected, Statistics.StudentT975(degreesOfFreedom), 6);

    [Theory]
    [InlineData(31, 2.039513)]
    [InlineData(60, 2.000298)]
    [InlineData(1000, 1.962339)]
    public void Past_the_table_the_expansion_is_within_a_thousandth(int degreesOfFreedom, double expected)
        => Assert.InRange(Statistics.StudentT975(degreesOfFreedom), expected - 0.0005, expected + 0.0005);

    [Fact]
    public void Two_values_give_the_one_degree_of_freedom_interval_of_the_sample_deviation()
    {
        // Mean 2, sample standard deviation (n - 1) √2, half-width t(1) · √2 / √2 = 12.706205.
        var (mean, sd, half) = Statistics.MeanWithInterval(new[] { 1.0, 3.0 });
        Assert.Equal(2.0, mean, 12);
        Assert.Equal(Math.Sqrt(2), sd, 12);
        Assert.Equal(12.706205, half, 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => Statistics.StudentT975(0));
    }

    [Fact]
    public void The_median_of_an_even_count_is_the_mean_of_the_middle_two()
    {
        Assert.Equal(2.5, Statistics.Median(new[] { 4.0, 1, 2, 3 }));
        Assert.Equal(2.0, Statistics.Median(new[] { 3.0, 1, 2 }));
    }

    private static Func<string, long, double?> Accuracies(Dictionary<(string, long), double> measured)
        => (configuration, seed) => measured.TryGetValue((configuration, seed), out var a) ? a : null;

    [Fact]
    public void Differences_are_paired_by_seed_and_a_seed_missing_on_one_side_is_left_out()
    {
        var measured = new Dictionary<(string, long), double>
        {
            [("full", 1)] = 0.9316, [("full", 2)] = 0.9322, [("full", 3)] = 0.9349,
            [("2", 1)] = 0.9324, [("2", 2)] = 0.9322, [("2", 4)] = 0.9339, // seed 3 of budget 2.0 and seed 4 of full were not run
        };
        var row = SeedTargets.Compute(SeedTargets.Issue5, new long[] { 1, 2, 3, 4 }, Accuracies(measured)).Single(r => r.Target.Configuration == "2");
        Assert.Equal(new long[] { 1, 2 }, row.Differences.Select(d => d.Seed));
        Assert.Equal(new[] { 0.08, 0.0 }, row.Differences.Select(d => Math.Round(d.Points, 6)));
        Assert.Equal("met on the mean, but the interval holds the threshold: the seeds cannot tell", row.Verdict);
    }

    [Fact]
    public void The_verdict_says_whether_the_seeds_settle_the_target()
    {
        static string VerdictOf(params double[] budgetMinusFull)
        {
            var measured = new Dictionary<(string, long), double>();
            for (int s = 0; s < budgetMinusFull.Length; s++)
            {
                measured[("full", s + 1)] = 0.9;
                measured[("2", s + 1)] = 0.9 + budgetMinusFull[s] / 100;
            }
            return SeedTargets.Compute(SeedTargets.Issue5, Enumerable.Range(1, budgetMinusFull.Length).Select(s => (long)s).ToList(), Accuracies(measured))
                .Single(r => r.Target.Configuration == "2").Verdict;
        }
        Assert.Equal("met on the mean, and the whole interval meets it", VerdictOf(0.30, 0.32, 0.31));
        Assert.Equal("missed on the mean, and the whole interval misses it", VerdictOf(-0.30, -0.32, -0.31));
        Assert.Equal("missed on the mean, but the interval holds the threshold: the seeds cannot tell", VerdictOf(0.10, -0.30, -0.05));
        Assert.Equal("met on the mean (one seed: no interval)", VerdictOf(0.1));
        // Exactly at the threshold is met, whatever the float sums make of it.
        Assert.StartsWith("met on the mean", VerdictOf(-0.1, -0.2, 0.3)); // -0.1 + -0.2 + 0.3 is -5.6E-17 in doubles
        Assert.Equal("not measured", VerdictOf());
    }

    [Fact]
    public void A_mean_that_misses_by_a_fraction_of_a_hundredth_is_shown_with_the_digit_it_misses_by()
    {
        // Found by a review: a mean of -1.0033 points read "-1.00" beside "missed on the mean" for "within 1.0 point".
        var measured = new Dictionary<(string, long), double>
        {
            [("full", 1)] = 0.9300, [("0.1", 1)] = 0.9200, [("full", 2)] = 0.9310, [("0.1", 2)] = 0.9210, [("full", 3)] = 0.9320, [("0.1", 3)] = 0.9219,
        };
        var rows = SeedTargets.Compute(SeedTargets.Issue5, new long[] { 1, 2, 3 }, Accuracies(measured));
        var row = rows.Single(r => r.Target.Reference == "full" && r.Target.Configuration == "0.1");
        Assert.Equal(-1.0033333, row.Summary.Mean, 6);
        Assert.StartsWith("missed on the mean", row.Verdict);
        var table = SeedTargets.Table(rows);
        Assert.Contains("| 3 | 1: -1.00, 2: -1.00, 3: -1.01 | -1.003 | [-1.02, -0.99] | missed on the mean, but the interval holds the threshold: the seeds cannot tell |", table);
        // Exactly on the threshold is met, and shows as the threshold.
        measured[("0.1", 3)] = 0.9220;
        var exact = SeedTargets.Compute(SeedTargets.Issue5, new long[] { 1, 2, 3 }, Accuracies(measured));
        Assert.Contains("| 3 | 1: -1.00, 2: -1.00, 3: -1.00 | -1.00 | [-1.00, -1.00] | met on the mean, and the whole interval meets it |", SeedTargets.Table(exact));
    }

    [Fact]
    public void The_table_lists_each_seeds_difference_the_mean_and_the_interval()
    {
        var measured = new Dictionary<(string, long), double> { [("0.1", 1)] = 0.9210, [("full", 1)] = 0.9316, [("0.1", 2)] = 0.9207, [("full", 2)] = 0.9322 };
        var table = SeedTargets.Table(SeedTargets.Compute(SeedTargets.Issue5, new long[] { 1, 2 }, Accuracies(measured)));
        Assert.Contains("| budget 0.1 within 1.0 point of the full model (threshold -1.00) | 2 | 1: -1.06, 2: -1.15 | -1.11 | [-1.68, -0.53] |", table);
        Assert.Contains("| budget 2.0 no worse than the full model (threshold 0.00) | 0 | - | - | - | not measured |", table);
    }
}
