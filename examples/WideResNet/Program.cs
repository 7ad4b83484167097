using System;
using System.Globalization;
using System.IO;
using System.Linq;
using NpasDsl;
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
    "usage: WideResNet --data DIR [--model wrn-16-4|wrn-28-10] [--budget FRACTION] [--coefficient-sharing none|by-shape]\n" +
    "                  [--group-search learned|gradient-conflict | --allocation FILE] [trainer options]\n" +
    "  --model         wrn-16-4 on CIFAR-10 (default) or wrn-28-10 on CIFAR-100\n" +
    "  --data DIR      the CIFAR binary files (data_batch_1.bin ... test_batch.bin, or train.bin and test.bin)\n" +
    "  --budget F      override the declared budget (a fraction of the unshared parameters)\n" +
    "  --coefficient-sharing none|by-shape\n" +
    "                  by-shape: same-shape layers start with one coefficient vector (SuperWeights), which --unshare-at N splits\n" +
    "  defaults: 200 epochs, SGD with Nesterov momentum 0.9, lr 0.1 divided by 5 at 30 %, 60 % and 80 %, weight decay 5e-4, batch 128,\n" +
    "            random crops and flips; checkpoints in runs/<model>\n" +
    AllocationCommandLine.Usage + "\n" +
    TrainerCommandLine.Usage;

var allocationLine = new AllocationCommandLine();
string model = "wrn-16-4", data = "";
double? budget = null;
CoefficientSharing? coefficientSharing = null;
var line = new TrainerCommandLine(new TrainerOptions
{
    Epochs = 200, BatchSize = 128, Optimizer = OptimizerKind.SgdNesterov, LearningRate = 0.1, WeightDecay = 5e-4,
    Schedule = ScheduleKind.MultiStep, Gamma = 0.2,
});
TrainerOptions trainer;
Device device;
try
{
    line.Read(args, (name, value) =>
    {
        switch (name)
        {
            case "--model": model = value() is var m && m is "wrn-16-4" or "wrn-28-10" ? m : throw new ArgumentException($"--model must be wrn-16-4 or wrn-28-10, not '{m}'."); return true;
            case "--data": data = value(); return true;
            case "--budget": budget = TrainerCommandLine.BudgetFraction(name, value()); return true;
            case "--coefficient-sharing": coefficientSharing = TrainerCommandLine.CoefficientSharingNamed(name, value()); return true;
            default: return allocationLine.TryRead(name, value);
        }
    });
    if (line.HelpRequested)
    {
        Console.WriteLine(Usage);
        return ExitCodes.Success;
    }
    if (data.Length == 0) throw new ArgumentException("--data DIR is required.");
    allocationLine.Check(budget is null ? null : "--budget", coefficientSharing is null ? null : "--coefficient-sharing");
    trainer = line.Finish(o => o with
    {
        CheckpointDirectory = o.CheckpointDirectory ?? Path.Combine("runs", model),
        // SSN's recipe: the rate drops after 30 %, 60 % and 80 % of the epochs (60, 120 and 160 of 200).
        Milestones = line.Given("--milestones") ? o.Milestones : new[] { (int)(o.Epochs * 0.3), (int)(o.Epochs * 0.6), (int)(o.Epochs * 0.8) }.Where(m => m >= 1).Distinct().ToArray(),
    });
    device = line.Apply();
}
catch (ArgumentException e)
{
    return ExitCodes.Report(e, Usage);
}

// Every failure from here on is reported in one line with its own exit code (ExitCodes says which).
try
{
    var variant = model == "wrn-16-4" ? CifarVariant.Cifar10 : CifarVariant.Cifar100;
    var dataset = CifarDataset.Load(data, variant, variant == CifarVariant.Cifar10
        ? "load it with --model wrn-28-10, which trains on CIFAR-100"
        : "load it with --model wrn-16-4 (the default), which trains on CIFAR-10");

    random.manual_seed(trainer.Seed);
    Func<NpasOptions, NpasModule> build = o => model == "wrn-16-4" ? new Wrn16x4(o) : new Wrn28x10(o);
    var declared = (model == "wrn-16-4" ? Wrn16x4.Declaration : Wrn28x10.Declaration).Sharing;
    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "WideResNet: model={0} data={1} ({2:N0} training images) {3}{4}",
        model, data, dataset.TrainImages.shape[0], TrainerCommandLine.Describe(trainer, device), allocationLine.Description));
    if (!line.TryPrepare(new TrainingData(dataset.TrainImages, dataset.TrainLabels, dataset.TestImages, dataset.TestLabels), Console.WriteLine, out var trainingData, out var dataProblem))
    {
        Console.Error.WriteLine($"error: {dataProblem}");
        return ExitCodes.BadArguments;
    }
    var requested = new NpasOptions
    {
        Seed = trainer.Seed, Budget = budget is { } b ? BudgetSpec.Fraction(b) : null, Device = device,
        Sharing = coefficientSharing is { } c ? declared.With(coefficientSharing: c) : null,
    };
    // --group-search warms a model up on the training part first (SSN's WRN experiments); --allocation reads saved groups.
    var network = ConsoleProgress.Interruptible(interrupt => allocationLine.Build(build, trainingData, trainer, requested, Console.WriteLine, interrupt));
    Console.WriteLine(network.Allocation);

    // With --unshare-at the trained model is the one rebuilt for the split allocation.
    var (history, trained) = ConsoleProgress.Train((progress, log) => new Trainer(network, trainingData, trainer, device, log,
        augment: (images, generator) => Augmentation.RandomCropAndFlip(images, generator, fill: CifarDataset.BlackPixel(variant)), progress: progress, rebuild: build));
    Console.WriteLine(FinalLine.For(trained, history, trainingData.Evaluation));
    return ExitCodes.Success;
}
catch (Exception e) when (ExitCodes.For(e) is not null)
{
    return ExitCodes.Report(e);
}
