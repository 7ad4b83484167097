using TorchSharp;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests;

/// <summary>Seeded inputs shared by the runtime tests.</summary>
internal static class TestData
{
    public static (Tensor Images, Tensor Labels) Images(int count = 16, ulong seed = 11)
    {
        var g = new Generator(seed);
        return (randn(new long[] { count, 1, 8, 8 }, generator: g), randint(0, 4, new long[] { count }, generator: g));
    }

    public static Tensor Tokens(int batch = 4, int length = 6, ulong seed = 5)
        => randint(0, 50, new long[] { batch, length }, generator: new Generator(seed));

    /// <summary>Trains <paramref name="model"/> with Adam on the seeded image batch; returns the first and the last loss.</summary>
    public static (float First, float Last) LossesOnFixedBatch(nn.Module<Tensor, Tensor> model, int steps = 40, double learningRate = 0.01)
    {
        var (images, labels) = Images();
        var optimizer = optim.Adam(model.parameters(), lr: learningRate);
        float first = 0, last = 0;
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.call(images), labels);
            loss.backward();
            optimizer.step();
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        return (first, last);
    }
}
