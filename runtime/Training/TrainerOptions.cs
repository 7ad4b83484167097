using System;
using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Training;

/// <summary>Which optimizer the trainer uses.</summary>
public enum OptimizerKind
{
    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,
    /// <summary>SGD with Nesterov momentum (weight decay as an L2 term of the gradient).</summary>
    SgdNesterov,
}

/// <summary>How the learning rate changes over training (after the linear warm-up).</summary>
public enum ScheduleKind
{
    /// <summary>The peak rate throughout.</summary>
    Constant,
    /// <summary>Multiplied by Gamma each time another StepSize epochs are done (counted from the start, warm-up included).</summary>
    Step,
    /// <summary>Multiplied by Gamma once each milestone's number of epochs is done (counted from the start, warm-up included).</summary>
    MultiStep,
    /// <summary>Cosine decay from the peak to 0 over the epochs after the warm-up.</summary>
    Cosine,
}

/// <summary>How often the learning rate is recomputed.</summary>
public enum ScheduleInterval
{
    /// <summary>Before every batch: warm-up and cosine move smoothly and the cosine anneals to (almost) 0 by the last step.</summary>
    Step,
    /// <summary>Once at the start of every epoch (the rate is held through the epoch).</summary>
    Epoch,
}

/// <summary>
/// Everything the trainer does, in one place. The defaults are a generic AdamW start (3 epochs, batch 128, lr 0.003,
/// per-batch cosine, no warm-up, no decay); the Fashion-MNIST example raises the rate to 0.012, its validation-best.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 3;
    /// <summary>Examples per step.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Stop each epoch after this many batches (smoke runs); null for all.</summary>
    public int? BatchesPerEpoch { get; init; }
    /// <summary>Seed of the data order.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>The optimizer.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;
    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 0.003;
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>
    /// Weight decay, applied to banks and own weights only (never to coefficients, copy masks, biases or norms): with
    /// AdamW decoupled (the weights shrink by rate · decay each step), with SGD an L2 term added to the gradient before
    /// the momentum, as <c>torch.optim.SGD(weight_decay=...)</c> does.
    /// </summary>
    public double WeightDecay { get; init; }
    /// <summary>The schedule after the warm-up.</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;
    /// <summary>Whether warm-up and cosine are recomputed before every batch (default) or once per epoch.</summary>
    public ScheduleInterval Interval { get; init; } = ScheduleInterval.Step;
    /// <summary>Epochs of linear warm-up, rising to the peak rate (the first step already takes peak / (steps + 1)).</summary>
    public int WarmupEpochs { get; init; }
    /// <summary>Step schedule: epochs between decays, the first after StepSize epochs.</summary>
    public int StepSize { get; init; } = 30;
    /// <summary>Multi-step schedule: after how many epochs the rate is multiplied by Gamma (as PyTorch's MultiStepLR milestones).</summary>
    public IReadOnlyList<int> Milestones { get; init; } = Array.Empty<int>();
    /// <summary>Decay factor of the step schedules.</summary>
    public double Gamma { get; init; } = 0.1;
    /// <summary>Label smoothing of the cross-entropy loss.</summary>
    public double LabelSmoothing { get; init; }
    /// <summary>Clip the global gradient norm to this value; null for no clipping.</summary>
    public double? GradientClip { get; init; }
    /// <summary>Where checkpoints go; null for none.</summary>
    public string? CheckpointDirectory { get; init; }
    /// <summary>Also checkpoint every this many steps inside an epoch; null for the end of each epoch only.</summary>
    public int? CheckpointEverySteps { get; init; }
    /// <summary>Also draw metrics.png (loss and accuracy per epoch) beside metrics.csv in <see cref="CheckpointDirectory"/>.</summary>
    public bool Plot { get; init; }
    /// <summary>Continue from the checkpoint in <see cref="CheckpointDirectory"/> when there is one.</summary>
    public bool Resume { get; init; }
    /// <summary>
    /// Start afresh even though <see cref="CheckpointDirectory"/> holds a checkpoint: its manifest is discarded when
    /// training starts (so a run killed before its first save cannot leave old and new files mixed), its files go at the
    /// first save.
    /// Without it (or <see cref="Resume"/>) the trainer refuses such a directory rather than lose the run in it.
    /// </summary>
    public bool Overwrite { get; init; }
    /// <summary>
    /// SuperWeights' coefficient unsharing (methods.md section 6): during this epoch (1-based) the trainer sums each
    /// shared coefficient vector's gradient per layer, and at its end it gives every layer whose sum points away from
    /// the others' (cosine at or below <see cref="UnshareThreshold"/>) a vector of its own, taken from the coefficient
    /// reserve. Needs a model declared with <c>CoefficientSharing.ByShape</c> and the trainer's <c>rebuild</c> function;
    /// null for no unsharing.
    /// </summary>
    public int? UnshareAtEpoch { get; init; }
    /// <summary>With <see cref="UnshareAtEpoch"/>: the cosine at or below which two layers get separate vectors (SuperWeights: 0.9).</summary>
    public double UnshareThreshold { get; init; } = Unsharing.CoefficientUnsharing.DefaultThreshold;

    /// <summary>
    /// How the trainer's messages name these settings: <see cref="SettingNames.Properties"/> (<c>Resume = true</c>) unless the
    /// options came from <see cref="TrainerCommandLine"/>, which sets <see cref="SettingNames.CommandLine"/> (<c>--resume</c>).
    /// </summary>
    public SettingNames Names { get; init; } = SettingNames.Properties;

    /// <summary>Checks the options; returns what is wrong, or null, naming the settings as <see cref="Names"/> does.</summary>
    public string? Validate() => Names is null ? "Names is null; leave it out for SettingNames.Properties" : Validate(Names.Of);

    /// <summary>
    /// Checks the options; returns what is wrong, or null. <paramref name="name"/> says how a property is called where the
    /// user set it: a command line passes its option names (<c>Epochs</c> becomes <c>--epochs</c>), so the message names
    /// what the user typed.
    /// </summary>
    public string? Validate(Func<string, string> name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Epochs < 1) return $"{name("Epochs")} is {Epochs} but must be at least 1";
        if (BatchSize < 1) return $"{name("BatchSize")} is {BatchSize} but must be at least 1";
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) return $"{name("LearningRate")} is {LearningRate} but must be a finite positive number";
        // Written so that NaN fails too: every comparison with NaN is false.
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) return $"{name("WeightDecay")} is {WeightDecay} but must be a finite number, 0 or more";
        if (!(LabelSmoothing is >= 0 and < 1)) return $"{name("LabelSmoothing")} is {LabelSmoothing} but must be in [0, 1)";
        if (GradientClip is { } clip && (!(clip > 0) || double.IsInfinity(clip)))
            return $"{name("GradientClip")} is {clip} but must be a finite positive gradient norm (null for no clipping)";
        if (WarmupEpochs < 0) return $"{name("WarmupEpochs")} is {WarmupEpochs} but must be 0 or more";
        if (WarmupEpochs >= Epochs && WarmupEpochs > 0) return $"{name("WarmupEpochs")} is {WarmupEpochs} but must be below {name("Epochs")} ({Epochs})";
        if (!Enum.IsDefined(Interval)) return $"{name("Interval")} is {(int)Interval} but must be one of {string.Join(", ", Enum.GetNames<ScheduleInterval>())}";
        if (StepSize < 1) return $"{name("StepSize")} is {StepSize} but must be at least 1";
        if (!(Gamma > 0) || double.IsInfinity(Gamma)) return $"{name("Gamma")} is {Gamma} but must be a finite positive number";
        if (Optimizer == OptimizerKind.SgdNesterov && !(Momentum is > 0 and < 1)) return $"{name("Momentum")} is {Momentum} but Nesterov SGD needs one above 0 and below 1";
        if (Milestones is null) return $"{name("Milestones")} is null; give an empty list for none";
        if (Milestones.Any(m => m < 1) || Milestones.Zip(Milestones.Skip(1)).Any(p => p.Second <= p.First))
            return $"{name("Milestones")} are {string.Join(",", Milestones)} but must be increasing epoch counts of at least 1";
        if (!Enum.IsDefined(Optimizer)) return $"{name("Optimizer")} is {(int)Optimizer} but must be one of {string.Join(", ", Enum.GetNames<OptimizerKind>())}";
        if (!Enum.IsDefined(Schedule)) return $"{name("Schedule")} is {(int)Schedule} but must be one of {string.Join(", ", Enum.GetNames<ScheduleKind>())}";
        // "" failed inside Path.GetFullPath naming a parameter 'path', and "  " checkpointed into a folder named by the blanks.
        if (CheckpointDirectory is { } directory && string.IsNullOrWhiteSpace(directory))
            return $"{name("CheckpointDirectory")} is \"{directory}\", which names no directory; give a directory path, or null for no checkpoints";
        if (Resume && CheckpointDirectory is null) return $"{name("Resume")} needs a {name("CheckpointDirectory")}";
        if (Resume && Overwrite) return $"{name("Resume")} continues the checkpoint and {name("Overwrite")} replaces it; give one of them";
        if (Plot && CheckpointDirectory is null) return $"{name("Plot")} needs a {name("CheckpointDirectory")} (the plot goes beside the checkpoints)";
        // Both would be ignored without a directory: the run would write no checkpoint and say nothing.
        if (Overwrite && CheckpointDirectory is null) return $"{name("Overwrite")} replaces the checkpoint in a {name("CheckpointDirectory")}, and none is given";
        if (CheckpointEverySteps is not null && CheckpointDirectory is null) return $"{name("CheckpointEverySteps")} needs a {name("CheckpointDirectory")} to write the checkpoints into";
        if (BatchesPerEpoch is < 1) return $"{name("BatchesPerEpoch")} is {BatchesPerEpoch} but must be at least 1";
        if (CheckpointEverySteps is < 1) return $"{name("CheckpointEverySteps")} is {CheckpointEverySteps} but must be at least 1";
        if (UnshareAtEpoch is { } unshare && Epochs < 2)
            return $"{name("UnshareAtEpoch")} needs {name("Epochs")} of at least 2 ({name("Epochs")} is {Epochs}): the split comes at the end of an epoch and needs training after it";
        if (UnshareAtEpoch is { } at && (at < 1 || at >= Epochs))
            return $"{name("UnshareAtEpoch")} is {at} but must be from 1 to {Epochs - 1}, an epoch with training after it ({name("Epochs")} is {Epochs})";
        if (!(UnshareThreshold is >= -1 and <= 1)) return $"{name("UnshareThreshold")} is {UnshareThreshold} but must be a cosine, from -1 to 1";
        return null;
    }
}
