using System;
using System.Globalization;
using System.IO;
using NpasDsl;
using NpasDsl.Allocation;
using NpasDsl.Data;
using NpasDsl.Examples.VisionTransformer;
using NpasDsl.Planning;
using NpasDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

// A small vision transformer on Fashion-MNIST with shared attention and MLP projections; ends with
// final: accuracy=... parameters=... budget=... unshared=...
const string Usage =
    "usage: VisionTransformer [--data DIR] [--epochs N] [--budget FRACTION] [--seed N] [--batch-size N] [--lr RATE] [--train-batches N]\n" +
    "                         [--checkpoint-dir DIR] [--resume] [--plot]\n" +
    "  defaults: Fashion-MNIST from " + FashionMnistDataset.DebianDirectory + ", 10 epochs, AdamW lr 0.001 with 1 warm-up epoch and cosine decay,\n" +
    "            weight decay 0.05, label smoothing 0.1, batch 128, checkpoints in runs/vit";

string data = FashionMnistDataset.DebianDirectory;
double? budget = null;
var trainer = new TrainerOptions { Epochs = 10, LearningRate = 0.001, WeightDecay = 0.05, LabelSmoothing = 0.1, WarmupEpochs = 1, CheckpointDirectory = Path.Combine("runs", "vit") };
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string name = args[i];
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
        int Count() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{name} needs a positive integer.");
        double Positive() => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v) ? v : throw new ArgumentException($"{name} needs a finite positive number.");
        switch (name)
        {
            case "--data": data = Value(); break;
            case "--epochs":
                int epochs = Count();
                trainer = trainer with { Epochs = epochs, WarmupEpochs = Math.Min(trainer.WarmupEpochs, epochs - 1) }; // warm-up must end before training does
                break;
            case "--budget": budget = Positive(); break;
            case "--seed": trainer = trainer with { Seed = Count() }; break;
            case "--batch-size": trainer = trainer with { BatchSize = Count() }; break;
            case "--lr": trainer = trainer with { LearningRate = Positive() }; break;
            case "--train-batches": trainer = trainer with { BatchesPerEpoch = Count() }; break;
            case "--checkpoint-dir": trainer = trainer with { CheckpointDirectory = Value() }; break;
            case "--resume": trainer = trainer with { Resume = true }; break;
            case "--plot": trainer = trainer with { Plot = true }; break;
            case "-h" or "--help": Console.WriteLine(Usage); return 0;
            default: throw new ArgumentException($"Unknown option '{name}'.");
        }
    }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n{Usage}");
    return 2;
}

FashionMnistDataset dataset;
try
{
    dataset = FashionMnistDataset.Load(data);
}
catch (Exception e) when (e is FileNotFoundException or InvalidDataException or DirectoryNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 3;
}

random.manual_seed(trainer.Seed);
FashionVit model;
try
{
    model = new FashionVit(new NpasOptions { Seed = trainer.Seed, Budget = budget is { } b ? BudgetSpec.Fraction(b) : null });
}
catch (BudgetInfeasibleException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 4;
}
Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "VisionTransformer: data={0} epochs={1} batch={2} lr={3} seed={4} checkpoints={5}",
    data, trainer.Epochs, trainer.BatchSize, trainer.LearningRate, trainer.Seed, trainer.CheckpointDirectory));
Console.WriteLine(model.Allocation);

try
{
    var trainingData = new TrainingData(dataset.TrainImages, dataset.TrainLabels, dataset.TestImages, dataset.TestLabels);
    var history = ConsoleProgress.Run((progress, log) => new Trainer(model, trainingData, trainer, log: log, progress: progress).Run());
    Console.WriteLine(FinalLine.For(model, history));
    return 0;
}
catch (Exception e) when (e is TrainingDivergedException or AllocationMismatchException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 5;
}
