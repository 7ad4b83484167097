using System.Collections.Generic;
using static TorchSharp.torch;

namespace NpasDsl.Combiners;

/// <summary>
/// Reads <c>length</c> consecutive entries of a bank from <c>offset</c>, wrapping past the end. A read that
/// fits is a view (no copy). A read that wraps copies only what it reads: the tail of the bank from the
/// offset, whole copies of the bank in the middle (one <c>repeat</c>), and the head up to the end of the read
/// (tiling a whole bank for every wrapped read would copy, and back-propagate through, the full bank).
/// </summary>
internal static class CircularBankReader
{
    public static Tensor Read(Tensor bank, long offset, long length)
    {
        long bankSize = bank.shape[0];
        if (offset + length <= bankSize) return bank.narrow(0, offset, length);

        var pieces = new List<Tensor> { bank.narrow(0, offset, bankSize - offset) };
        long remaining = length - (bankSize - offset);
        long wholeCopies = remaining / bankSize;
        if (wholeCopies > 0) pieces.Add(wholeCopies == 1 ? bank : bank.repeat(wholeCopies));
        long head = remaining - wholeCopies * bankSize;
        if (head > 0) pieces.Add(bank.narrow(0, 0, head));
        var read = cat(pieces, 0);
        // The pieces are views or a copy that only the concatenation needed; the bank itself stays.
        foreach (var piece in pieces)
            if (!ReferenceEquals(piece, bank)) piece.Dispose();
        return read;
    }
}
