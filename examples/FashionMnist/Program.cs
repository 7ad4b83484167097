using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using NpasDsl;
using NpasDsl.Data;
using NpasDsl.Examples.FashionMnist;
using NpasDsl.Allocation;
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
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n{TrainingOptions.Usage}");
    return 2;
}

FashionMnistDataset data;
try
{
    data = FashionMnistDataset.Load(options.DataDirectory);
}
catch (Exception e) when (e is FileNotFoundException or InvalidDataException or DirectoryNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 3;
}

Device device;
try
{
    device = options.Line.Apply();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
random.manual_seed(options.Trainer.Seed);

FashionNet model;
try
{
    BudgetSpec? budget = options.BudgetFraction is { } f ? BudgetSpec.Fraction(f) : options.BudgetParameters is { } p ? BudgetSpec.Parameters(p) : null;
    var sharing = options.CoefficientSharing is { } c ? FashionNet.Declaration.Sharing.With(coefficientSharing: c) : null;
    model = new FashionNet(new NpasOptions { Seed = options.Trainer.Seed, Budget = budget, Device = device, Sharing = sharing });
}
catch (BudgetInfeasibleException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 4;
}
catch (ArgumentException e) // e.g. a fraction above 1000 (a parameter count given as --budget)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

var t = options.Trainer;
Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
    "FashionMnist: epochs={0} batch={1} optimizer={2} lr={3} schedule={13} per {14} weight_decay={4} label_smoothing={5} warmup_epochs={6} seed={7} device={8} threads={9} data={10} checkpoints={11}{12}{15}",
    t.Epochs, t.BatchSize, t.Optimizer, t.LearningRate, t.WeightDecay, t.LabelSmoothing, t.WarmupEpochs, t.Seed, device.type, get_num_threads(), options.DataDirectory, t.CheckpointDirectory, t.Resume ? " (resume)" : "", t.Schedule, t.Interval.ToString().ToLowerInvariant(),
    t.UnshareAtEpoch is { } unshareAt ? string.Format(CultureInfo.InvariantCulture, " unshare_at={0} unshare_threshold={1}", unshareAt, t.UnshareThreshold) : ""));
Console.WriteLine(model.Allocation);
if (!options.Line.TryPrepare(new TrainingData(data.TrainImages, data.TrainLabels, data.TestImages, data.TestLabels), Console.WriteLine, out var trainingData, out var dataProblem))
{
    Console.Error.WriteLine($"error: {dataProblem}");
    return 2;
}

IReadOnlyList<EpochRecord> history;
NpasModule trained; // --unshare-at replaces the model with the one rebuilt for the split allocation
try
{
    (history, trained) = ConsoleProgress.Train((progress, log) => new Trainer(model, trainingData, t, device, log, progress: progress, rebuild: o => new FashionNet(o)));
}
catch (UnsharingUnavailableException e) // --unshare-at on a model without shared coefficient vectors
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (Exception e) when (e is TrainingDivergedException or AllocationMismatchException or CheckpointException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 5;
}

Console.WriteLine(FinalLine.For(trained, history, trainingData.Evaluation));
return 0;
