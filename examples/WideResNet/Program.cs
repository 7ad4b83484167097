using System;
using System.Globalization;
using System.IO;
using NpasDsl;
using NpasDsl.Allocation;
using NpasDsl.Data;
using NpasDsl.Examples.WideResNet;
using NpasDsl.Planning;
using NpasDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

// Trains a wide residual network on CIFAR under a parameter budget, as in the SSN experiments:
//   WideResNet --model wrn-16-4 --data DIR   (CIFAR-10)      WideResNet --model wrn-28-10 --data DIR   (CIFAR-100)
// and ends with: final: accuracy=0.9123 parameters=... budget=... unshared=...
const string Usage =
    "usage: WideResNet --data DIR [--model wrn-16-4|wrn-28-10] [--epochs N] [--budget FRACTION] [--seed N] [--batch-size N]\n" +
    "                  [--lr RATE] [--weight-decay W] [--train-batches N] [--checkpoint-dir DIR] [--checkpoint-every N] [--resume] [--plot] [--device cpu|cuda]\n" +
    "  --model         wrn-16-4 on CIFAR-10 (default) or wrn-28-10 on CIFAR-100\n" +
    "  --data DIR      the CIFAR binary files (data_batch_1.bin ... test_batch.bin, or train.bin and test.bin)\n" +
    "  defaults: 200 epochs, SGD with Nesterov momentum 0.9, lr 0.1 divided by 5 at 30 %, 60 % and 80 %, weight decay 5e-4, batch 128,\n" +
    "            random crops and flips; checkpoints in runs/<model>";

string model = "wrn-16-4", data = "", device = cuda.is_available() ? "cuda" : "cpu";
double? budget = null;
var trainer = new TrainerOptions
{
    Epochs = 200, BatchSize = 128, Optimizer = OptimizerKind.SgdNesterov, LearningRate = 0.1, WeightDecay = 5e-4,
    Schedule = ScheduleKind.MultiStep, Gamma = 0.2,
};
string? checkpoints = null;
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string name = args[i];
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
        double Number() => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && double.IsFinite(v) ? v : throw new ArgumentException($"{name} needs a finite number of at least 0.");
        int Count() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{name} needs a positive integer.");
        switch (name)
        {
            case "--model": model = Value() is "wrn-16-4" or "wrn-28-10" ? args[i] : throw new ArgumentException("--model must be wrn-16-4 or wrn-28-10."); break;
            case "--data": data = Value(); break;
            case "--epochs": trainer = trainer with { Epochs = Count() }; break;
            case "--budget": budget = Number(); break;
            case "--seed": trainer = trainer with { Seed = Count() }; break;
            case "--batch-size": trainer = trainer with { BatchSize = Count() }; break;
            case "--lr": trainer = trainer with { LearningRate = Number() }; break;
            case "--weight-decay": trainer = trainer with { WeightDecay = Number() }; break;
            case "--train-batches": trainer = trainer with { BatchesPerEpoch = Count() }; break;
            case "--checkpoint-dir": checkpoints = Value(); break;
            case "--checkpoint-every": trainer = trainer with { CheckpointEverySteps = Count() }; break;
            case "--resume": trainer = trainer with { Resume = true }; break;
            case "--plot": trainer = trainer with { Plot = true }; break;
            case "--device": device = Value() is "cpu" or "cuda" ? args[i] : throw new ArgumentException("--device must be cpu or cuda."); break;
            case "-h" or "--help": Console.WriteLine(Usage); return 0;
            default: throw new ArgumentException($"Unknown option '{name}'.");
        }
    }
    if (data.Length == 0) throw new ArgumentException("--data DIR is required.");
    if (budget is <= 0) throw new ArgumentException("--budget needs a positive fraction.");
    if (device == "cuda" && !cuda.is_available()) throw new ArgumentException("--device cuda was given but CUDA is not available; build with -p:TorchBackend=cuda on a machine with a GPU.");
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n{Usage}");
    return 2;
}

var variant = model == "wrn-16-4" ? CifarVariant.Cifar10 : CifarVariant.Cifar100;
trainer = trainer with
{
    CheckpointDirectory = checkpoints ?? Path.Combine("runs", model),
    Milestones = new[] { (int)(trainer.Epochs * 0.3) + 1, (int)(trainer.Epochs * 0.6) + 1, (int)(trainer.Epochs * 0.8) + 1 },
};

CifarDataset dataset;
try
{
    dataset = CifarDataset.Load(data, variant);
}
catch (Exception e) when (e is FileNotFoundException or InvalidDataException or DirectoryNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 3;
}

var target = device == "cuda" ? CUDA : CPU;
random.manual_seed(trainer.Seed);
NpasModule network;
try
{
    var options = new NpasOptions { Seed = trainer.Seed, Budget = budget is { } b ? BudgetSpec.Fraction(b) : null, Device = target };
    network = model == "wrn-16-4" ? new Wrn16x4(options) : new Wrn28x10(options);
}
catch (BudgetInfeasibleException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 4;
}

Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "WideResNet: model={0} data={1} ({2:N0} training images) epochs={3} batch={4} lr={5} weight_decay={6} seed={7} device={8} checkpoints={9}{10}",
    model, data, dataset.TrainImages.shape[0], trainer.Epochs, trainer.BatchSize, trainer.LearningRate, trainer.WeightDecay, trainer.Seed, target.type, trainer.CheckpointDirectory, trainer.Resume ? " (resume)" : ""));
Console.WriteLine(network.Allocation);

try
{
    var trainingData = new TrainingData(dataset.TrainImages, dataset.TrainLabels, dataset.TestImages, dataset.TestLabels);
    var history = ConsoleProgress.Run((progress, log) => new Trainer(network, trainingData, trainer, target, log,
        augment: (images, generator) => Augmentation.RandomCropAndFlip(images, generator), progress: progress).Run());
    Console.WriteLine(FinalLine.For(network, history));
    return 0;
}
catch (Exception e) when (e is TrainingDivergedException or AllocationMismatchException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 5;
}
