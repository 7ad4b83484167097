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
            if (read.Bank.requires_grad)
            {
                using var column = weights.unsqueeze(1);
                using var templatesGradient = column.mm(row);
                using var flatGradient = templatesGradient.view(-1);
                AddIntoBankGradient(read, flatGradient);
            }
        }
        gradient.Dispose(); // the engine keeps its own reference; this wrapper would otherwise live until the step's scope ends
        return new List<Tensor> { weightsGradient, null!, null! };
    }

    // bank.grad[(offset + i) mod |bank|] += g[i], in the few contiguous runs a circular read is made of.
    private static void AddIntoBankGradient(BankRead read, Tensor gradient)
    {
        var bank = read.Bank;
        long bankSize = bank.shape[0];
        if (bank.grad is null) bank.grad = zeros_like(bank).DetachFromDisposeScope();
        var accumulated = bank.grad!;
        for (long done = 0, at = read.Offset % bankSize; done < read.Length;)
        {
            long run = System.Math.Min(read.Length - done, bankSize - at);
            using (var target = accumulated.narrow(0, at, run))
            using (var source = gradient.narrow(0, done, run))
                target.add_(source);
            done += run;
            at = 0;
        }
    }
}
