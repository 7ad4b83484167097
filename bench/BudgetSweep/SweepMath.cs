using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using NpasDsl.Planning;

namespace NpasDsl.Bench.BudgetSweep;

/// <summary>
/// The pure pieces of the budget sweep: the FashionNet architecture at any width with every layer unshared,
/// the reduced-width search, the targets of issue 5 and the markdown table. No tensors, so the tests link this file.
/// </summary>
public static class SweepMath
{
    /// <summary>The example's channel count.</summary>
    public const int FullWidth = 64;

    /// <summary>
    /// FashionNet's layers (stem 3x3 conv, its norm, four 3x3 convs with their norms, a linear head to 10 classes)
    /// at <paramref name="width"/> channels, every layer <c>[NoShare]</c>, at budget 1.0: an ordinary CNN.
    /// </summary>
    public static NetworkSpec UnsharedSpec(int width)
    {
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "The width must be at least 1 channel.");
        return new NetworkSpec(
            modelName: "FashionNetWidth" + width.ToString(CultureInfo.InvariantCulture),
            budget: BudgetSpec.Fraction(1.0),
            layers: new[]
            {
                LayerSpec.Conv2d("Stem", inChannels: 1, outChannels: width, kernelHeight: 3, kernelWidth: 3, padding: 1, noShare: true),
                LayerSpec.BatchNorm2d("StemNorm", features: width),
                LayerSpec.Conv2d("Body", inChannels: width, outChannels: width, kernelHeight: 3, kernelWidth: 3, padding: 1, repeat: 4, noShare: true),
                LayerSpec.BatchNorm2d("BodyNorms", features: width, repeat: 4),
                LayerSpec.Linear("Head", inFeatures: width, outFeatures: 10, noShare: true),
            });
    }

    /// <summary>Trainable parameters of the unshared CNN at <paramref name="width"/> channels.</summary>
    public static long UnsharedParameters(int width) => UnsharedSpec(width).UnsharedParameters;

    /// <summary>
    /// The widest CNN (1 to <paramref name="maxWidth"/> channels) whose unshared parameter count is at most
    /// <paramref name="limit"/>, searched over every channel count; throws when not even one channel fits.
    /// </summary>
    public static (int Width, long Parameters) ReducedWidth(long limit, int maxWidth = FullWidth)
    {
        var fitting = Enumerable.Range(1, maxWidth).Select(w => (Width: w, Parameters: UnsharedParameters(w))).Where(c => c.Parameters <= limit).ToList();
        if (fitting.Count == 0)
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"Even one channel needs {UnsharedParameters(1):N0} parameters.");
        return fitting.OrderByDescending(c => c.Parameters).First();
    }

    /// <summary>
    /// What makes two layer lists the same architecture: names, kinds, shapes, padding, bias and repeats
    /// (not sharing). Returns the first difference, or null.
    /// </summary>
    public static string? ArchitectureDifference(NetworkSpec a, NetworkSpec b)
    {
        if (a.Layers.Count != b.Layers.Count) return $"{a.Layers.Count} layer properties against {b.Layers.Count}";
        foreach (var (x, y) in a.Layers.Zip(b.Layers))
        {
            string Text(LayerSpec l) => string.Format(CultureInfo.InvariantCulture, "{0} {1} {2}->{3} k{4}x{5} s{6} p{7} bias={8} x{9}",
                l.Name, l.Kind, l.In, l.Out, l.KernelHeight, l.KernelWidth, l.Stride, l.Padding, l.Bias, l.Count);
            if (Text(x) != Text(y)) return $"'{Text(x)}' against '{Text(y)}'";
        }
        return null;
    }
}

/// <summary>One measured configuration.</summary>
/// <param name="Label">what the table calls it (<c>shared, budget 0.10</c>, <c>full unshared (64 channels)</c>, ...)</param>
/// <param name="Budget">the budget fraction of a shared model; null for a baseline</param>
/// <param name="Parameters">trainable parameters</param>
/// <param name="Accuracy">test accuracy after the last epoch, 0 to 1</param>
/// <param name="Seconds">training time</param>
public sealed record SweepResult(string Label, double? Budget, long Parameters, double Accuracy, double Seconds);

/// <summary>A target of issue 5, checked against this run's measurements.</summary>
public sealed record TargetCheck(string Target, bool? Met, string Measured)
{
    /// <summary><c>met</c>, <c>MISSED</c>, or <c>not measured</c>.</summary>
    public string Verdict => Met switch { true => "met", false => "MISSED", null => "not measured" };
}

/// <summary>The targets and the markdown report.</summary>
public static class SweepReport
{
    /// <summary>The budgets the sweep trains, in table order.</summary>
    public static readonly IReadOnlyList<double> Budgets = new[] { 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0 };

    /// <summary>
    /// The budgets below 1 that each get a reduced-width baseline: the unshared CNN a user would train instead of the
    /// shared one at that parameter count. Budget 0.1's is the one the targets compare.
    /// </summary>
    public static readonly IReadOnlyList<double> ReducedBudgets = new[] { 0.02, 0.05, 0.1, 0.25, 0.5 };

    /// <summary>The report's label of the reduced-width CNN with <paramref name="width"/> channels.</summary>
    public static string ReducedLabel(int width) => $"reduced width ({width} channels, unshared)";

