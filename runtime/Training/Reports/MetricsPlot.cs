using System.Collections.Generic;
using System.IO;
using System.Linq;
using NpasDsl.Allocation;

namespace NpasDsl.Training;

/// <summary>A PNG of the training curves: loss on the left axis, train and evaluation (test or validation) accuracy on the right, per epoch.</summary>
public static class MetricsPlot
{
    /// <summary>Writes the plot of <paramref name="history"/> to <paramref name="path"/> (atomically); <paramref name="evaluation"/> names the evaluation set.</summary>
    public static void Write(string path, IReadOnlyList<EpochRecord> history, string title, string evaluation = "test")
    {
        var plot = new ScottPlot.Plot();
        double[] epochs = history.Select(r => (double)r.Epoch).ToArray();

        var loss = plot.Add.Scatter(epochs, history.Select(r => r.TrainLoss).ToArray());
        loss.LegendText = "train loss";
        var train = plot.Add.Scatter(epochs, history.Select(r => r.TrainAccuracy).ToArray());
        train.LegendText = "train accuracy";
        train.Axes.YAxis = plot.Axes.Right;
        var test = plot.Add.Scatter(epochs, history.Select(r => r.TestAccuracy).ToArray());
        test.LegendText = evaluation + " accuracy";
        test.Axes.YAxis = plot.Axes.Right;

        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.Axes.Right.Label.Text = "accuracy";
        plot.ShowLegend();

        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp-" + System.Environment.ProcessId + ".png";
        try
        {
            plot.SavePng(temporary, 900, 540);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
