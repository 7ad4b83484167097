using System;
using System.Globalization;
using NpasDsl;
using NpasDsl.Data;
using NpasDsl.Examples.FashionMnist;
using NpasDsl.Planning;
using NpasDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

// Trains FashionNet on Fashion-MNIST under its parameter budget and ends with one line:
// final: accuracy=0.8712 parameters=12,345 budget=12,500 unshared=125,000
TrainingOptions options;
try
{
    options = TrainingOptions.Parse(args);
}
catch (TrainingOptions.HelpRequested)
{
    Console.WriteLine(TrainingOptions.Usage);
    return ExitCodes.Success;
}
catch (ArgumentException e)
{
    return ExitCodes.Report(e, TrainingOptions.Usage);
}

// Every failure from here on is reported in one line with its own exit code (ExitCodes says which).
try
{
    // The device first: --device cuda on a machine without CUDA is refused before the data is read (seconds, for the whole set).
    var device = options.Line.Apply();
    var data = FashionMnistDataset.Load(options.DataDirectory);
    random.manual_seed(options.Trainer.Seed);

    BudgetSpec? budget = options.BudgetFraction is { } f ? BudgetSpec.Fraction(f) : options.BudgetParameters is { } p ? BudgetSpec.Parameters(p) : null;
    var sharing = options.CoefficientSharing is { } c ? FashionNet.Declaration.Sharing.With(coefficientSharing: c) : null;
    var t = options.Trainer;
    Console.WriteLine($"FashionMnist: data={options.DataDirectory} {TrainerCommandLine.Describe(t, device)}{options.Allocation.Description}{(options.Unshared ? " unshared (every weight its own)" : "")}");
    if (!options.Line.TryPrepare(new TrainingData(data.TrainImages, data.TrainLabels, data.TestImages, data.TestLabels), Console.WriteLine, out var trainingData, out var dataProblem))
    {
        Console.Error.WriteLine($"error: {dataProblem}");
        return ExitCodes.BadArguments;
    }
    var requested = new NpasOptions { Seed = t.Seed, Budget = budget, Device = device, Sharing = sharing, Unshared = options.Unshared };
    // --group-search trains a warm-up model first (on the training part only); --allocation reads saved groups.
    // The first Ctrl+C during a search's warm-up stops it (exit code 130), as it stops training.
    var model = ConsoleProgress.Interruptible(interrupt => options.Allocation.Build(o => new FashionNet(o), trainingData, t, requested, Console.WriteLine, interrupt));
    Console.WriteLine(model.Allocation);

    // --unshare-at replaces the model with the one rebuilt for the split allocation.
    var (history, trained) = ConsoleProgress.Train((progress, log) => new Trainer(model, trainingData, t, device, log, progress: progress, rebuild: o => new FashionNet(o)));
    Console.WriteLine(FinalLine.For(trained, history, trainingData.Evaluation));
    return ExitCodes.Success;
}
catch (Exception e) when (ExitCodes.For(e) is not null)
{
    return ExitCodes.Report(e);
}
