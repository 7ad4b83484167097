using System;
using System.Globalization;
using NpasDsl.Data;
using NpasDsl.Training;

namespace NpasDsl.Examples.FashionMnist;

/// <summary>The command line of the example. Every option is echoed at start-up, so no choice can vanish silently.</summary>
public sealed class TrainingOptions
{
    public const string Usage =
        "usage: FashionMnist [--data DIR] [--epochs N] [--budget FRACTION | --budget-parameters N] [--seed N]\n" +
        "                    [--batch-size N] [--lr RATE] [--optimizer adamw|sgd] [--weight-decay W] [--label-smoothing S]\n" +
        "                    [--warmup-epochs N] [--schedule-per step|epoch] [--train-batches N] [--checkpoint-dir DIR] [--checkpoint-every N] [--resume] [--plot]\n" +
        "                    [--device cpu|cuda]\n" +
        "  --data DIR               the four Fashion-MNIST IDX files (default " + FashionMnistDataset.DebianDirectory + ")\n" +
        "  --epochs N               passes over the training set (default 3)\n" +
        "  --budget FRACTION        override the declared budget, e.g. 0.05 or 2.0 (re-checked at start-up)\n" +
        "  --budget-parameters N    override the budget with an absolute parameter count\n" +
        "  --seed N                 seed for initialisation and data order (default 1)\n" +
        "  --batch-size N           images per step (default 128)\n" +
        "  --lr RATE                peak learning rate, cosine schedule (default 0.003)\n" +
        "  --optimizer adamw|sgd    AdamW (default) or SGD with Nesterov momentum\n" +
        "  --weight-decay W         decoupled weight decay on banks and own weights (default 0)\n" +
        "  --label-smoothing S      label smoothing of the loss (default 0)\n" +
        "  --warmup-epochs N        epochs of linear learning-rate warm-up (default 0)\n" +
        "  --schedule-per step|epoch  warm-up and cosine recomputed before every batch (default) or once per epoch\n" +
        "  --train-batches N        stop each epoch after N batches (for smoke runs)\n" +
        "  --checkpoint-dir DIR     where checkpoints and metrics.csv go (default runs/fashion-mnist)\n" +
        "  --checkpoint-every N     also checkpoint every N steps inside an epoch\n" +
        "  --resume                 continue from the checkpoint in --checkpoint-dir\n" +
        "  --plot                   draw metrics.png (loss and accuracy per epoch) beside metrics.csv\n" +
        "  --device cpu|cuda        default: cuda when available, else cpu";

    public string DataDirectory { get; private set; } = FashionMnistDataset.DebianDirectory;
    public double? BudgetFraction { get; private set; }
    public long? BudgetParameters { get; private set; }
    public string? Device { get; private set; }
    public TrainerOptions Trainer { get; private set; } = new() { CheckpointDirectory = "runs/fashion-mnist" };

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public static TrainingOptions Parse(string[] args)
    {
        var options = new TrainingOptions();
        var t = options.Trainer;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--data": options.DataDirectory = Value(); break;
                case "--epochs": t = t with { Epochs = PositiveInt(name, Value()) }; break;
                case "--budget": options.BudgetFraction = PositiveDouble(name, Value()); break;
                case "--budget-parameters": options.BudgetParameters = PositiveInt(name, Value()); break;
                case "--seed": t = t with { Seed = long.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : throw new ArgumentException($"{name} needs an integer.") }; break;
                case "--batch-size": t = t with { BatchSize = PositiveInt(name, Value()) }; break;
                case "--lr": t = t with { LearningRate = PositiveDouble(name, Value()) }; break;
                case "--optimizer":
                    t = t with { Optimizer = Value() switch { "adamw" => OptimizerKind.AdamW, "sgd" => OptimizerKind.SgdNesterov, var o => throw new ArgumentException($"--optimizer must be adamw or sgd, not '{o}'.") } };
                    break;
                case "--weight-decay": t = t with { WeightDecay = NonNegativeDouble(name, Value()) }; break;
                case "--label-smoothing": t = t with { LabelSmoothing = NonNegativeDouble(name, Value()) }; break;
                case "--warmup-epochs": t = t with { WarmupEpochs = int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) && w >= 0 ? w : throw new ArgumentException($"{name} needs a non-negative integer.") }; break;
                case "--schedule-per":
                    t = t with { Interval = Value() switch { "step" => ScheduleInterval.Step, "epoch" => ScheduleInterval.Epoch, var v => throw new ArgumentException($"--schedule-per must be step or epoch, not '{v}'.") } };
                    break;
                case "--train-batches": t = t with { BatchesPerEpoch = PositiveInt(name, Value()) }; break;
                case "--checkpoint-dir": t = t with { CheckpointDirectory = Value() }; break;
                case "--checkpoint-every": t = t with { CheckpointEverySteps = PositiveInt(name, Value()) }; break;
                case "--resume": t = t with { Resume = true }; break;
                case "--plot": t = t with { Plot = true }; break;
                case "--device":
                    options.Device = Value();
                    if (options.Device is not ("cpu" or "cuda")) throw new ArgumentException($"--device must be cpu or cuda, not '{options.Device}'.");
                    break;
                case "-h" or "--help": throw new HelpRequested();
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }
        if (options.BudgetFraction is not null && options.BudgetParameters is not null)
            throw new ArgumentException("Give either --budget or --budget-parameters, not both.");
        if (t.Validate() is { } problem) throw new ArgumentException(problem + ".");
        options.Trainer = t;
        return options;
    }

    private static int PositiveInt(string name, string text)
        => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{name} needs a positive integer, not '{text}'.");

    private static double PositiveDouble(string name, string text)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && !double.IsInfinity(v) ? v : throw new ArgumentException($"{name} needs a finite positive number, not '{text}'.");

    private static double NonNegativeDouble(string name, string text)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && !double.IsInfinity(v) ? v : throw new ArgumentException($"{name} needs a finite number of at least 0, not '{text}'.");

    /// <summary>Thrown for --help.</summary>
    public sealed class HelpRequested : Exception { }
}
