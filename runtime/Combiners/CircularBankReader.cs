using static TorchSharp.torch;

namespace NpasDsl.Combiners;

/// <summary>
/// Reads <c>length</c> consecutive entries of a bank from <c>offset</c>, wrapping past the end. A read that
/// fits is a view (no copy); a read that wraps or is longer than the bank (upsampling by repetition) tiles
/// the bank once with <c>repeat</c> and takes a view of that.
/// </summary>
internal static class CircularBankReader
{
    public static Tensor Read(Tensor bank, long offset, long length)
    {
        long bankSize = bank.shape[0];
        if (offset + length <= bankSize) return bank.narrow(0, offset, length);
        long copies = (offset + length + bankSize - 1) / bankSize;
        return bank.repeat(copies).narrow(0, offset, length);
    }
}
