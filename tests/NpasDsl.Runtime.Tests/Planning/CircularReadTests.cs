using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Planning;

/// <summary>Circular bank reads return exactly bank[(offset + i) mod B] for every i, with or without wrapping.</summary>
public sealed class CircularReadTests
{
    [Theory]
    [InlineData(10, 2, 5)]    // fits: a view
    [InlineData(10, 7, 5)]    // wraps once
    [InlineData(10, 7, 33)]   // tail, three whole copies, head
    [InlineData(10, 0, 30)]   // whole copies only
    [InlineData(1, 0, 9)]     // a one-entry bank tiled
    public void Reads_wrap_around_the_bank(int bankSize, int offset, int length)
    {
        var bank = arange(bankSize, dtype: float32);
        var read = NpasDsl.Combiners.CircularBankReader.Read(bank, offset, length).data<float>().ToArray();
        Assert.Equal(Enumerable.Range(0, length).Select(i => (float)((offset + i) % bankSize)), read);
    }
}
