using System;
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
const string Usage =
    "usage: ConvMixer --data DIR [--model unshared|spin] [--fuse-from CHECKPOINT] [--fusion mean|first|scalar|channel] [--fusion-steps N]\n" +
    "                 [--epochs N] [--seed N] [--batch-size N] [--lr RATE] [--train-batches N] [--checkpoint-dir DIR] [--resume] [--plot]\n" +
    "  --fuse-from      a checkpoint of the unshared model to start the SPIN model from (its pointwise weights are fused)\n" +
    "  defaults: 20 epochs, AdamW lr 0.01 with cosine schedule and 2 warm-up epochs, weight decay 0.01, batch 128, crops and flips";

string model = "unshared", data = "", fusion = "mean";
string? fuseFrom = null, checkpoints = null;
int fusionSteps = 50;
var trainer = new TrainerOptions { Epochs = 20, LearningRate = 0.01, WeightDecay = 0.01, WarmupEpochs = 2, Schedule = ScheduleKind.Cosine };
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string name = args[i];
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
        int Count() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{name} needs a positive integer.");
        switch (name)
        {
            case "--model": model = Value() is "unshared" or "spin" ? args[i] : throw new ArgumentException("--model must be unshared or spin."); break;
            case "--data": data = Value(); break;
            case "--fuse-from": fuseFrom = Value(); break;
            case "--fusion": fusion = Value() is "mean" or "first" or "scalar" or "channel" ? args[i] : throw new ArgumentException("--fusion must be mean, first, scalar or channel."); break;
            case "--fusion-steps": fusionSteps = Count(); break;
            case "--epochs":
                int epochs = Count();
                trainer = trainer with { Epochs = epochs, WarmupEpochs = Math.Min(trainer.WarmupEpochs, epochs - 1) }; // warm-up must end before training does
                break;
            case "--seed": trainer = trainer with { Seed = Count() }; break;
            case "--batch-size": trainer = trainer with { BatchSize = Count() }; break;
            case "--lr": trainer = trainer with { LearningRate = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r > 0 ? r : throw new ArgumentException("--lr needs a positive number.") }; break;
            case "--train-batches": trainer = trainer with { BatchesPerEpoch = Count() }; break;
            case "--checkpoint-dir": checkpoints = Value(); break;
            case "--resume": trainer = trainer with { Resume = true }; break;
            case "--plot": trainer = trainer with { Plot = true }; break;
            case "-h" or "--help": Console.WriteLine(Usage); return 0;
            default: throw new ArgumentException($"Unknown option '{name}'.");
        }
    }
    if (data.Length == 0) throw new ArgumentException("--data DIR is required.");
    if (fuseFrom is not null && model != "spin") throw new ArgumentException("--fuse-from starts the SPIN model; add --model spin.");
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n{Usage}");
    return 2;
}
trainer = trainer with { CheckpointDirectory = checkpoints ?? Path.Combine("runs", "convmixer-" + model) };

CifarDataset dataset;
try
{
    dataset = CifarDataset.Load(data, CifarVariant.Cifar10);
}
catch (Exception e) when (e is FileNotFoundException or InvalidDataException or DirectoryNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 3;
}

random.manual_seed(trainer.Seed);
var options = new NpasOptions { Seed = trainer.Seed };
NpasModule network = model == "spin" ? new ConvMixerSpin(options) : new ConvMixerNet(options);
Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "ConvMixer: model={0} data={1} epochs={2} batch={3} lr={4} seed={5} checkpoints={6}",
    model, data, trainer.Epochs, trainer.BatchSize, trainer.LearningRate, trainer.Seed, trainer.CheckpointDirectory));
Console.WriteLine(network.Allocation);
var trainingData = new TrainingData(dataset.TrainImages, dataset.TrainLabels, dataset.TestImages, dataset.TestLabels);

try
{
    if (fuseFrom is not null && !(trainer.Resume && new CheckpointStore(trainer.CheckpointDirectory!).Exists))
    {
        using var pretrained = new ConvMixerNet();
        pretrained.LoadCheckpoint(fuseFrom);
        var weights = pretrained.ExportUnsharedStateDict();
        var g = new Generator(unchecked((ulong)trainer.Seed));
        Tensor Loss(NpasModule m)
        {
            var index = randint(0, trainingData.TrainInputs.shape[0], new long[] { trainer.BatchSize }, generator: g);
            return nn.functional.cross_entropy(m.call(trainingData.TrainInputs.index_select(0, index)), trainingData.TrainLabels.index_select(0, index));
        }
        var report = fusion switch
        {
            "mean" => SpinFusion.Fuse(network, weights, FusionMethod.Mean),
            "first" => SpinFusion.Fuse(network, weights, FusionMethod.ChooseFirst),
            "scalar" => SpinFusion.FuseLearned(network, weights, FusionMethod.ScalarWeighted, Loss, fusionSteps),
            _ => SpinFusion.FuseLearned(network, weights, FusionMethod.ChannelWeighted, Loss, fusionSteps),
        };
        Console.WriteLine($"fusion ({fusion}) from {fuseFrom}: {report}");
    }

    var history = ConsoleProgress.Run((progress, log) => new Trainer(network, trainingData, trainer, log: log,
        augment: (images, generator) => Augmentation.RandomCropAndFlip(images, generator), progress: progress).Run());
    Console.WriteLine(FinalLine.For(network, history));
    return 0;
}
catch (Exception e) when (e is TrainingDivergedException or AllocationMismatchException or FileNotFoundException or System.Collections.Generic.KeyNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 5;
}
