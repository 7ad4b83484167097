using System;
using System.Collections.Generic;
using NpasDsl.Examples.FashionMnist;
using NpasDsl.Examples.WideResNet;
using NpasDsl.Planning;
using TorchSharp;
using static TorchSharp.torch;

namespace NpasDsl.Bench;

/// <summary>A network the benchmark measures: its unshared baseline, its shared model at a budget, and a batch of input.</summary>
public sealed record Network(string Name, int Batch, long[] ImageShape, int Classes, Func<nn.Module<Tensor, Tensor>> Plain, Func<double, NpasModule> Shared)
{
    /// <summary>The input of one training step: <see cref="Batch"/> images.</summary>
    public long[] InputShape => [Batch, .. ImageShape];

    /// <summary>The examples' networks, by the names the command line takes.</summary>
    public static IReadOnlyList<Network> All { get; } =
    [
        new("fashion-net", 128, [1, 28, 28], 10, () => new PlainFashionNet(), b => new FashionNet(Options(b))),
        new("wrn-16-4", 32, [3, 32, 32], 10, () => new PlainWrn(blocksPerGroup: 2, widen: 4, classes: 10), b => new Wrn16x4(Options(b))),
        new("wrn-28-10", 8, [3, 32, 32], 100, () => new PlainWrn(blocksPerGroup: 4, widen: 10, classes: 100), b => new Wrn28x10(Options(b))),
    ];

    private static NpasOptions Options(double budget) => new() { Budget = BudgetSpec.Fraction(budget) };
}
