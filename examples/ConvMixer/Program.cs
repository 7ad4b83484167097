using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using NpasDsl;
using NpasDsl.Allocation;
using NpasDsl.Data;
using NpasDsl.Examples.ConvMixer;
using NpasDsl.Spin;
using NpasDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

// ConvMixer-256/8 on CIFAR-10, unshared or with SPIN sharing of its pointwise convolutions:
//   ConvMixer --model unshared --data DIR                       pretrain; checkpoints in runs/convmixer-unshared
//   ConvMixer --model spin --data DIR --fuse-from runs/convmixer-unshared/model-....bin --fusion mean
// and ends with: final: accuracy=... parameters=... budget=... unshared=...
string Usage =
    "usage: ConvMixer --data DIR [--model unshared|spin] [--fuse-from CHECKPOINT] [--fusion mean|first|scalar|channel] [--fusion-steps N] [trainer options]\n" +
    "  --data DIR       the CIFAR-10 binary files (data_batch_1.bin ... test_batch.bin)\n" +
    "  --model M        unshared (default): every pointwise convolution its own; spin: SPIN sharing of the pointwise convolutions\n" +
    "  --fuse-from CHECKPOINT\n" +
    "                   a checkpoint of the unshared model to start the SPIN model from (its pointwise weights and biases are fused)\n" +
    "  --fusion F       how --fuse-from fuses the weights a set shares: mean (default), first, or scalar/channel (learned weights)\n" +
    "  --fusion-steps N steps that learn the fusion weights of the scalar and channel fusions (default 50)\n" +
    "  defaults: 20 epochs, AdamW lr 0.01 with cosine schedule and 2 warm-up epochs, weight decay 0.01, batch 128, crops and flips;\n" +
    "            checkpoints in runs/convmixer-<model>\n" +
    TrainerCommandLine.UsageWithout("--unshare-at", "--unshare-threshold"); // no shared coefficient vectors to split: refused, with the reason

string model = "unshared", data = "", fusion = "mean";
string? fuseFrom = null;
int fusionSteps = 50;
bool fusionGiven = false, fusionStepsGiven = false;
var line = new TrainerCommandLine(new TrainerOptions { Epochs = 20, LearningRate = 0.01, WeightDecay = 0.01, WarmupEpochs = 2, Schedule = ScheduleKind.Cosine });
TrainerOptions trainer;
Device device;
try
{
    line.Read(args, (name, value) =>
    {
        switch (name)
        {
            case "--model": model = value() is var m && m is "unshared" or "spin" ? m : throw new ArgumentException($"--model must be unshared or spin, not '{m}'."); return true;
            case "--data": data = value(); return true;
            case "--fuse-from": fuseFrom = value(); return true;
            case "--fusion":
                fusion = value() is var f && f is "mean" or "first" or "scalar" or "channel" ? f : throw new ArgumentException($"--fusion must be mean, first, scalar or channel, not '{f}'.");
                fusionGiven = true;
                return true;
            case "--fusion-steps": fusionSteps = TrainerCommandLine.PositiveInteger(name, value()); fusionStepsGiven = true; return true;
            default: return false;
        }
    });
    if (line.HelpRequested)
    {
        Console.WriteLine(Usage);
        return ExitCodes.Success;
    }
    line.RefuseUnsharing("the SPIN model shares whole weights (round robin, with no coefficient vectors) and the unshared one shares nothing");
    if (data.Length == 0) throw new ArgumentException("--data DIR is required.");
    if (fuseFrom is not null && model != "spin") throw new ArgumentException("--fuse-from starts the SPIN model; add --model spin.");
    // Fusion options without a fusion would change nothing, and the user would not see it in the results.
    if ((fusionGiven || fusionStepsGiven) && fuseFrom is null)
        throw new ArgumentException($"{(fusionGiven ? "--fusion" : "--fusion-steps")} sets how --fuse-from fuses a pretrained checkpoint, but none is given: add --model spin --fuse-from CHECKPOINT, or leave it out.");
    if (fusionStepsGiven && fusion is not ("scalar" or "channel"))
        throw new ArgumentException($"--fusion-steps sets how long the scalar and channel fusions learn their weights, but --fusion is {fusion}, which learns nothing: add --fusion scalar or channel, or leave --fusion-steps out.");
    if (fuseFrom is not null && !File.Exists(fuseFrom))
        throw new ArgumentException(Directory.Exists(fuseFrom)
            ? $"--fuse-from {fuseFrom} is a directory; pass the model-NNNNNNNNN.bin file in it (the newest checkpoint of the unshared run)."
            : $"--fuse-from {fuseFrom} does not exist; pass a model-NNNNNNNNN.bin of a run of --model unshared.");
    line.ModelSettings = "the --model"; // what a refused resume of another model names: this program has no --group-search
    trainer = line.Finish(o => o with { CheckpointDirectory = o.CheckpointDirectory ?? Path.Combine("runs", "convmixer-" + model) });
    device = line.Apply();
}
catch (ArgumentException e)
{
    return ExitCodes.Report(e, Usage);
}

