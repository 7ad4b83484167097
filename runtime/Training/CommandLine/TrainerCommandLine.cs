using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace NpasDsl.Training;

/// <summary>
/// The command-line options of the <see cref="Trainer"/> that every training program shares. One parser, so that
/// every example accepts the same flags, with the same checks and the same error messages. A program hands
/// <see cref="Read"/> the options only it knows; everything else is a trainer option or an error:
/// <code>
/// var line = new TrainerCommandLine(new TrainerOptions { Epochs = 10 });
/// line.Read(args, (name, value) =>
/// {
///     switch (name)
///     {
///         case "--data": data = value(); return true;
///         default: return false;
///     }
/// });
/// if (line.HelpRequested) { Console.WriteLine(usage); return 0; }
/// var trainer = line.Finish();
/// var device = line.Apply();
/// var data = line.Prepare(new TrainingData(trainImages, trainLabels, testImages, testLabels)); // --validation
/// </code>
/// </summary>
public sealed partial class TrainerCommandLine
{
    /// <summary>What every program built on the trainer accepts; append it to the program's own usage text.</summary>
    public const string Usage =
        "trainer options:\n" +
        "  --epochs N                 passes over the training set\n" +
        "  --seed N                   seed of initialisation and data order\n" +
        "  --batch-size N             examples per step\n" +
        "  --lr RATE                  peak learning rate\n" +
        "  --optimizer adamw|sgd      AdamW or SGD with Nesterov momentum\n" +
        "  --weight-decay W           weight decay on banks and own weights (never coefficients, masks, biases, norms):\n" +
        "                             decoupled with adamw, an L2 term of the gradient with sgd (as torch.optim.SGD)\n" +
        "  --label-smoothing S        label smoothing of the loss, in [0, 1)\n" +
        "  --momentum M               SGD's Nesterov momentum, above 0 and below 1\n" +
        "  --schedule S               constant, step, multi-step or cosine: the rate after the warm-up\n" +
        "  --step-size N              step: multiply the rate by --gamma each time another N epochs are done\n" +
        "  --milestones A,B,...       multi-step: multiply the rate by --gamma once A, then B, ... epochs are done\n" +
        "  --gamma G                  the factor of the step and multi-step decays\n" +
        "  --warmup-epochs N          epochs of linear warm-up (a shorter --epochs shortens the default warm-up)\n" +
        "  --schedule-per step|epoch  recompute warm-up and cosine before every batch, or once per epoch\n" +
        "  --gradient-clip NORM       clip the global gradient norm\n" +
        "  --train-batches N          stop each epoch after N batches (smoke runs)\n" +
        "  --validation N             hold out the last N training examples and evaluate on them instead of the test set\n" +
        "  --checkpoint-dir DIR       where checkpoints, metrics.csv and metrics.png go\n" +
        "  --checkpoint-every N       also checkpoint every N steps inside an epoch\n" +
        "  --resume                   continue from the checkpoint in the checkpoint directory\n" +
        "  --overwrite                start afresh in a checkpoint directory that holds a checkpoint, replacing it\n" +
        "  --unshare-at N             coefficient unsharing: sum each layer's coefficient gradient over epoch N and give layers that\n" +
        "                             disagree vectors of their own at its end (models with CoefficientSharing.ByShape)\n" +
        "  --unshare-threshold C      with --unshare-at: the cosine at or below which layers are separated (default 0.9)\n" +
        "  --plot                     draw metrics.png (loss and accuracy per epoch) beside metrics.csv\n" +
        "  --device cpu|cuda          default: cuda when available, else cpu\n" +
        "  --threads N                CPU threads of TorchSharp (default: its own choice; at most 4 per core, or 64)";

    /// <summary>
    /// <see cref="Usage"/> without the lines of <paramref name="options"/>: for a program whose models can never use them
    /// (coefficient unsharing on a model without shared coefficient vectors), which still refuses them with the reason.
    /// </summary>
    public static string UsageWithout(params string[] options)
    {
        var kept = new System.Text.StringBuilder();
        bool skipping = false;
        foreach (var line in Usage.Split('\n'))
        {
            // An option's line starts "  --name"; the lines that continue its text start with more spaces.
            if (line.StartsWith("  --", StringComparison.Ordinal))
                skipping = Array.Exists(options, o => line.StartsWith("  " + o + " ", StringComparison.Ordinal));
            else if (!line.StartsWith("   ", StringComparison.Ordinal))
                skipping = false;
            if (!skipping) kept.Append(line).Append('\n');
        }
        return kept.ToString(0, kept.Length - 1);
    }

