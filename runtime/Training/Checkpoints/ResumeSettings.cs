using System.Collections.Generic;

namespace NpasDsl.Training;

/// <summary>
/// What a resumed run must share with the run that wrote the checkpoint for the two to see the same batches in the
/// same order and step the same optimizer: a checkpoint records them, and <c>--resume</c> refuses another value.
/// (Epochs, the rate, the schedule and the regularisation may change: <see cref="ScheduleSettings"/> says so.)
/// </summary>
/// <remarks>The unsharing settings are null when the run does not unshare (and in checkpoints written before they were recorded).</remarks>
public sealed record ResumeSettings(int BatchSize, long Seed, int? BatchesPerEpoch, OptimizerKind Optimizer, int? UnshareAtEpoch = null, double? UnshareThreshold = null)
{
    /// <summary>The settings of <paramref name="options"/>.</summary>
    public static ResumeSettings Of(TrainerOptions options) => new(options.BatchSize, options.Seed, options.BatchesPerEpoch, options.Optimizer,
        options.UnshareAtEpoch, options.UnshareAtEpoch is null ? null : options.UnshareThreshold);

    /// <summary>
    /// Each setting that differs from <paramref name="run"/>'s, as "--option saved (this run: value)", or "Property = saved
    /// (this run: value)" with <see cref="SettingNames.Properties"/>; a value the user left to the program says so
    /// (<see cref="SettingNames.ThisRun"/>).
    /// </summary>
    public IEnumerable<string> Differences(ResumeSettings run, SettingNames names)
    {
        System.ArgumentNullException.ThrowIfNull(names);
        // Each with what its absence means on the command line: every batch, or no unsharing.
        IEnumerable<(string Property, object? Saved, object? Now, string Absent)> All()
        {
            yield return (nameof(TrainerOptions.BatchSize), BatchSize, run.BatchSize, "");
            yield return (nameof(TrainerOptions.Seed), Seed, run.Seed, "");
            yield return (nameof(TrainerOptions.BatchesPerEpoch), BatchesPerEpoch, run.BatchesPerEpoch, "all");
            yield return (nameof(TrainerOptions.Optimizer), Optimizer, run.Optimizer, "");
            yield return (nameof(TrainerOptions.UnshareAtEpoch), UnshareAtEpoch, run.UnshareAtEpoch, "none");
            // The threshold of a run that does not unshare is not recorded (null), not "none": said only when both unshare.
            if (UnshareAtEpoch is not null && run.UnshareAtEpoch is not null)
                yield return (nameof(TrainerOptions.UnshareThreshold), UnshareThreshold, run.UnshareThreshold, "none");
        }
        foreach (var (property, saved, now, absent) in All())
            if (!Equals(saved, now)) yield return $"{names.Set(property, saved, absent)} ({names.ThisRun(property, now, absent)})";
    }
}
