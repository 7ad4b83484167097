using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using NpasDsl.Allocation;

namespace NpasDsl.Training;

/// <summary>The metrics history as CSV, one row per epoch, written atomically.</summary>
public static class MetricsCsv
{
    /// <summary>The header line when the evaluation set is the test set.</summary>
    public const string Header = "epoch,train_loss,train_accuracy,test_accuracy,learning_rate,seconds";

    /// <summary>The header line for an evaluation set named <paramref name="evaluation"/> (its accuracy column is <c>{evaluation}_accuracy</c>).</summary>
    public static string HeaderFor(string evaluation) => Header.Replace("test_accuracy", evaluation + "_accuracy", System.StringComparison.Ordinal);

    /// <summary>Writes <paramref name="history"/> to <paramref name="path"/>; <paramref name="evaluation"/> names the evaluation set.</summary>
    public static void Write(string path, IEnumerable<EpochRecord> history, string evaluation = "test")
    {
        var text = new StringBuilder(HeaderFor(evaluation)).Append('\n');
        foreach (var r in history)
            text.Append(string.Format(CultureInfo.InvariantCulture, "{0},{1:R},{2:R},{3:R},{4:R},{5:0.###}\n", r.Epoch, r.TrainLoss, r.TrainAccuracy, r.TestAccuracy, r.LearningRate, r.Seconds));
        AtomicFile.WriteText(path, text.ToString());
    }
}
