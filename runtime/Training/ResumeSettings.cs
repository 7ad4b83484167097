using System.Collections.Generic;
using System.Globalization;

namespace NpasDsl.Training;

/// <summary>
/// What a resumed run must share with the run that wrote the checkpoint for the two to see the same batches in the
/// same order and step the same optimizer: a checkpoint records them, and <c>--resume</c> refuses another value.
/// (Epochs and the learning rate may change: extending a finished run is a resume too.)
/// </summary>
public sealed record ResumeSettings(int BatchSize, long Seed, int? BatchesPerEpoch, OptimizerKind Optimizer)
{
    /// <summary>The settings of <paramref name="options"/>.</summary>
    public static ResumeSettings Of(TrainerOptions options) => new(options.BatchSize, options.Seed, options.BatchesPerEpoch, options.Optimizer);

    /// <summary>Each setting that differs from <paramref name="run"/>'s, as "--option saved (this run: value)".</summary>
    public IEnumerable<string> Differences(ResumeSettings run)
    {
        static string Text(object? value) => value switch
        {
            null => "all",
            OptimizerKind.AdamW => "adamw",
            OptimizerKind.SgdNesterov => "sgd",
            System.IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString() ?? "",
        };
        IEnumerable<(string Option, object? Saved, object? Now)> All()
        {
            yield return ("--batch-size", BatchSize, run.BatchSize);
            yield return ("--seed", Seed, run.Seed);
            yield return ("--train-batches", BatchesPerEpoch, run.BatchesPerEpoch);
            yield return ("--optimizer", Optimizer, run.Optimizer);
        }
        foreach (var (option, saved, now) in All())
            if (!Equals(saved, now)) yield return $"{option} {Text(saved)} (this run: {Text(now)})";
    }
}
