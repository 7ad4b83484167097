using System.Collections.Generic;
using NpasDsl.Planning;
using static TorchSharp.torch;

namespace NpasDsl.Combiners;

/// <summary>
/// The Mask upsampler at run time: the multiplier of a layer's tiled read, 1 on the first copy of the bank and
/// 1 + m_c on copy c ≥ 2, with m_c repeated along the copy at its period (<see cref="CopyMasks"/>). It is built
/// with one <c>repeat</c> for all full copies and one for the last, so the number of ops does not grow with the
/// number of copies; the gradient reaches every mask entry through it.
/// </summary>
internal static class MaskedCopies
{
    /// <summary>The [|W|] multiplier for a weight of <paramref name="weightSize"/> read from a bank of <paramref name="bankSize"/>, masks of period <paramref name="maskPeriod"/>.</summary>
    public static Tensor Multiplier(Tensor mask, long weightSize, long bankSize, int maskPeriod)
    {
        long copies = CopyMasks.Copies(weightSize, bankSize);
        long last = CopyMasks.LastCopyLength(weightSize, bankSize);
        long period = CopyMasks.PeriodOf(bankSize, maskPeriod), lastPeriod = CopyMasks.PeriodOf(last, maskPeriod);
        long full = copies - 2; // copies 2 .. C − 1 have the bank's length
        var factors = mask + 1f;
        var pieces = new List<Tensor> { ones(bankSize, dtype: mask.dtype, device: mask.device) };
        if (full > 0) pieces.Add(Tile(factors.narrow(0, 0, full * period).view(full, period), bankSize).reshape(-1));
        pieces.Add(Tile(factors.narrow(0, full * period, lastPeriod).view(1, lastPeriod), last).reshape(-1));
        return cat(pieces, 0);
    }

    /// <summary>Each row of <paramref name="rows"/> ([n, p]) repeated along itself and cut to <paramref name="length"/>.</summary>
    private static Tensor Tile(Tensor rows, long length)
    {
        long period = rows.shape[1];
        long times = (length + period - 1) / period;
        return (times == 1 ? rows : rows.repeat(1, times)).narrow(1, 0, length);
    }
}
