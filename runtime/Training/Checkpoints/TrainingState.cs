using System.Collections.Generic;

namespace NpasDsl.Training;

/// <summary>Where a run is: the epoch in progress, the batches done in it, its running sums, and the finished epochs.</summary>
public sealed record TrainingState
{
    /// <summary>0-based epoch in progress (Epochs when the run is complete).</summary>
    public int Epoch { get; init; }
    /// <summary>Batches done in that epoch.</summary>
    public int Step { get; init; }
    /// <summary>Sum of batch losses times batch sizes so far in the epoch.</summary>
    public double LossSum { get; init; }
    /// <summary>Correct predictions so far in the epoch.</summary>
    public long Correct { get; init; }
    /// <summary>Examples seen so far in the epoch.</summary>
    public long Seen { get; init; }
    /// <summary>Seconds spent in the epoch so far (across resumptions).</summary>
    public double Seconds { get; init; }
    /// <summary>Steps done over the whole run; names the checkpoint files.</summary>
    public long GlobalStep { get; init; }
    /// <summary>
    /// How many training examples the run trains on (0 in checkpoints written before this was recorded): a resumed run
    /// with another training set, e.g. another validation split, would see other batches and is refused.
    /// </summary>
    public long TrainExamples { get; init; }
    /// <summary>
    /// <see cref="TrainingDataFingerprint"/> of the training set (null in checkpoints written before it was recorded): a resumed
    /// run on other examples of the same count is refused.
    /// </summary>
    public string? TrainData { get; init; }
    /// <summary>The settings that decide which examples each step sees (recorded since the count was; null in older checkpoints).</summary>
    public ResumeSettings? Settings { get; init; }
    /// <summary>The schedule and regularisation the run was written with; a resumed run that changes them is told so (null in older checkpoints).</summary>
    public ScheduleSettings? Schedule { get; init; }
    /// <summary>
    /// How the run seeds each step's augmentation: <see cref="SeedRangeAugmentation"/> since session 21; null in older
    /// checkpoints, whose runs used <see cref="SeedTimesPrimeAugmentation"/> and resume with it, so they still end as
    /// their uninterrupted run would.
    /// </summary>
    public int? AugmentationSeeds { get; init; }
    /// <summary>Step seed = seed · 7,919 + step: seed 2 drew seed 1's augmentations 7,919 steps later.</summary>
    public const int SeedTimesPrimeAugmentation = 1;
    /// <summary>Step seed = (seed − 1) · 2^32 + 7,919 + step: each run seed has 2^32 steps of its own (seed 1's seeds are the old ones).</summary>
    public const int SeedRangeAugmentation = 2;
    /// <summary>The finished epochs.</summary>
    public List<EpochRecord> History { get; init; } = new();
}