    /// <summary>Whether <paramref name="result"/> is one of the reduced-width baselines.</summary>
    public static bool IsReduced(SweepResult result) => result.Label.StartsWith("reduced width (", StringComparison.Ordinal);

    /// <summary>Accuracy difference in percentage points.</summary>
    public static double Points(double accuracy, double reference) => Math.Round((accuracy - reference) * 100, 9);

    /// <summary>
    /// A difference in points as a report shows it (<c>+0.40</c>, <c>-1.25</c>, <c>0.00</c>): two decimals, or, beside a
    /// verdict against <paramref name="threshold"/>, as many more (up to nine) as it takes for the number shown to lie on
    /// the same side of the threshold as the number compared. Otherwise -1.004 shows as -1.00 beside "missed" for "within
    /// 1.0 point", +0.496 as +0.50 beside "missed" for "at least 0.5", and -0.004 as 0.00 beside "missed" for "no worse".
    /// </summary>
    public static string PointsText(double points, double? threshold = null)
    {
        static string Text(double value, int decimals)
        {
            string digits = "0." + new string('0', decimals);
            return value.ToString("+" + digits + ";-" + digits + ";" + digits, CultureInfo.InvariantCulture);
        }
        if (threshold is not { } limit || double.IsNaN(points)) return Text(points, 2);
        bool met = Math.Round(points, 9) >= limit; // as the verdicts compare (Points rounds to nine decimals)
        for (int decimals = 2; decimals < 9; decimals++)
        {
            string text = Text(points, decimals);
            if (double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) >= limit == met) return text;
        }
        return Text(points, 9);
    }

    /// <summary>
    /// Issue 5's targets: at budget 0.1 within 1.0 point of the full model and at least 0.5 points above the
    /// reduced-width model; at budget 2.0 no worse than the full model. A missing measurement is "not measured".
    /// </summary>
    public static IReadOnlyList<TargetCheck> Targets(double? full, double? reduced, double? at01, double? at20)
    {
        // Each difference shown with the digits its verdict turns on (PointsText): -1.004 is "missed", so it does not read -1.00.
        static string P(double points, double threshold) => PointsText(points, threshold) + " points";
        var checks = new List<TargetCheck>();
        checks.Add(full is { } f1 && at01 is { } a1
            ? new TargetCheck("budget 0.1 within 1.0 point of the full model", Points(a1, f1) >= -1.0, $"{P(Points(a1, f1), -1.0)} against full")
            : new TargetCheck("budget 0.1 within 1.0 point of the full model", null, "-"));
        checks.Add(reduced is { } r && at01 is { } a2
            ? new TargetCheck("budget 0.1 at least 0.5 points above the reduced-width model", Points(a2, r) >= 0.5, $"{P(Points(a2, r), 0.5)} against reduced width")
            : new TargetCheck("budget 0.1 at least 0.5 points above the reduced-width model", null, "-"));
        checks.Add(full is { } f2 && at20 is { } a3
            ? new TargetCheck("budget 2.0 no worse than the full model", Points(a3, f2) >= 0, $"{P(Points(a3, f2), 0)} against full")
            : new TargetCheck("budget 2.0 no worse than the full model", null, "-"));
        return checks;
    }

    /// <summary>The targets from a (possibly partial) list of results.</summary>
    public static IReadOnlyList<TargetCheck> Targets(IReadOnlyList<SweepResult> results, string fullLabel, string reducedLabel)
    {
        double? Of(Func<SweepResult, bool> match) => results.FirstOrDefault(match)?.Accuracy;
        return Targets(Of(r => r.Label == fullLabel), Of(r => r.Label == reducedLabel),
            Of(r => r.Budget == 0.1), Of(r => r.Budget == 2.0));
    }

    /// <summary>
    /// The markdown table: shared models by budget, then the baselines; the difference is to the full model
    /// (empty until it is measured). <paramref name="order"/> gives the row order by label; <paramref name="evaluation"/> names the accuracy.
    /// </summary>
    public static string Table(IReadOnlyList<SweepResult> results, IReadOnlyList<string> order, string fullLabel, string evaluation = "test")
    {
        var full = results.FirstOrDefault(r => r.Label == fullLabel);
        var text = new StringBuilder();
        text.Append($"| configuration | parameters | {evaluation} accuracy | difference to full (points) | training (s) |\n");
        text.Append("|---|---:|---:|---:|---:|\n");
        foreach (var label in order)
        {
            if (results.FirstOrDefault(r => r.Label == label) is not { } r) continue;
            string difference = full is null ? "" : r.Label == fullLabel ? "0.00" : Points(r.Accuracy, full.Accuracy).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);
            text.Append(string.Format(CultureInfo.InvariantCulture, "| {0} | {1:N0} | {2:0.0000} | {3} | {4:0} |\n", r.Label, r.Parameters, r.Accuracy, difference, r.Seconds));
        }
        return text.ToString();
    }

    /// <summary>The targets as a markdown list.</summary>
    public static string TargetList(IReadOnlyList<TargetCheck> checks)
        => string.Concat(checks.Select(c => $"- {c.Target}: **{c.Verdict}** ({c.Measured})\n"));
}
