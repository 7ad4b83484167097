using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.Examples.WideResNet;

/// <summary>
/// The layers of a pre-activation wide residual network in the order the forward pass uses them, so every
/// WRN (shared or built from ordinary TorchSharp layers) runs the very same code.
/// </summary>
public sealed record WrnParts(Module<Tensor, Tensor> Stem, IReadOnlyList<WrnBlock> Blocks, Module<Tensor, Tensor> FinalNorm, Module<Tensor, Tensor> Head)
{
    /// <summary>
    /// The WRN of three groups declared as the examples declare them: per group g a first convolution <c>Cga</c>, a
    /// shortcut <c>Sg</c> (null when the group keeps its input's width and stride: the identity, as in the reference WRN),
    /// the width-to-width convolutions <c>Cg</c> and the norms <c>Ng</c>; each group's last norm is the next group's
    /// input norm, and the third group's the final norm.
    /// </summary>
    public static WrnParts Of(Module<Tensor, Tensor> stem, Module<Tensor, Tensor> inputNorm, Module<Tensor, Tensor> head,
        params (Module<Tensor, Tensor> First, Module<Tensor, Tensor>? Shortcut, IEnumerable<Module<Tensor, Tensor>> Norms, IEnumerable<Module<Tensor, Tensor>> Convs)[] groups)
    {
        var blocks = new List<WrnBlock>();
        var input = inputNorm;
        foreach (var (first, shortcut, norms, convs) in groups)
        {
            var groupNorms = norms.ToList();
            blocks.AddRange(WrnGroup.Blocks(input, first, shortcut, groupNorms, convs));
            input = groupNorms[^1];
        }
        return new WrnParts(stem, blocks, input, head);
    }

    /// <summary>stem → blocks → norm → relu → global average → classifier.</summary>
    public Tensor Forward(Tensor x)
    {
        x = Stem.call(x);
        foreach (var block in Blocks) x = block.Forward(x);
        return Head.call(adaptive_avg_pool2d(relu(FinalNorm.call(x)), 1).flatten(1));
    }
}

/// <summary>norm → relu → conv → norm → relu → conv, plus the input (through a 1x1 convolution of the activated input when the shape changes).</summary>
public sealed record WrnBlock(Module<Tensor, Tensor> Norm1, Module<Tensor, Tensor> Conv1, Module<Tensor, Tensor> Norm2, Module<Tensor, Tensor> Conv2, Module<Tensor, Tensor>? Shortcut)
{
    /// <summary>The residual block.</summary>
    public Tensor Forward(Tensor x)
    {
        var h = relu(Norm1.call(x));
        var y = Conv2.call(relu(Norm2.call(Conv1.call(h))));
        return y + (Shortcut is null ? x : Shortcut.call(h));
    }
}

/// <summary>Wires the blocks of one group of a WRN from its layers, so the declarations stay a list of layer kinds.</summary>
public static class WrnGroup
{
    /// <summary>
    /// The n blocks of a group: <paramref name="convs"/> holds its 2n - 1 width-to-width convolutions and
    /// <paramref name="norms"/> its 2n norms of that width in order of use (the last one is the next group's
    /// input norm, or the final norm).
    /// </summary>
    public static IEnumerable<WrnBlock> Blocks(Module<Tensor, Tensor> inputNorm, Module<Tensor, Tensor> firstConv, Module<Tensor, Tensor>? shortcut,
        IEnumerable<Module<Tensor, Tensor>> norms, IEnumerable<Module<Tensor, Tensor>> convs)
    {
        var n = norms.ToList();
        var c = convs.ToList();
        yield return new WrnBlock(inputNorm, firstConv, n[0], c[0], shortcut);
        for (int j = 1; 2 * j < c.Count; j++)
            yield return new WrnBlock(n[2 * j - 1], c[2 * j - 1], n[2 * j], c[2 * j], null);
    }
}