    private readonly HashSet<string> _given = new(StringComparer.Ordinal);

    /// <summary>Starts from the program's defaults; every option read replaces one of them.</summary>
    public TrainerCommandLine(TrainerOptions defaults) => Options = defaults ?? throw new ArgumentNullException(nameof(defaults));

    /// <summary>The trainer's options as read so far (<see cref="Finish"/> gives the checked ones).</summary>
    public TrainerOptions Options { get; private set; }

    /// <summary>"cpu" or "cuda" when <c>--device</c> was given; null means CUDA when available, else CPU.</summary>
    public string? DeviceName { get; private set; }

    /// <summary><c>--threads</c>, or null for TorchSharp's own choice.</summary>
    public int? Threads { get; private set; }

    /// <summary><c>--validation</c>: how many training examples to hold out for evaluation, or null to evaluate on the test set.</summary>
    public int? Validation { get; private set; }

    /// <summary>
    /// The program's options that rebuild its model, as the trainer's refusal of a checkpoint of another model names them
    /// (<c>"--model"</c>, <c>"--budget and --separate"</c>); null names those of the examples with groups: the model,
    /// <c>--budget</c>, sharing options and <c>--group-search</c> or <c>--allocation</c>. Set it before <see cref="Finish"/>.
    /// </summary>
    public string? ModelSettings { get; set; }

    /// <summary>Whether <c>-h</c> or <c>--help</c> was on the command line.</summary>
    public bool HelpRequested { get; private set; }

