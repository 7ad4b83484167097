using System;
using System.Linq;

namespace NpasDsl.Training;

/// <summary>The learning rate of an epoch: linear warm-up, then the chosen schedule. A pure function, stepped once per epoch.</summary>
public static class LearningRateSchedule
{
    /// <summary>The rate for 0-based <paramref name="epoch"/>.</summary>
    public static double At(TrainerOptions options, int epoch)
    {
        double peak = options.LearningRate;
        if (epoch < options.WarmupEpochs) return peak * (epoch + 1) / (options.WarmupEpochs + 1);
        int e = epoch - options.WarmupEpochs, span = Math.Max(1, options.Epochs - options.WarmupEpochs);
        return options.Schedule switch
        {
            ScheduleKind.Step => peak * Math.Pow(options.Gamma, e / Math.Max(1, options.StepSize)),
            ScheduleKind.MultiStep => peak * Math.Pow(options.Gamma, options.Milestones.Count(m => epoch + 1 >= m)),
            ScheduleKind.Cosine => peak * 0.5 * (1 + Math.Cos(Math.PI * e / span)),
            _ => peak,
        };
    }
}
