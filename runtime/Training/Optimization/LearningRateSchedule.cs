using System;
using System.Linq;

namespace NpasDsl.Training;

/// <summary>
/// The learning rate at a point of training: linear warm-up, then the chosen schedule. A pure function of the
/// position, so a resumed run recomputes exactly the rates an uninterrupted one used. With
/// <see cref="ScheduleInterval.Step"/> (the default) warm-up and cosine move with every batch, so the cosine
/// really reaches (almost) 0 at the last step; step and multi-step decays happen at epoch boundaries either way.
/// </summary>
public static class LearningRateSchedule
{
    /// <summary>
    /// Whether <see cref="TrainerOptions.Interval"/> changes any rate of <paramref name="options"/>: only the cosine and the
    /// warm-up move within an epoch; a constant, step or multi-step schedule with no warm-up gives the same rates either way.
    /// </summary>
    public static bool ReadsInterval(TrainerOptions options) => ReadsInterval(options.Schedule, options.WarmupEpochs);

    /// <summary>Whether the interval changes any rate of <paramref name="schedule"/> after <paramref name="warmupEpochs"/> of warm-up.</summary>
    public static bool ReadsInterval(ScheduleKind schedule, int warmupEpochs) => schedule == ScheduleKind.Cosine || warmupEpochs > 0;

    /// <summary>The rate held through 0-based <paramref name="epoch"/> when the schedule is stepped once per epoch.</summary>
    public static double At(TrainerOptions options, int epoch) => At(options, epoch, 0, 1);

    /// <summary>
    /// The rate for batch <paramref name="batch"/> (0-based) of <paramref name="epoch"/> (0-based), an epoch having
    /// <paramref name="batchesPerEpoch"/> batches; with <see cref="ScheduleInterval.Epoch"/> the batch is ignored.
    /// </summary>
    public static double At(TrainerOptions options, int epoch, int batch, int batchesPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Outside the run the rates are not defined: epoch -1 gave 0 and an epoch past the end a cosine rising again.
        if (epoch < 0 || epoch >= options.Epochs)
            throw new ArgumentOutOfRangeException(nameof(epoch), epoch, $"The epoch (0-based) must be in [0, {options.Epochs}), the epochs of the run (TrainerOptions.Epochs is {options.Epochs}).");
        if (batchesPerEpoch < 1) throw new ArgumentOutOfRangeException(nameof(batchesPerEpoch), batchesPerEpoch, "An epoch has at least one batch.");
        if (batch < 0 || batch >= batchesPerEpoch) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"The batch must be in [0, {batchesPerEpoch}).");
        // Positions are counted in "ticks": batches when stepping per batch, whole epochs otherwise.
        int ticksPerEpoch = options.Interval == ScheduleInterval.Step ? batchesPerEpoch : 1;
        long tick = (long)epoch * ticksPerEpoch + (options.Interval == ScheduleInterval.Step ? batch : 0);
        long warmup = (long)options.WarmupEpochs * ticksPerEpoch;
        double peak = options.LearningRate;
        if (tick < warmup) return peak * (tick + 1) / (warmup + 1);

        long after = tick - warmup, span = Math.Max(1, (long)(options.Epochs - options.WarmupEpochs) * ticksPerEpoch);
        // The step decays count epochs done since the start of training, warm-up included, as PyTorch's StepLR and
        // MultiStepLR do: with StepSize 30 or a milestone 30 the rate drops once 30 epochs are done.
        return options.Schedule switch
        {
            ScheduleKind.Step => peak * Math.Pow(options.Gamma, epoch / Math.Max(1, options.StepSize)),
            ScheduleKind.MultiStep => peak * Math.Pow(options.Gamma, options.Milestones.Count(m => epoch >= m)),
            ScheduleKind.Cosine => peak * 0.5 * (1 + Math.Cos(Math.PI * after / span)),
            _ => peak,
        };
    }
}
