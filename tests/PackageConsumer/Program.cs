// A network declared with NpasDsl in a project that knows NpasDsl only as a NuGet package. It checks what a user
// relies on: the generator ran (the partial properties have bodies), the allocation meets the budget, the model
// trains, and a checkpoint round-trips. Any failure exits non-zero with a line saying what went wrong.
using System;
using System.IO;
using NpasDsl;
using TorchSharp;
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
    [Linear(784, 64)] private partial SharedLinear Hidden { get; }
    [Linear(64, 64), Repeat(2)] private partial TorchSharp.Modules.ModuleList<SharedLinear> Middle { get; }
    [LayerNorm(64)] private partial TorchSharp.Modules.LayerNorm Norm { get; }
    [Linear(64, 10)] private partial SharedLinear Head { get; }

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

        Console.WriteLine($"consumer: parameters={parameters} budget={budget} loss {first:F4} -> {last:F4}, checkpoint round-trip ok");
        return 0;
    }

    private static int Fail(string problem)
    {
        Console.Error.WriteLine($"consumer: {problem}");
        return 1;
    }
}
