using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace NpasDsl.Bench.BudgetSweep;

/// <summary>The PNG: test (or validation) accuracy against trainable parameters on a log axis, the shared curve, the full CNN and the reduced-width curve.</summary>
public static class SweepPlot
{
    /// <summary>Writes the plot to <paramref name="path"/> (atomically), from whatever has been measured.</summary>
    public static void Write(string path, IReadOnlyList<SweepResult> results, string fullLabel, string title, string evaluation = "test")
    {
        var plot = new ScottPlot.Plot();
        var shared = results.Where(r => r.Budget is not null).OrderBy(r => r.Parameters).ToList();
        if (shared.Count > 0)
        {
            var curve = plot.Add.Scatter(shared.Select(r => Math.Log10(r.Parameters)).ToArray(), shared.Select(r => r.Accuracy * 100).ToArray());
            curve.LegendText = "FashionNet, shared (" + (shared.Count == 1 ? "budget " : "budgets ") + string.Join(", ", shared.Select(r => r.Budget!.Value.ToString("0.##", CultureInfo.InvariantCulture))) + ")";
            curve.MarkerSize = 8;
            curve.LineWidth = 2;
            foreach (var r in shared)
            {
                var label = plot.Add.Text(r.Budget!.Value.ToString("0.##", CultureInfo.InvariantCulture), Math.Log10(r.Parameters), r.Accuracy * 100);
                label.LabelFontSize = 12;
                label.OffsetY = -8;
                label.OffsetX = 4;
            }
        }
        if (results.FirstOrDefault(r => r.Label == fullLabel) is { } full)
        {
            var line = plot.Add.HorizontalLine(full.Accuracy * 100);
            line.LinePattern = ScottPlot.LinePattern.Dashed;
            line.LineWidth = 1;
            line.Color = ScottPlot.Colors.Gray;
            var point = plot.Add.Scatter(new[] { Math.Log10(full.Parameters) }, new[] { full.Accuracy * 100 });
            point.LegendText = full.Label;
            point.MarkerSize = 12;
            point.MarkerShape = ScottPlot.MarkerShape.FilledSquare;
        }
        // The reduced-width CNNs as a curve of their own: what a user gets by shrinking the network instead of sharing it.
        var reduced = results.Where(SweepReport.IsReduced).OrderBy(r => r.Parameters).ToList();
        if (reduced.Count > 0)
        {
            var curve = plot.Add.Scatter(reduced.Select(r => Math.Log10(r.Parameters)).ToArray(), reduced.Select(r => r.Accuracy * 100).ToArray());
            curve.LegendText = reduced.Count == 1 ? reduced[0].Label : "reduced width, unshared (" + string.Join(", ", reduced.Select(r => r.Label["reduced width (".Length..].Split(' ')[0])) + " channels)";
            curve.MarkerSize = 10;
            curve.MarkerShape = ScottPlot.MarkerShape.FilledDiamond;
            curve.LineWidth = 1;
            curve.LinePattern = ScottPlot.LinePattern.Dotted;
        }

        // A log axis: positions are log10(parameters), ticks at 1, 2 and 5 of each decade, labelled with the count.
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int decade = 2; decade <= 6; decade++)
            foreach (var m in new[] { 1, 2, 5 })
            {
                double value = m * Math.Pow(10, decade);
                ticks.AddMajor(Math.Log10(value), value.ToString("N0", CultureInfo.InvariantCulture));
                for (int minor = m + 1; minor < (m == 1 ? 2 : m == 2 ? 5 : 10); minor++) ticks.AddMinor(Math.Log10(minor * Math.Pow(10, decade)));
            }
        plot.Axes.Bottom.TickGenerator = ticks;
        if (results.Count > 0)
        {
            double low = results.Min(r => Math.Log10(r.Parameters)), high = results.Max(r => Math.Log10(r.Parameters));
            plot.Axes.SetLimitsX(low - 0.15, high + 0.15);
        }

        plot.Title(title);
        plot.XLabel("trainable parameters (log scale)");
        plot.YLabel(evaluation + " accuracy (%)");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);

        var target = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = target + ".tmp-" + Environment.ProcessId + ".png";
        try
        {
            plot.SavePng(temporary, 900, 560);
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
