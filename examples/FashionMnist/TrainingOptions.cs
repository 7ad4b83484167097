using System;
using System.Globalization;
using NpasDsl.Data;

namespace NpasDsl.Examples.FashionMnist;

/// <summary>The command line of the example. Every option is echoed at start-up, so no choice can vanish silently.</summary>
public sealed class TrainingOptions
{
    public const string Usage =
        "usage: FashionMnist [--data DIR] [--epochs N] [--budget FRACTION | --budget-parameters N] [--seed N]\n" +
        "                    [--batch-size N] [--lr RATE] [--train-batches N] [--device cpu|cuda]\n" +
        "  --data DIR               the four Fashion-MNIST IDX files (default " + FashionMnistDataset.DebianDirectory + ")\n" +
        "  --epochs N               passes over the training set (default 4)\n" +
        "  --budget FRACTION        override the declared budget, e.g. 0.05 or 2.0 (re-checked at start-up)\n" +
        "  --budget-parameters N    override the budget with an absolute parameter count\n" +
        "  --seed N                 seed for initialisation and data order (default 1)\n" +
        "  --batch-size N           images per step (default 128)\n" +
        "  --lr RATE                peak AdamW learning rate (default 0.003)\n" +
        "  --train-batches N        stop each epoch after N batches (for smoke runs)\n" +
        "  --device cpu|cuda        default: cuda when available, else cpu";

    public string DataDirectory { get; private set; } = FashionMnistDataset.DebianDirectory;
    public int Epochs { get; private set; } = 4;
    public double? BudgetFraction { get; private set; }
    public long? BudgetParameters { get; private set; }
    public long Seed { get; private set; } = 1;
    public int BatchSize { get; private set; } = 128;
    public double LearningRate { get; private set; } = 0.003;
    public int? TrainBatches { get; private set; }
    public string? Device { get; private set; }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public static TrainingOptions Parse(string[] args)
    {
        var options = new TrainingOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--data": options.DataDirectory = Value(); break;
                case "--epochs": options.Epochs = PositiveInt(name, Value()); break;
                case "--budget": options.BudgetFraction = PositiveDouble(name, Value()); break;
                case "--budget-parameters": options.BudgetParameters = PositiveInt(name, Value()); break;
                case "--seed": options.Seed = long.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : throw new ArgumentException($"{name} needs an integer."); break;
                case "--batch-size": options.BatchSize = PositiveInt(name, Value()); break;
                case "--lr": options.LearningRate = PositiveDouble(name, Value()); break;
                case "--train-batches": options.TrainBatches = PositiveInt(name, Value()); break;
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
        return options;
    }

    private static int PositiveInt(string name, string text)
        => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{name} needs a positive integer, not '{text}'.");

    private static double PositiveDouble(string name, string text)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && !double.IsInfinity(v) ? v : throw new ArgumentException($"{name} needs a finite positive number, not '{text}'.");

    /// <summary>Thrown for --help.</summary>
    public sealed class HelpRequested : Exception { }
}