// Every failure from here on is reported in one line with its own exit code (ExitCodes says which).
try
{
    var dataset = CifarDataset.Load(data, CifarVariant.Cifar10, CifarDataset.Cifar10OnlyAdvice);
    random.manual_seed(trainer.Seed);
    Func<NpasOptions, NpasModule> build = o => model == "spin" ? new ConvMixerSpin(o) : new ConvMixerNet(o);
    NpasModule network = build(new NpasOptions { Seed = trainer.Seed, Device = device });
    Console.WriteLine($"ConvMixer: model={model} data={data} {TrainerCommandLine.Describe(trainer, device)}");
    Console.WriteLine(network.Allocation);
    if (!line.TryPrepare(new TrainingData(dataset.TrainImages, dataset.TrainLabels, dataset.TestImages, dataset.TestLabels), Console.WriteLine, out var trainingData, out var dataProblem))
    {
        Console.Error.WriteLine($"error: {dataProblem}");
        return ExitCodes.BadArguments;
    }

    // The trainer's refusals (a checkpoint a fresh start would replace, say) come before the fusion's steps, not after them.
    Trainer.Check(network, trainingData, trainer, build);
    // A resumed run loads its own checkpoint over the weights, so it skips the fusion that checkpoint would replace.
    if (fuseFrom is not null && !(trainer.Resume && new CheckpointStore(trainer.CheckpointDirectory!).Exists))
    {
        using var pretrained = new ConvMixerNet();
        try
        {
            pretrained.LoadCheckpoint(fuseFrom);
        }
        // A SPIN checkpoint (another allocation), a half-copied file or another model's weights: all the same mistake here.
        catch (Exception e) when (e is AllocationMismatchException or CheckpointException or IOException or ArgumentException or InvalidDataException)
        {
            string why = e switch
            {
                AllocationMismatchException { Difference: { } difference } => difference,
                CheckpointException { InnerException: { } torch } => torch.Message, // the file is named below already
                _ => e.Message,
            };
            throw new ArgumentException($"--fuse-from {fuseFrom} is not a readable checkpoint of --model unshared ({why}); pass a model-NNNNNNNNN.bin of a run of --model unshared.", e);
        }
        var weights = pretrained.ExportUnsharedStateDict();
        using var g = new Generator(unchecked((ulong)trainer.Seed));
        Tensor Loss(NpasModule m)
        {
            var index = randint(0, trainingData.TrainInputs.shape[0], new long[] { trainer.BatchSize }, generator: g);
            return nn.functional.cross_entropy(m.call(trainingData.TrainInputs.index_select(0, index).to(device)), trainingData.TrainLabels.index_select(0, index).to(device));
        }
        FusionReport report;
        try
        {
            report = fusion switch
            {
                "mean" => SpinFusion.Fuse(network, weights, FusionMethod.Mean),
                "first" => SpinFusion.Fuse(network, weights, FusionMethod.ChooseFirst),
                "scalar" => SpinFusion.FuseLearned(network, weights, FusionMethod.ScalarWeighted, Loss, fusionSteps),
                _ => SpinFusion.FuseLearned(network, weights, FusionMethod.ChannelWeighted, Loss, fusionSteps),
            };
        }
        catch (KeyNotFoundException e) // the checkpoint holds another model's weights
        {
            throw new ArgumentException($"--fuse-from {fuseFrom} is not a checkpoint of --model unshared: {e.Message}", e);
        }
        Console.WriteLine($"fusion ({fusion}) from {fuseFrom}: {report}");
    }

    // With --unshare-at the trained model is the one rebuilt for the split allocation.
    var (history, trained) = ConsoleProgress.Train((progress, log) => new Trainer(network, trainingData, trainer, device, log,
        augment: (images, generator) => Augmentation.RandomCropAndFlip(images, generator, fill: CifarDataset.BlackPixel(CifarVariant.Cifar10)), progress: progress, rebuild: build));
    Console.WriteLine(FinalLine.For(trained, history, trainingData.Evaluation));
    return ExitCodes.Success;
}
catch (Exception e) when (ExitCodes.For(e) is not null)
{
    return ExitCodes.Report(e);
}
