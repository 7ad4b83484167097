using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Combiners;

/// <summary>
/// The weighted average W = m · T of a layer's K templates T ([K, |W|], read circularly from the bank at the layer's
/// offset), m = α·s, for a training pass, written as one autograd function so that it keeps nothing the size of the
/// templates between the forward and the backward pass.
/// <para>
/// With ordinary operations, <c>matmul</c> keeps T until the backward pass (a copy wherever the read wraps or spans
/// several bank pieces), and the gradient of T reaches the bank as a tensor of its own per layer. At a budget where
/// every layer gets eight templates, the kept copies alone are eight times the weights of the whole network. Here the
/// forward pass keeps only m and where the read lies; the backward pass reads T again, forms the gradient of T for
/// this one layer, adds it into the bank's gradient in place and frees it. The arithmetic is that of matmul's own
/// backward: ∂m = ∂W Tᵀ and ∂T = mᵀ ∂W.
/// </para>
/// <para>
/// The bank is therefore not an input of the function for autograd: its gradient is written by the function itself,
/// into <c>bank.grad</c>, where every other path adds too. Only m carries a gradient edge, so a caller must use this
/// only where m requires a gradient (otherwise the backward pass would never run and the bank would learn nothing).
/// </para>
/// </summary>
internal sealed class WeightedAverageFunction : autograd.SingleTensorFunction<WeightedAverageFunction>
{
    public override string Name => nameof(WeightedAverageFunction);

    /// <summary>Where a layer's templates lie: <see cref="Length"/> = K·|W| entries of the bank from <see cref="Offset"/>, wrapping.</summary>
    private sealed record BankRead(Parameter Bank, long Offset, long Length);

    /// <summary>
    /// The flat weight m · T, T the <paramref name="length"/> entries of <paramref name="bank"/> from <paramref name="offset"/>
    /// seen as K = m.shape[0] templates of <paramref name="size"/> entries.
    /// </summary>
    public static Tensor Combine(Tensor weights, Parameter bank, long offset, long length, long size)
    {
        if (length != weights.shape[0] * size)
            throw new System.ArgumentException($"A read of {length} entries is not {weights.shape[0]} templates of {size}.");
        return apply(weights, new BankRead(bank, offset, length), size);
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var weights = (Tensor)vars[0];
        var read = (BankRead)vars[1];
        long size = (long)vars[2];
        ctx.save_for_backward(new List<Tensor> { weights });
        ctx.save_data("read", read);
        ctx.save_data("size", size);
        // Every intermediate is disposed here: a view left to the step's dispose scope would keep a copied read alive.
        using var flat = CircularBankReader.Read(read.Bank, read.Offset, read.Length);
        using var templates = flat.view(weights.shape[0], size);
        return weights.matmul(templates);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradient)
    {
        using var weights = ctx.get_saved_variables()[0];
        var read = (BankRead)ctx.get_data("read");
        long size = (long)ctx.get_data("size");
        long templates = weights.shape[0];
        using var _ = no_grad();
        Tensor weightsGradient;
        using (var row = gradient.unsqueeze(0))
        {
            using (var flat = CircularBankReader.Read(read.Bank, read.Offset, read.Length))
            using (var matrix = flat.view(templates, size))
            using (var transposed = matrix.t())
            using (var product = row.mm(transposed))
                weightsGradient = product.squeeze(0);
            if (read.Bank.requires_grad) AddIntoBankGradient(read, weights, gradient, size);
        }
        gradient.Dispose(); // the engine keeps its own reference; this wrapper would otherwise live until the step's scope ends
        return new List<Tensor> { weightsGradient, null!, null! };
    }

    /// <summary>
    /// bank.grad[(offset + i) mod |bank|] += (mᵀ ∂W)[i], added in place without forming the K·|W| product. The read is
    /// made of a few contiguous runs of the bank (one, unless it wraps); in each, the templates it holds whole take their
    /// outer product with ∂W in one <c>addr_</c> on a [k, |W|] view, and a template cut by the bank's end takes m_k ∂W
    /// piece by piece (<c>addcmul_</c>, m_k a one-element tensor so that nothing waits for the device).
    /// </summary>
    private static void AddIntoBankGradient(BankRead read, Tensor weights, Tensor gradient, long size)
    {
        var bank = read.Bank;
        long bankSize = bank.shape[0];
        // Each read of bank.grad is a new wrapper of the gradient, disposed here: on a device thread no dispose scope is
        // open, and a wrapper left to the garbage collector would keep a zeroed-out gradient's memory alive until it ran.
        if (bank.grad is null)
        {
            using var zeros = zeros_like(bank);
            bank.grad = zeros;
        }
        using var accumulated = bank.grad!;
        // The run [done, done + length) of the read lies at [at, at + length) of the bank.
        for (long done = 0, at = read.Offset % bankSize; done < read.Length; at = 0)
        {
            long length = System.Math.Min(read.Length - done, bankSize - at);
            AddRun(accumulated, at, done, length, weights, gradient, size);
            done += length;
        }
    }

    /// <summary>
    /// Adds the part [from, from + length) of the read's gradient into the bank at <paramref name="at"/>: the end of a
    /// template the run begins inside, the templates it holds whole, then the start of the template it ends inside.
    /// </summary>
    private static void AddRun(Tensor accumulated, long at, long from, long length, Tensor weights, Tensor gradient, long size)
    {
        long end = from + length;
        long firstWhole = (from + size - 1) / size, endWhole = end / size; // templates [firstWhole, endWhole) lie in the run whole
        long headEnd = System.Math.Min(end, firstWhole * size);
        if (from < headEnd)
            AddPiece(accumulated, at, weights, firstWhole - 1, gradient, from - (firstWhole - 1) * size, headEnd - from);
        if (firstWhole < endWhole)
        {
            using var block = accumulated.narrow(0, at + firstWhole * size - from, (endWhole - firstWhole) * size);
            using var matrix = block.view(endWhole - firstWhole, size);
            using var coefficients = weights.narrow(0, firstWhole, endWhole - firstWhole);
            matrix.addr_(coefficients, gradient);
        }
        long tailStart = System.Math.Max(headEnd, endWhole * size); // on a template boundary
        if (tailStart < end)
            AddPiece(accumulated, at + tailStart - from, weights, tailStart / size, gradient, 0, end - tailStart);
    }

    // bank.grad[at, at + length) += m_k ∂W[start, start + length)
    private static void AddPiece(Tensor accumulated, long at, Tensor weights, long k, Tensor gradient, long start, long length)
    {
        using var target = accumulated.narrow(0, at, length);
        using var source = gradient.narrow(0, start, length);
        using var coefficient = weights.narrow(0, k, 1);
        target.addcmul_(source, coefficient, 1);
    }
}
