using System.Globalization;
using NpasDsl.Training;

namespace NpasDsl.Bench.BudgetSweep;

/// <summary>
/// The key that makes results comparable across the processes of one sweep (<see cref="SweepResultsFile"/>): every
/// setting that changes accuracy. Settings added after results were first recorded are named only when they differ
/// from their old fixed value, so those results keep matching. The TorchSharp thread count changes float sums, and so
/// the last digits of an accuracy (the Fashion-MNIST example: 0.9052 with two threads, 0.9062 with one), but it is not
/// part of the key (a <c>--report</c> run trains nothing and has no thread count of its training): each line records it
/// beside the commit (<see cref="SweepResultsFile"/>), and a report says when it merges lines of different counts or code.
/// </summary>
public static class SweepSettings
{
    /// <summary>
    /// The key of a run of <paramref name="trainer"/> under <paramref name="sharing"/>; a validation run
    /// (<paramref name="validation"/> held-out images) is keyed apart, so its accuracies never mix with test accuracies.
    /// </summary>
    public static string Key(TrainerOptions trainer, string sharing, int? validation, string? augmentation)
        => string.Format(CultureInfo.InvariantCulture, "epochs={0} batches={1} seed={2} lr={3} schedule={4}/{5} {6}",
               trainer.Epochs, trainer.BatchesPerEpoch?.ToString(CultureInfo.InvariantCulture) ?? "all", trainer.Seed, trainer.LearningRate,
               trainer.Schedule, trainer.Interval, sharing)
           + (validation is { } held ? string.Format(CultureInfo.InvariantCulture, " validation={0}", held) : "")
           + (augmentation is null ? "" : " augment=" + augmentation)
           + (trainer.WeightDecay > 0 ? string.Format(CultureInfo.InvariantCulture, " weight_decay={0}", trainer.WeightDecay) : "")
           + (trainer.LabelSmoothing > 0 ? string.Format(CultureInfo.InvariantCulture, " label_smoothing={0}", trainer.LabelSmoothing) : "")
           + (trainer.Optimizer == OptimizerKind.AdamW ? "" : string.Format(CultureInfo.InvariantCulture, " optimizer=sgd momentum={0}", trainer.Momentum));

    /// <summary>"AdamW" or "SGD (Nesterov momentum 0.9)": the report's header.</summary>
    public static string OptimizerText(TrainerOptions trainer)
        => trainer.Optimizer == OptimizerKind.AdamW ? "AdamW" : string.Format(CultureInfo.InvariantCulture, "SGD (Nesterov momentum {0})", trainer.Momentum);

    /// <summary>"no weight decay" or "weight decay 0.05", and the label smoothing when there is any: the report's header.</summary>
    public static string Regularisation(TrainerOptions trainer)
        => (trainer.WeightDecay > 0 ? string.Format(CultureInfo.InvariantCulture, "weight decay {0}", trainer.WeightDecay) : "no weight decay")
           + (trainer.LabelSmoothing > 0 ? string.Format(CultureInfo.InvariantCulture, ", label smoothing {0}", trainer.LabelSmoothing) : "");
}