    /// <summary>
    /// Reads <paramref name="args"/>: each name goes first to <paramref name="own"/> (the program's options; it returns
    /// false for a name it does not know, and takes a value by calling the function it is given), then to
    /// <see cref="TryRead"/>; <c>-h</c> or <c>--help</c> sets <see cref="HelpRequested"/> and ends the reading.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown option, an option given twice, a missing value, or a value the option cannot take.</exception>
    public void Read(string[] args, Func<string, Func<string>, bool> own)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => NextValue(args, ref i);
            if (name is "-h" or "--help")
            {
                HelpRequested = true; // what follows is not read: help is answered whatever comes after it
                return;
            }
            // The same option twice (--epochs 1 ... --epochs 2, a default pasted before a change) would keep the last one
            // without a word, so that what runs is not what the first one says.
            if (!seen.Add(name)) throw GivenTwice(name);
            if (!own(name, Value) && !TryRead(name, Value)) throw new CommandLineSyntaxException(Unknown(name, i > 0 ? args[i - 1] : null));
        }
    }

    /// <summary>
    /// The value of the option at <paramref name="index"/>, which moves past it: every program's command line reads values
    /// so. A value that is empty or is the next option (<c>--checkpoint-dir --resume</c>) is a value left out, not a name.
    /// </summary>
    /// <exception cref="CommandLineSyntaxException">The value is missing or empty.</exception>
    public static string NextValue(string[] args, ref int index)
    {
        ArgumentNullException.ThrowIfNull(args);
        string name = args[index];
        if (index + 1 < args.Length && args[index + 1].Length > 0 && !args[index + 1].StartsWith("--", StringComparison.Ordinal)) return args[++index];
        throw new CommandLineSyntaxException(index + 1 < args.Length && args[index + 1].Length == 0 ? $"{name} needs a value, not an empty one." : $"{name} needs a value.");
    }

    /// <summary>
    /// The refusal of an option given a second time: the last value would win without a word, so that what runs is not
    /// what the first one says.
    /// </summary>
    public static CommandLineSyntaxException GivenTwice(string name) => new($"{name} is given twice; give it once.");

    /// <summary>
    /// The refusal of <paramref name="name"/>, which no reader knows: a word that is no option at all (a value after an
    /// option that takes none, such as <c>--plot out.png</c>) is told as such, naming the option before it.
    /// </summary>
    private static string Unknown(string name, string? previous)
        => name.StartsWith("-", StringComparison.Ordinal)
            ? $"Unknown option '{name}'."
            : previous is not null && previous.StartsWith("--", StringComparison.Ordinal)
                ? $"Unexpected '{name}': every argument is an option (--name) or the value of the option before it, and {previous} takes no value."
                : $"Unexpected '{name}': every argument is an option (--name) or the value of the option before it.";

    /// <summary>Whether <paramref name="option"/> (e.g. "--epochs") was on the command line.</summary>
    public bool Given(string option) => _given.Contains(option);

    /// <summary>
    /// For a program whose models have no coefficient vectors to split (its usage leaves the options out with
    /// <see cref="UsageWithout"/>): refuses <c>--unshare-at</c> and <c>--unshare-threshold</c> as soon as the command line is
    /// read, saying <paramref name="why"/>, rather than after the data is loaded and the model built.
    /// </summary>
    /// <exception cref="ArgumentException">One of them was given.</exception>
    public void RefuseUnsharing(string why)
    {
        foreach (var option in new[] { "--unshare-at", "--unshare-threshold" })
            if (Given(option)) throw new ArgumentException($"{option} is coefficient unsharing, which this program cannot do: {why}. Leave {option} out.");
    }

    /// <summary>
    /// Reads <paramref name="name"/> if it is a trainer option, taking its value (when it has one) from
    /// <paramref name="value"/>; returns false, reading nothing, for any other name.
    /// </summary>
    /// <exception cref="ArgumentException">The value is missing or not what the option needs.</exception>
    public bool TryRead(string name, Func<string> value)
    {
        var o = Options;
        switch (name)
        {
            case "--epochs": o = o with { Epochs = PositiveInteger(name, value()) }; break;
            case "--seed": o = o with { Seed = Integer(name, value()) }; break;
            case "--batch-size": o = o with { BatchSize = PositiveInteger(name, value()) }; break;
            case "--lr": o = o with { LearningRate = PositiveNumber(name, value()) }; break;
            case "--optimizer":
                o = o with { Optimizer = value() switch { "adamw" => OptimizerKind.AdamW, "sgd" => OptimizerKind.SgdNesterov, var v => throw new ArgumentException($"--optimizer must be adamw or sgd, not '{v}'.") } };
                break;
            case "--weight-decay": o = o with { WeightDecay = NonNegativeNumber(name, value()) }; break;
            case "--momentum": o = o with { Momentum = NumberBetween(name, value(), 0, 1, Ends.Open) }; break;
            case "--schedule":
                o = o with
                {
                    Schedule = value() switch
                    {
                        "constant" => ScheduleKind.Constant,
                        "step" => ScheduleKind.Step,
                        "multi-step" => ScheduleKind.MultiStep,
                        "cosine" => ScheduleKind.Cosine,
                        var v => throw new ArgumentException($"--schedule must be constant, step, multi-step or cosine, not '{v}'."),
                    },
                };
                break;
            case "--step-size": o = o with { StepSize = PositiveInteger(name, value()) }; break;
            case "--milestones": o = o with { Milestones = Milestones(name, value()) }; break;
            case "--gamma": o = o with { Gamma = PositiveNumber(name, value()) }; break;
            case "--label-smoothing": o = o with { LabelSmoothing = NumberBetween(name, value(), 0, 1, Ends.ClosedOpen) }; break;
            case "--warmup-epochs": o = o with { WarmupEpochs = NonNegativeInteger(name, value()) }; break;
            case "--schedule-per":
                o = o with { Interval = value() switch { "step" => ScheduleInterval.Step, "epoch" => ScheduleInterval.Epoch, var v => throw new ArgumentException($"--schedule-per must be step or epoch, not '{v}'.") } };
                break;
            case "--gradient-clip": o = o with { GradientClip = PositiveNumber(name, value()) }; break;
            case "--train-batches": o = o with { BatchesPerEpoch = PositiveInteger(name, value()) }; break;
            case "--checkpoint-dir": o = o with { CheckpointDirectory = value() }; break;
            case "--checkpoint-every": o = o with { CheckpointEverySteps = PositiveInteger(name, value()) }; break;
            case "--resume": o = o with { Resume = true }; break;
            case "--overwrite": o = o with { Overwrite = true }; break;
            case "--plot": o = o with { Plot = true }; break;
            case "--device":
                DeviceName = value() is var d && d is "cpu" or "cuda" ? d : throw new ArgumentException($"--device must be cpu or cuda, not '{d}'.");
                break;
            case "--threads": Threads = ThreadCount(name, value()); break;
            case "--validation": Validation = PositiveInteger(name, value()); break;
            case "--unshare-at": o = o with { UnshareAtEpoch = PositiveInteger(name, value()) }; break;
            case "--unshare-threshold": o = o with { UnshareThreshold = NumberBetween(name, value(), -1, 1, Ends.Closed) }; break;
            default: return false;
        }
        Options = o;
        _given.Add(name);
        return true;
    }

    /// <summary>
    /// The options once every argument is read: <paramref name="complete"/> fills in what depends on the program's own
    /// options (a checkpoint directory named after the model, milestones from the epochs), a default warm-up that a
    /// shorter <c>--epochs</c> would outlast ends one epoch before training does, and the result is validated.
    /// </summary>
    /// <exception cref="ArgumentException">The options contradict each other; the message says how.</exception>
    public TrainerOptions Finish(Func<TrainerOptions, TrainerOptions>? complete = null)
    {
        var o = complete?.Invoke(Options) ?? Options;
        // How each value the user did not type came about, for a resumed run's note: a default that follows --epochs
        // changes with it, which the user would otherwise read as a change they made.
        var derived = new Dictionary<string, string>(StringComparer.Ordinal);
        string forEpochs = string.Format(CultureInfo.InvariantCulture, "the default for --epochs {0}", o.Epochs);
        if (!Given("--warmup-epochs") && o.WarmupEpochs >= o.Epochs)
        {
            o = o with { WarmupEpochs = o.Epochs - 1 };
            derived[nameof(TrainerOptions.WarmupEpochs)] = forEpochs;
        }
        if (!Given("--milestones") && !o.Milestones.SequenceEqual(Options.Milestones)) derived[nameof(TrainerOptions.Milestones)] = forEpochs;
        string? DefaultOf(string property)
            => Given(OptionName(property)) ? null : derived.TryGetValue(property, out var how) ? how : "the default";
        if (Given("--unshare-threshold") && o.UnshareAtEpoch is null)
            throw new ArgumentException("--unshare-threshold is the threshold of coefficient unsharing; give --unshare-at N as well, the epoch whose gradients decide the split.");
        // An option that the chosen schedule or optimizer never reads is a mistake the user would not see in the results.
        if (Given("--step-size") && o.Schedule != ScheduleKind.Step)
            throw new ArgumentException($"--step-size sets the step schedule's decays, but the schedule is {ScheduleName(o.Schedule)}: add --schedule step, or leave --step-size out.");
        if (Given("--milestones") && o.Schedule != ScheduleKind.MultiStep)
            throw new ArgumentException($"--milestones sets the multi-step schedule's decays, but the schedule is {ScheduleName(o.Schedule)}: add --schedule multi-step, or leave --milestones out.");
        if (Given("--gamma") && o.Schedule is not (ScheduleKind.Step or ScheduleKind.MultiStep))
            throw new ArgumentException($"--gamma is the factor of the step and multi-step decays, but the schedule is {ScheduleName(o.Schedule)}: add --schedule step or multi-step, or leave --gamma out.");
        if (Given("--schedule-per") && !LearningRateSchedule.ReadsInterval(o))
            throw new ArgumentException($"--schedule-per sets how often the cosine and the warm-up are recomputed, but the schedule is {ScheduleName(o.Schedule)} with no warm-up, " +
                "whose rate changes only between epochs either way: leave --schedule-per out, or add --schedule cosine or --warmup-epochs N.");
        if (Given("--momentum") && o.Optimizer != OptimizerKind.SgdNesterov)
            throw new ArgumentException("--momentum is SGD's; AdamW keeps its own moment estimates: add --optimizer sgd, or leave --momentum out.");
        // A one-epoch run has no boundary to decay at, so no step size or milestone can be the fix.
        if (o.Epochs == 1 && o.Schedule is (ScheduleKind.Step or ScheduleKind.MultiStep) && (Given("--schedule") || Given("--step-size") || Given("--milestones")))
            throw new ArgumentException($"--schedule {ScheduleName(o.Schedule)} decays between epochs, and a one-epoch run has none: give --epochs 2 or more, or another --schedule (constant or cosine).");
        if (Given("--milestones") && o.Milestones.FirstOrDefault(m => m >= o.Epochs) is > 0 and var late)
            throw new ArgumentException($"--milestones {string.Join(",", o.Milestones)} has a decay after epoch {late}, but the run ends after epoch {o.Epochs}, so it never takes effect: give milestones below --epochs.");
        if (o.Validate(OptionName) is { } problem) throw new ArgumentException(problem + ".");
        // A decay schedule the user asked for that never decays in this run is a constant one in disguise. (A program's
        // own default, such as WideResNet's multi-step milestones of a one-epoch run, is its own business.)
        bool neverDecays = (o.Schedule == ScheduleKind.Step && o.StepSize >= o.Epochs && (Given("--schedule") || Given("--step-size")))
            || (o.Schedule == ScheduleKind.MultiStep && o.Milestones.Count == 0 && Given("--schedule"));
        if (neverDecays && o.Schedule == ScheduleKind.Step)
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                "--schedule step decays every {0} epochs (--step-size{1}), but the run ends after epoch {2}, so it never decays: give --step-size below --epochs.",
                o.StepSize, Given("--step-size") ? "" : ", its default", o.Epochs));
        if (neverDecays)
            throw new ArgumentException("--schedule multi-step decays at the epochs --milestones names, but none are given, so it never decays: add --milestones, such as --milestones " +
                string.Join(",", new[] { o.Epochs / 2, o.Epochs * 3 / 4 }.Where(m => m >= 1 && m < o.Epochs).Distinct()) + ".");
        var names = ModelSettings is { } model ? SettingNames.CommandLine.WithModelSettings(model) : SettingNames.CommandLine;
        return o with { Names = names.WithDefaults(DefaultOf) };
    }

    /// <summary>
    /// The settings a run trains with, as the options that set them ("epochs=3 batch=128 optimizer=adamw lr=0.012
    /// schedule=cosine per step ..."), for the line every program prints before it trains: the same names and values in
    /// every example, and settings such as the momentum or the decay steps only where the optimizer or schedule reads them.
    /// </summary>
    public static string Describe(TrainerOptions o, Device device)
    {
        ArgumentNullException.ThrowIfNull(o);
        var i = CultureInfo.InvariantCulture;
        var text = new System.Text.StringBuilder();
        void Add(string name, object value) => text.Append(text.Length == 0 ? "" : " ").Append(name).Append('=').Append(string.Format(i, "{0}", value));
        Add("epochs", o.Epochs);
        Add("batch", o.BatchSize);
        Add("optimizer", OptimizerName(o.Optimizer));
        if (o.Optimizer == OptimizerKind.SgdNesterov) Add("momentum", o.Momentum);
        Add("lr", o.LearningRate);
        Add("schedule", ScheduleName(o.Schedule) + " per " + (o.Interval == ScheduleInterval.Step ? "step" : "epoch"));
        if (o.Schedule == ScheduleKind.Step) Add("step_size", o.StepSize);
        if (o.Schedule == ScheduleKind.MultiStep) Add("milestones", o.Milestones.Count == 0 ? "none" : string.Join(",", o.Milestones));
        if (o.Schedule is ScheduleKind.Step or ScheduleKind.MultiStep) Add("gamma", o.Gamma);
        Add("warmup_epochs", o.WarmupEpochs);
        Add("weight_decay", o.WeightDecay);
        Add("label_smoothing", o.LabelSmoothing);
        if (o.GradientClip is { } clip) Add("gradient_clip", clip);
        if (o.BatchesPerEpoch is { } batches) Add("train_batches", batches);
        if (o.UnshareAtEpoch is { } unshare)
        {
            Add("unshare_at", unshare);
            Add("unshare_threshold", o.UnshareThreshold);
        }
        Add("seed", o.Seed);
        Add("device", device.type.ToString().ToLowerInvariant());
        Add("threads", get_num_threads());
        Add("checkpoints", o.CheckpointDirectory ?? "none");
        if (o.Resume) text.Append(" (resume)");
        if (o.Overwrite) text.Append(" (overwrite)");
        return text.ToString();
    }

    /// <summary>The option that sets a <see cref="TrainerOptions"/> property, for messages about what the user typed.</summary>
    internal static string OptionName(string property) => property switch
    {
        nameof(TrainerOptions.Epochs) => "--epochs",
        nameof(TrainerOptions.Seed) => "--seed",
        nameof(TrainerOptions.Optimizer) => "--optimizer",
        nameof(TrainerOptions.BatchSize) => "--batch-size",
        nameof(TrainerOptions.LearningRate) => "--lr",
        nameof(TrainerOptions.WeightDecay) => "--weight-decay",
        nameof(TrainerOptions.LabelSmoothing) => "--label-smoothing",
        nameof(TrainerOptions.GradientClip) => "--gradient-clip",
        nameof(TrainerOptions.WarmupEpochs) => "--warmup-epochs",
        nameof(TrainerOptions.Interval) => "--schedule-per",
        nameof(TrainerOptions.StepSize) => "--step-size",
        nameof(TrainerOptions.Gamma) => "--gamma",
        nameof(TrainerOptions.Momentum) => "--momentum",
        nameof(TrainerOptions.Milestones) => "--milestones",
        nameof(TrainerOptions.Schedule) => "--schedule",
        nameof(TrainerOptions.Resume) => "--resume",
        nameof(TrainerOptions.CheckpointDirectory) => "--checkpoint-dir",
        nameof(TrainerOptions.Overwrite) => "--overwrite",
        nameof(TrainerOptions.Plot) => "--plot",
        nameof(TrainerOptions.BatchesPerEpoch) => "--train-batches",
        nameof(TrainerOptions.CheckpointEverySteps) => "--checkpoint-every",
        nameof(TrainerOptions.UnshareAtEpoch) => "--unshare-at",
        nameof(TrainerOptions.UnshareThreshold) => "--unshare-threshold",
        _ => property,
    };

    /// <summary>Sets TorchSharp's thread count (<c>--threads</c>) and returns the device to train on.</summary>
    /// <exception cref="ArgumentException"><c>--device cuda</c> was given but this build or machine has no CUDA.</exception>
    public Device Apply()
    {
        if (Threads is { } threads) set_num_threads(threads);
        return DeviceName switch
        {
            "cpu" => CPU,
            "cuda" when cuda.is_available() => CUDA,
            "cuda" => throw new ArgumentException("--device cuda was given but CUDA is not available; on a machine with a GPU, build with -p:TorchBackend=cuda (or, built with -p:TorchBackend=external, put a CUDA libtorch such as PyTorch's torch/lib on LD_LIBRARY_PATH), or use --device cpu."),
            _ => cuda.is_available() ? CUDA : CPU,
        };
    }

    /// <summary>
    /// The data the trainer gets: <paramref name="data"/> itself, or with <c>--validation N</c> its validation split
    /// (<see cref="TrainingData.HoldOut"/>: train on all but the last N training examples, evaluate on those).
    /// </summary>
    /// <exception cref="ArgumentException"><c>--validation</c> holds out every training example.</exception>
    public TrainingData Prepare(TrainingData data) => Prepare(data, Validation);

    /// <summary><see cref="Prepare(TrainingData)"/> for a program that reads <c>--validation</c> itself: <paramref name="validation"/> examples held out, or none.</summary>
    /// <exception cref="ArgumentException"><paramref name="validation"/> holds out every training example.</exception>
    public static TrainingData Prepare(TrainingData data, int? validation)
    {
        if (validation is not { } count) return data;
        long n = data.TrainInputs.shape[0];
        if (count >= n)
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "--validation {0} holds out every one of the {1:N0} training examples; give at most {2}.", count, n, n - 1));
        return data.HoldOut(count);
    }

    /// <summary>
    /// <see cref="Prepare(TrainingData)"/> for a program: false, with the message in <paramref name="problem"/>, where <see cref="Prepare(TrainingData)"/> would throw;
    /// on success also prints which set the accuracy is measured on (<see cref="EvaluationSet"/>) to <paramref name="log"/>.
    /// </summary>
    public bool TryPrepare(TrainingData data, Action<string> log, out TrainingData prepared, out string? problem)
    {
        try
        {
            prepared = Prepare(data);
        }
        catch (ArgumentException e)
        {
            (prepared, problem) = (data, e.Message);
            return false;
        }
        log("evaluation: " + EvaluationSet);
        problem = null;
        return true;
    }

    /// <summary>What the trainer's accuracy is measured on, for a program's opening lines.</summary>
    public string EvaluationSet => Validation is { } count
        ? string.Format(CultureInfo.InvariantCulture, "validation split (the last {0:N0} training examples; the test set is not used)", count)
        : "test set";
}
