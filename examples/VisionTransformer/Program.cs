using System;
using System.Globalization;
using System.IO;
using NpasDsl;
using NpasDsl.Data;
using NpasDsl.Examples.VisionTransformer;
using NpasDsl.Planning;
using NpasDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

// A small vision transformer on Fashion-MNIST with shared attention and MLP projections; ends with
// final: accuracy=... parameters=... budget=... unshared=...
string Usage =
    "usage: VisionTransformer [--data DIR] [--budget FRACTION] [trainer options]\n" +
    "  --data DIR       the four Fashion-MNIST IDX files (default " + FashionMnistDataset.DebianDirectory + ")\n" +
    "  --budget F       override the declared budget (a fraction of the unshared parameters)\n" +
    "  defaults: 10 epochs, AdamW lr 0.001 with 1 warm-up epoch and cosine decay, weight decay 0.05, label smoothing 0.1,\n" +
    "            batch 128, seed 1; checkpoints in runs/vit\n" +
    TrainerCommandLine.UsageWithout("--unshare-at", "--unshare-threshold"); // no shared coefficient vectors to split: refused, with the reason

string data = FashionMnistDataset.DebianDirectory;
double? budget = null;
var line = new TrainerCommandLine(new TrainerOptions { Epochs = 10, LearningRate = 0.001, WeightDecay = 0.05, LabelSmoothing = 0.1, WarmupEpochs = 1, CheckpointDirectory = Path.Combine("runs", "vit") });
TrainerOptions trainer;
Device device;
try
{
    line.Read(args, (name, value) =>
    {
        switch (name)
        {
            case "--data": data = value(); return true;
            case "--budget": budget = TrainerCommandLine.BudgetFraction(name, value()); return true;
            default: return false;
        }
    });
    if (line.HelpRequested)
    {
        Console.WriteLine(Usage);
        return ExitCodes.Success;
    }
    line.RefuseUnsharing("FashionVit gives every layer coefficients of its own (no coefficient sharing), so there is no shared vector to split");
    line.ModelSettings = "the --budget"; // what a refused resume of another model names: this program has no --group-search
    trainer = line.Finish();
    device = line.Apply();
}
catch (ArgumentException e)
{
    return ExitCodes.Report(e, Usage);
}

// Every failure from here on is reported in one line with its own exit code (ExitCodes says which).
try
{
    var dataset = FashionMnistDataset.Load(data);
    random.manual_seed(trainer.Seed);
    var model = new FashionVit(new NpasOptions { Seed = trainer.Seed, Budget = budget is { } b ? BudgetSpec.Fraction(b) : null, Device = device });

    Console.WriteLine($"VisionTransformer: data={data} {TrainerCommandLine.Describe(trainer, device)}");
    Console.WriteLine(model.Allocation);
    if (!line.TryPrepare(new TrainingData(dataset.TrainImages, dataset.TrainLabels, dataset.TestImages, dataset.TestLabels), Console.WriteLine, out var trainingData, out var dataProblem))
    {
        Console.Error.WriteLine($"error: {dataProblem}");
        return ExitCodes.BadArguments;
    }

    // With --unshare-at the trained model is the one rebuilt for the split allocation.
    var (history, trained) = ConsoleProgress.Train((progress, log) => new Trainer(model, trainingData, trainer, device, log, progress: progress, rebuild: o => new FashionVit(o)));
    Console.WriteLine(FinalLine.For(trained, history, trainingData.Evaluation));
    return ExitCodes.Success;
}
catch (Exception e) when (ExitCodes.For(e) is not null)
{
    return ExitCodes.Report(e);
}
