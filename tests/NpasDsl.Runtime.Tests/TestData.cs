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
}
