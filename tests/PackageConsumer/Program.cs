// A network declared with NpasDsl in a project that knows NpasDsl only as a NuGet package: the model and the trainer
// call of the package's README (docs/package/README.md). It checks what a user relies on: the generator ran (the
// partial properties have bodies), the allocation meets the budget, the model trains in a loop of one's own and with
// the library's Trainer (checkpoints, metrics.csv, the ScottPlot metrics.png, whose native libraries come through the
// package's dependencies), and a checkpoint round-trips. Any failure exits non-zero with a line saying what went wrong.
using System;
using System.Collections.Generic;
using System.IO;
using NpasDsl;
using NpasDsl.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace PackageConsumer;

#if NPAS_IMPOSSIBLE_BUDGET
[SharedBudget(Parameters = 100)] // below what the norms and biases alone need: NPAS005 at compile time
#else
[SharedBudget(0.25)]
#endif
public sealed partial class TinyNet : NpasModule
{
    [Linear(784, 64)]            private partial SharedLinear Hidden { get; }
    [Linear(64, 64), Repeat(2)]  private partial ModuleList<SharedLinear> Middle { get; }
    [LayerNorm(64)]              private partial LayerNorm Norm { get; }
    [Linear(64, 10)]             private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor images)
    {
        var x = relu(Hidden.call(images.flatten(1)));
        foreach (var layer in Middle) x = relu(layer.call(x));
        return Head.call(Norm.call(x));
    }
}

public static class Program
{
    public static int Main()
    {
        torch.manual_seed(1);
        using var model = new TinyNet(new NpasOptions { Seed = 1 });
        long parameters = model.TrainableParameters;
        long budget = model.Allocation.Budget;
        Console.WriteLine(model.Allocation);
        if (parameters > budget) return Fail($"{parameters} trainable parameters exceed the budget of {budget}");

        // Twenty steps on one fixed batch: the loss must fall, or the generated weights are not wired to the bank.
        var images = torch.randn(32, 1, 28, 28);
        var labels = torch.randint(0, 10, 32, dtype: ScalarType.Int64);
        using var optimizer = torch.optim.AdamW(model.parameters(), lr: 0.01);
        double first = 0, last = 0;
        for (int step = 0; step < 20; step++)
        {
            optimizer.zero_grad();
            using var loss = cross_entropy(model.call(images), labels);
            loss.backward();
            optimizer.step();
            last = loss.item<float>();
            if (step == 0) first = last;
        }
        if (!(last < first * 0.8)) return Fail($"the loss did not fall in 20 steps ({first:F4} to {last:F4})");

        string checkpoint = Path.Combine(Path.GetTempPath(), $"npasdsl-consumer-{Environment.ProcessId}.ckpt");
        try
        {
            model.SaveCheckpoint(checkpoint);
            using var restored = new TinyNet(new NpasOptions { Seed = 2 });
            restored.LoadCheckpoint(checkpoint);
            model.eval(); restored.eval();
            using var expected = model.call(images);
            using var actual = restored.call(images);
            if (!expected.allclose(actual)) return Fail("a reloaded checkpoint gives other outputs");
        }
        finally
        {
            File.Delete(checkpoint);
            File.Delete(NpasModule.AllocationPathFor(checkpoint));
        }

        if (TrainWithTheTrainer() is { } trainerProblem) return Fail(trainerProblem);

        Console.WriteLine($"consumer: parameters={parameters} budget={budget} loss {first:F4} -> {last:F4}, trainer ok, checkpoint round-trip ok");
        return 0;
    }

    /// <summary>The README's trainer call on a small learnable problem: the class is the quadrant of the brightest mean.</summary>
    private static string? TrainWithTheTrainer()
    {
        var generator = new Generator(7);
        var trainImages = torch.rand(512, 1, 28, 28, generator: generator);
        var testImages = torch.rand(128, 1, 28, 28, generator: generator);
        Tensor Labels(Tensor x) => stack(new[] { x[.., 0, ..14, ..14].mean(new long[] { 1, 2 }), x[.., 0, ..14, 14..].mean(new long[] { 1, 2 }),
            x[.., 0, 14.., ..14].mean(new long[] { 1, 2 }), x[.., 0, 14.., 14..].mean(new long[] { 1, 2 }) }, 1).argmax(1);
        var (trainLabels, testLabels) = (Labels(trainImages), Labels(testImages));
        string directory = Path.Combine(Path.GetTempPath(), $"npasdsl-consumer-run-{Environment.ProcessId}");
        try
        {
            using var model = new TinyNet(new NpasOptions { Seed = 1 });
            var data = new TrainingData(trainImages, trainLabels, testImages, testLabels);   // tensors; labels Int64
            var options = new TrainerOptions { Epochs = 3, LearningRate = 0.01, CheckpointDirectory = directory, Plot = true };
            IReadOnlyList<EpochRecord> history = new Trainer(model, data, options, log: _ => { }).Run();
            if (history.Count != 3) return $"the trainer ran {history.Count} epochs, not 3";
            if (!(history[^1].TrainLoss < history[0].TrainLoss)) return $"the trainer's loss did not fall ({history[0].TrainLoss:F4} to {history[^1].TrainLoss:F4})";
            foreach (var file in new[] { "trainer.json", "metrics.csv", "metrics.png" })
                if (!File.Exists(Path.Combine(directory, file))) return $"the trainer wrote no {file}";
            return null;
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    private static int Fail(string problem)
    {
        Console.Error.WriteLine($"consumer: {problem}");
        return 1;
    }
}
