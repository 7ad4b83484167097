using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Training;

/// <summary>
/// The settings a resumed run may change, and is told about when it does: the length, the schedule and the
/// regularisation. Unlike <see cref="ResumeSettings"/> they do not decide which examples each step sees, so the run
/// goes on from the checkpoint, but it no longer ends as the uninterrupted run would (a longer <c>--epochs</c> that
/// extends a finished run is the usual, deliberate case). The optimizer is recorded only to tell whether momentum applies:
/// another optimizer is refused (<see cref="ResumeSettings"/>).
/// </summary>
public sealed record ScheduleSettings(int Epochs, double LearningRate, ScheduleKind Schedule, ScheduleInterval Interval, int WarmupEpochs,
    int StepSize, int[]? Milestones, double Gamma, double Momentum, double WeightDecay, double LabelSmoothing, double? GradientClip,
    OptimizerKind Optimizer = OptimizerKind.AdamW)
{
    /// <summary>
    /// What a resume is told when its checkpoint predates this record (written before NpasDsl saved it): nothing can be
    /// compared, and the older trainer applied two rules differently (SGD weight decay was decoupled, not an L2 term of
    /// the gradient; step and multi-step decays counted epochs from the end of the warm-up).
    /// </summary>
    public const string UnrecordedNote = "note: the checkpoint records no schedule or regularisation settings (it was written by an older NpasDsl); " +
        "training goes on from it with this run's settings and today's rules (SGD weight decay as an L2 term of the gradient, step and " +
        "multi-step decays counted from the first epoch, warm-up included), so it may not end as the run that wrote it would have";

    /// <summary>The settings of <paramref name="options"/>.</summary>
    public static ScheduleSettings Of(TrainerOptions options) => new(options.Epochs, options.LearningRate, options.Schedule, options.Interval,
        options.WarmupEpochs, options.StepSize, options.Milestones.ToArray(), options.Gamma, options.Momentum, options.WeightDecay,
        options.LabelSmoothing, options.GradientClip, options.Optimizer);

    /// <summary>
    /// Each setting that differs from <paramref name="run"/>'s, as "--option saved (this run: value)", or "Property = saved
    /// (this run: value)" with <see cref="SettingNames.Properties"/>; a value the user left to the program says so
    /// (<see cref="SettingNames.ThisRun"/>).
    /// </summary>
    public IEnumerable<string> Differences(ScheduleSettings run, SettingNames names)
    {
        System.ArgumentNullException.ThrowIfNull(names);
        // A setting that no schedule or optimizer of either run reads is not a change worth a note.
        bool Uses(System.Func<ScheduleSettings, bool> reads) => reads(this) || reads(run);
        IEnumerable<(string Property, object? Saved, object? Now)> All()
        {
            yield return (nameof(TrainerOptions.Epochs), Epochs, run.Epochs);
            yield return (nameof(TrainerOptions.LearningRate), LearningRate, run.LearningRate);
            yield return (nameof(TrainerOptions.Schedule), Schedule, run.Schedule);
            if (Uses(s => LearningRateSchedule.ReadsInterval(s.Schedule, s.WarmupEpochs))) yield return (nameof(TrainerOptions.Interval), Interval, run.Interval);
            yield return (nameof(TrainerOptions.WarmupEpochs), WarmupEpochs, run.WarmupEpochs);
            if (Uses(s => s.Schedule == ScheduleKind.Step)) yield return (nameof(TrainerOptions.StepSize), StepSize, run.StepSize);
            if (Uses(s => s.Schedule == ScheduleKind.MultiStep))
                yield return (nameof(TrainerOptions.Milestones), Milestones ?? System.Array.Empty<int>(), run.Milestones ?? System.Array.Empty<int>());
            if (Uses(s => s.Schedule is ScheduleKind.Step or ScheduleKind.MultiStep)) yield return (nameof(TrainerOptions.Gamma), Gamma, run.Gamma);
            if (Uses(s => s.Optimizer == OptimizerKind.SgdNesterov)) yield return (nameof(TrainerOptions.Momentum), Momentum, run.Momentum);
            yield return (nameof(TrainerOptions.WeightDecay), WeightDecay, run.WeightDecay);
            yield return (nameof(TrainerOptions.LabelSmoothing), LabelSmoothing, run.LabelSmoothing);
            yield return (nameof(TrainerOptions.GradientClip), GradientClip, run.GradientClip);
        }
        // Compared as written, so that a list compares by its items and 0.1 by its shortest round-trip text.
        foreach (var (property, saved, now) in All())
            if (names.Value(saved) != names.Value(now)) yield return $"{names.Set(property, saved)} ({names.ThisRun(property, now)})";
    }
}
