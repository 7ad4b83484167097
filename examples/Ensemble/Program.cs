using System;
using System.Globalization;
using System.IO;
using System.Linq;
using NpasDsl;
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
string Usage =
    "usage: Ensemble [--dataset fashion-mnist|cifar10] [--data DIR] [--budget FRACTION | --separate] [--test-images N] [trainer options]\n" +
    "  --dataset        fashion-mnist (default; grey images repeated to three channels) or cifar10 (binary version, random crops and flips)\n" +
    "  --data DIR       the data set's files (default for Fashion-MNIST: " + FashionMnistDataset.DebianDirectory + ")\n" +
    "  --budget F       every member's budget as a fraction of what it adds to the member it extends (default: declared, 0.5)\n" +
    "  --separate       the baseline: the four networks unshared and separate (no bank, no nesting), trained side by side\n" +
    "                   on the same batches and evaluated the same way\n" +
    "  --test-images N  evaluate on the first N test images (default: all)\n" +
    "  defaults: 1 epoch, AdamW, lr 0.003 with a cosine schedule, batch 128, seed 1; checkpoints in runs/ensemble\n" +
    "            (runs/ensemble-separate with --separate)\n" +
    TrainerCommandLine.UsageWithout("--unshare-at", "--unshare-threshold"); // a family cannot be split: refused, with the reason

string dataset = "fashion-mnist";
string? data = null;
double? budget = null;
bool separate = false;
int? testImages = null;
var line = new TrainerCommandLine(new TrainerOptions
{
    Epochs = 1, BatchSize = 128, LearningRate = 0.003, Schedule = ScheduleKind.Cosine, Seed = 1, CheckpointDirectory = Path.Combine("runs", "ensemble"),
});
TrainerOptions trainer;
Device target;
try
{
    line.Read(args, (name, value) =>
    {
        switch (name)
        {
            case "--dataset": dataset = value() is var d && d is "fashion-mnist" or "cifar10" ? d : throw new ArgumentException($"--dataset must be fashion-mnist or cifar10, not '{d}'."); return true;
            case "--data": data = value(); return true;
            case "--budget": budget = TrainerCommandLine.BudgetFraction(name, value(), "what each member adds to the member it extends"); return true;
            case "--separate": separate = true; return true;
            case "--test-images": testImages = TrainerCommandLine.PositiveInteger(name, value()); return true;
            default: return false;
        }
    });
    if (line.HelpRequested)
    {
        Console.WriteLine(Usage);
        return ExitCodes.Success;
    }
    line.RefuseUnsharing("a family's members share their banks, so none can be split alone");
    if (separate && budget is not null) throw new ArgumentException("--separate trains the members unshared, so --budget has nothing to set; drop one of them.");
    if (dataset == "cifar10" && data is null) throw new ArgumentException("--dataset cifar10 needs --data DIR (the CIFAR-10 binary files).");
    if (testImages is not null && line.Validation is not null)
        throw new ArgumentException("--test-images limits the test set, which --validation does not use; give one of them.");
    line.ModelSettings = "the --budget and --separate"; // what a refused resume of another model names: this program has no --group-search
    trainer = line.Finish();
    // The baseline's checkpoints go beside the family's, not over them (a resume would mix the two).
    if (separate && !line.Given("--checkpoint-dir") && trainer.CheckpointDirectory is not null)
        trainer = trainer with { CheckpointDirectory = Path.Combine("runs", "ensemble-separate") };
    target = line.Apply();
}
catch (ArgumentException e)
{
    return ExitCodes.Report(e, Usage);
}

// Every failure from here on is reported in one line with its own exit code (ExitCodes says which).
try
{
    Tensor trainImages, trainLabels, testImagesTensor, testLabels;
    if (dataset == "cifar10")
    {
        var cifar = CifarDataset.Load(data!, CifarVariant.Cifar10, CifarDataset.Cifar10OnlyAdvice);
        (trainImages, trainLabels, testImagesTensor, testLabels) = (cifar.TrainImages, cifar.TrainLabels, cifar.TestImages, cifar.TestLabels);
    }
    else
    {
        var fashion = FashionMnistDataset.Load(data ?? FashionMnistDataset.DebianDirectory);
        (trainImages, trainLabels, testImagesTensor, testLabels) = (fashion.TrainImages, fashion.TrainLabels, fashion.TestImages, fashion.TestLabels);
    }
    if (testImages is { } limit && limit < testImagesTensor.shape[0])
        (testImagesTensor, testLabels) = (testImagesTensor.narrow(0, 0, limit), testLabels.narrow(0, 0, limit));
    else if (testImages is { } above && above > testImagesTensor.shape[0])
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "note: --test-images {0} is more than the {1:N0} test images, so all of them are evaluated",
            above, testImagesTensor.shape[0]));

    random.manual_seed(trainer.Seed);
    BudgetSpec? memberBudget = budget is { } b ? BudgetSpec.Fraction(b) : null;
    var family = new ModelFamily(new[]
    {
        FamilyMember.Of(Wrn10x1.Declaration, o => new Wrn10x1(o), memberBudget),
        FamilyMember.Of(Wrn16x1.Declaration, o => new Wrn16x1(o), memberBudget),
        FamilyMember.Of(Wrn10x2.Declaration, o => new Wrn10x2(o), memberBudget),
        FamilyMember.Of(Wrn16x2.Declaration, o => new Wrn16x2(o), memberBudget),
    }, new NpasOptions { Seed = trainer.Seed, Device = target, Unshared = separate });

    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "Ensemble: dataset={0} ({1:N0} training images, {2:N0} test images) {3}",
        dataset, trainImages.shape[0], testImagesTensor.shape[0], TrainerCommandLine.Describe(trainer, target)));
    Console.WriteLine(family);
    if (!line.TryPrepare(new TrainingData(trainImages, trainLabels, testImagesTensor, testLabels), Console.WriteLine, out var trainingData, out var dataProblem))
    {
        Console.Error.WriteLine($"error: {dataProblem}");
        return ExitCodes.BadArguments;
    }

    Func<Tensor, Generator, Tensor>? augment = dataset == "cifar10" ? (images, generator) => Augmentation.RandomCropAndFlip(images, generator, fill: CifarDataset.BlackPixel(CifarVariant.Cifar10)) : null;
    ConsoleProgress.Run((progress, log, interrupt) => new Trainer(family, trainingData, trainer, target, log, augment, progress).Run(interrupt));
    var evaluation = family.Evaluate(trainingData.TestInputs, trainingData.TestLabels);
    Console.WriteLine(evaluation);
    Console.WriteLine(FinalLine.For(family, evaluation, trainingData.Evaluation));
    return ExitCodes.Success;
}
catch (Exception e) when (ExitCodes.For(e) is not null)
{
    return ExitCodes.Report(e);
}
