using System;
using System.Globalization;
using System.IO;
using System.Linq;
using NpasDsl;
using NpasDsl.Allocation;
using NpasDsl.Data;
using NpasDsl.Examples.Ensemble;
using NpasDsl.Families;
using NpasDsl.Planning;
using NpasDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

// Trains WRN-10-1, WRN-16-1, WRN-10-2 and WRN-16-2 from one set of weights (SuperWeights' families of networks):
// every narrower member's weight is the top-left block of the wider member's, the family trains on the sum of the
// members' losses, and the test set gives each member's accuracy, the ensemble's, and the anytime curve (members
// added cheapest first). Ends with: final: accuracy=<ensemble> parameters=<family> budget=<members' budgets> unshared=<separate networks>
const string Usage =
    "usage: Ensemble [--dataset fashion-mnist|cifar10] [--data DIR] [--epochs N] [--budget FRACTION] [--seed N] [--batch-size N]\n" +
    "                [--lr RATE] [--train-batches N] [--test-images N] [--threads N] [--checkpoint-dir DIR] [--resume] [--plot] [--device cpu|cuda]\n" +
    "  --dataset        fashion-mnist (default; grey images repeated to three channels) or cifar10 (binary version, random crops and flips)\n" +
    "  --data DIR       the data set's files (default for Fashion-MNIST: " + FashionMnistDataset.DebianDirectory + ")\n" +
    "  --budget F       every member's budget as a fraction of what it adds to the member it extends (default: declared, 0.5)\n" +
    "  --test-images N  evaluate on the first N test images (default: all)\n" +
    "  --threads N      CPU threads for TorchSharp (default: its own choice)\n" +
    "  defaults: 1 epoch, AdamW, lr 0.003 with a cosine schedule, batch 128, seed 1; checkpoints in runs/ensemble";

string dataset = "fashion-mnist", device = cuda.is_available() ? "cuda" : "cpu";
string? data = null, checkpoints = null;
double? budget = null;
int? testImages = null;
var trainer = new TrainerOptions { Epochs = 1, BatchSize = 128, LearningRate = 0.003, Schedule = ScheduleKind.Cosine, Seed = 1 };
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string name = args[i];
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
        double Number() => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v) ? v : throw new ArgumentException($"{name} needs a finite number above 0.");
        int Count() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{name} needs a positive integer.");
        switch (name)
        {
            case "--dataset": dataset = Value() is "fashion-mnist" or "cifar10" ? args[i] : throw new ArgumentException("--dataset must be fashion-mnist or cifar10."); break;
            case "--data": data = Value(); break;
            case "--epochs": trainer = trainer with { Epochs = Count() }; break;
            case "--budget": budget = Number(); break;
            case "--seed": trainer = trainer with { Seed = Count() }; break;
            case "--batch-size": trainer = trainer with { BatchSize = Count() }; break;
            case "--lr": trainer = trainer with { LearningRate = Number() }; break;
            case "--train-batches": trainer = trainer with { BatchesPerEpoch = Count() }; break;
            case "--test-images": testImages = Count(); break;
            case "--threads": set_num_threads(Count()); break;
            case "--checkpoint-dir": checkpoints = Value(); break;
            case "--resume": trainer = trainer with { Resume = true }; break;
            case "--plot": trainer = trainer with { Plot = true }; break;
            case "--device": device = Value() is "cpu" or "cuda" ? args[i] : throw new ArgumentException("--device must be cpu or cuda."); break;
            case "-h" or "--help": Console.WriteLine(Usage); return 0;
            default: throw new ArgumentException($"Unknown option '{name}'.");
        }
    }
    if (dataset == "cifar10" && data is null) throw new ArgumentException("--dataset cifar10 needs --data DIR (the CIFAR-10 binary files).");
    if (device == "cuda" && !cuda.is_available()) throw new ArgumentException("--device cuda was given but CUDA is not available; build with -p:TorchBackend=cuda on a machine with a GPU.");
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n{Usage}");
    return 2;
}
trainer = trainer with { CheckpointDirectory = checkpoints ?? Path.Combine("runs", "ensemble") };

Tensor trainImages, trainLabels, testImagesTensor, testLabels;
try
{
    if (dataset == "cifar10")
    {
        var cifar = CifarDataset.Load(data!, CifarVariant.Cifar10);
        (trainImages, trainLabels, testImagesTensor, testLabels) = (cifar.TrainImages, cifar.TrainLabels, cifar.TestImages, cifar.TestLabels);
    }
    else
    {
        var fashion = FashionMnistDataset.Load(data ?? FashionMnistDataset.DebianDirectory);
        (trainImages, trainLabels, testImagesTensor, testLabels) = (fashion.TrainImages, fashion.TrainLabels, fashion.TestImages, fashion.TestLabels);
    }
}
catch (Exception e) when (e is FileNotFoundException or InvalidDataException or DirectoryNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 3;
}
if (testImages is { } limit && limit < testImagesTensor.shape[0])
    (testImagesTensor, testLabels) = (testImagesTensor.narrow(0, 0, limit), testLabels.narrow(0, 0, limit));

var target = device == "cuda" ? CUDA : CPU;
random.manual_seed(trainer.Seed);
ModelFamily family;
try
{
    BudgetSpec? memberBudget = budget is { } b ? BudgetSpec.Fraction(b) : null;
    family = new ModelFamily(new[]
    {
        FamilyMember.Of(Wrn10x1.Declaration, o => new Wrn10x1(o), memberBudget),
        FamilyMember.Of(Wrn16x1.Declaration, o => new Wrn16x1(o), memberBudget),
        FamilyMember.Of(Wrn10x2.Declaration, o => new Wrn10x2(o), memberBudget),
        FamilyMember.Of(Wrn16x2.Declaration, o => new Wrn16x2(o), memberBudget),
    }, new NpasOptions { Seed = trainer.Seed, Device = target });
}
catch (BudgetInfeasibleException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 4;
}

Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
    "Ensemble: dataset={0} ({1:N0} training images, {2:N0} test images) epochs={3} batch={4} lr={5} seed={6} device={7} threads={8} checkpoints={9}{10}",
    dataset, trainImages.shape[0], testImagesTensor.shape[0], trainer.Epochs, trainer.BatchSize, trainer.LearningRate, trainer.Seed, target.type,
    get_num_threads(), trainer.CheckpointDirectory, trainer.Resume ? " (resume)" : ""));
Console.WriteLine(family);

try
{
    var trainingData = new TrainingData(trainImages, trainLabels, testImagesTensor, testLabels);
    Func<Tensor, Generator, Tensor>? augment = dataset == "cifar10" ? (images, generator) => Augmentation.RandomCropAndFlip(images, generator) : null;
    ConsoleProgress.Run((progress, log) => new Trainer(family, trainingData, trainer, target, log, augment, progress).Run());
    var evaluation = family.Evaluate(testImagesTensor, testLabels);
    Console.WriteLine(evaluation);
    Console.WriteLine(FinalLine.For(family, evaluation));
    return 0;
}
catch (Exception e) when (e is TrainingDivergedException or AllocationMismatchException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 5;
}
