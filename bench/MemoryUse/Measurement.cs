using System;
using System.Globalization;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace NpasDsl.Bench;

/// <summary>What one configuration of one network costs in memory, measured in a process of its own.</summary>
public sealed record Measurement(long Parameters, long SavedBytes, long HeldBytes, long PeakBytes)
{
    private const string Prefix = "measured ";

    /// <summary>
    /// Builds the configuration, saves it, and trains it for <paramref name="steps"/> AdamW steps on a fixed random
    /// batch, twice. The first pass loads the native code, compiles the managed code and starts the thread pool, and is
    /// then freed; the second is measured from just before its model is built, so that only what the model and its
    /// training hold is counted. The peak is that of the training steps (building a model has peaks of its own, such
    /// as the initial weights a bank is filled from, which are not what a training run keeps paying for).
    /// </summary>
    public static Measurement Take(Network network, string configuration, int steps)
    {
        Train(network, configuration, steps: 1, beforeSteps: () => { }).Dispose();
        long start = ResidentMemory.InUse();
        using var measured = Train(network, configuration, steps, beforeSteps: ResidentMemory.ResetPeak);
        long peak = ResidentMemory.Peak() - start;
        return new Measurement(measured.Parameters, measured.SavedBytes, ResidentMemory.InUse() - start, peak);
    }

    // One pass: the model, its optimizer and the batch stay alive until it is disposed, as in a training loop.
    private static Pass Train(Network network, string configuration, int steps, Action beforeSteps)
    {
        random.manual_seed(1);
        var model = configuration == "unshared" ? network.Plain() : network.Shared(double.Parse(configuration, CultureInfo.InvariantCulture));
        long parameters = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
        long saved = SavedSize(model);
        var optimizer = optim.AdamW(model.parameters(), 0.001);
        var generator = new Generator(7);
        var input = randn(network.InputShape, generator: generator);
        var labels = randint(0, network.Classes, new[] { (long)network.Batch }, generator: generator);
        model.train();
        beforeSteps();
        for (int step = 0; step < steps; step++)
            using (NewDisposeScope())
            {
                optimizer.zero_grad();
                nn.functional.cross_entropy(model.call(input), labels).backward();
                optimizer.step();
            }
        return new Pass(parameters, saved, model, optimizer, input, labels);
    }

    private sealed record Pass(long Parameters, long SavedBytes, nn.Module Model, optim.Optimizer Optimizer, Tensor Input, Tensor Labels) : IDisposable
    {
        public void Dispose()
        {
            Optimizer.Dispose();
            Model.Dispose();
            Input.Dispose();
            Labels.Dispose();
        }
    }

    /// <summary>The line a measuring process prints for the one that started it.</summary>
    public string ToLine() => string.Create(CultureInfo.InvariantCulture,
        $"{Prefix}parameters={Parameters} saved_bytes={SavedBytes} held_bytes={HeldBytes} peak_bytes={PeakBytes}");

    /// <summary>The measurement in a measuring process's output, or null where it printed none.</summary>
    public static Measurement? FromOutput(string output)
    {
        var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        if (line is null) return null;
        var values = line.Substring(Prefix.Length).Split(' ').Select(pair => pair.Split('=')).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
        return new Measurement(values["parameters"], values["saved_bytes"], values["held_bytes"], values["peak_bytes"]);
    }

    // The bytes a user would keep of the model: TorchSharp's state dict, plus the allocation file of a shared model.
    private static long SavedSize(nn.Module<Tensor, Tensor> model)
    {
        var directory = Directory.CreateTempSubdirectory("npas-memory-");
        try
        {
            var path = Path.Combine(directory.FullName, "model.bin");
            if (model is NpasModule shared) shared.SaveCheckpoint(path);
            else model.save(path);
            return directory.GetFiles().Sum(f => f.Length);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
