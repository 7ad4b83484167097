using System.Collections.Generic;
using NpasDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.Examples.ConvMixer;

/// <summary>The ConvMixer forward pass over its layers, shared by the unshared and the SPIN model.</summary>
internal static class ConvMixerForward
{
    /// <summary>patches → depth x (x + BN(GELU(depthwise(x))), then BN(GELU(pointwise(x)))) → average → classifier.</summary>
    public static Tensor Run(Tensor images, Module<Tensor, Tensor> patches, Module<Tensor, Tensor> patchNorm, IList<SharedConv2d> depthwise,
        IList<BatchNorm2d> depthwiseNorms, IList<SharedConv2d> pointwise, IList<BatchNorm2d> pointwiseNorms, Module<Tensor, Tensor> head)
    {
        var x = patchNorm.call(gelu(patches.call(images)));
        for (int i = 0; i < depthwise.Count; i++)
        {
            x = x + depthwiseNorms[i].call(gelu(depthwise[i].call(x)));
            x = pointwiseNorms[i].call(gelu(pointwise[i].call(x)));
        }
        return head.call(adaptive_avg_pool2d(x, 1).flatten(1));
    }
}

/// <summary>ConvMixer-256/8 (patch 2, kernel 5) for 32x32 images with every layer its own: 594,186 parameters, the model to pretrain.</summary>
[SharedBudget(1.0)]
public sealed partial class ConvMixerNet : NpasModule
{
    [Conv2d(3, 256, 2, Stride = 2), NoShare] private partial SharedConv2d Patches { get; }
    [BatchNorm2d(256)] private partial BatchNorm2d PatchNorm { get; }
    [Conv2d(256, 256, 5, Padding = 2, Groups = 256), Repeat(8), NoShare] private partial ModuleList<SharedConv2d> Depthwise { get; }
    [BatchNorm2d(256), Repeat(8)] private partial ModuleList<BatchNorm2d> DepthwiseNorms { get; }
    [Conv2d(256, 256, 1), Repeat(8), NoShare] private partial ModuleList<SharedConv2d> Pointwise { get; }
    [BatchNorm2d(256), Repeat(8)] private partial ModuleList<BatchNorm2d> PointwiseNorms { get; }
    [Linear(256, 10), NoShare] private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor images)
        => ConvMixerForward.Run(images, Patches, PatchNorm, Depthwise, DepthwiseNorms, Pointwise, PointwiseNorms, Head);
}

/// <summary>
/// The same ConvMixer with SPIN: the pointwise convolutions share exactly at rate 2 (4 weight sets for 8 blocks,
/// strided mapping), each set a whole layer of its own (weight and bias). The budget is the unshared count less the
/// 4 pointwise weights and biases that sharing saves: 594,186 - 4 · (65,536 + 256) = 331,018 (1.80x fewer).
/// </summary>
[SharedBudget(Parameters = 331_018), Sharing(Combiner = Combiner.RoundRobin)]
public sealed partial class ConvMixerSpin : NpasModule
{
    [Conv2d(3, 256, 2, Stride = 2), NoShare] private partial SharedConv2d Patches { get; }
    [BatchNorm2d(256)] private partial BatchNorm2d PatchNorm { get; }
    [Conv2d(256, 256, 5, Padding = 2, Groups = 256), Repeat(8), NoShare] private partial ModuleList<SharedConv2d> Depthwise { get; }
    [BatchNorm2d(256), Repeat(8)] private partial ModuleList<BatchNorm2d> DepthwiseNorms { get; }
    [Conv2d(256, 256, 1), Repeat(8), ShareGroup("pointwise", Rate = 2, Mapping = ShareMapping.Strided)] private partial ModuleList<SharedConv2d> Pointwise { get; }
    [BatchNorm2d(256), Repeat(8)] private partial ModuleList<BatchNorm2d> PointwiseNorms { get; }
    [Linear(256, 10), NoShare] private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor images)
        => ConvMixerForward.Run(images, Patches, PatchNorm, Depthwise, DepthwiseNorms, Pointwise, PointwiseNorms, Head);
}
