using NpasDsl;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.Runtime.Tests.Models;

/// <summary>A small CNN for runtime tests: 1,884 parameters unshared, one shared bank at 10 %.</summary>
[SharedBudget(0.10)]
public sealed partial class TinyCnn : NpasModule
{
    [Conv2d(1, 8, 3, Padding = 1)] private partial SharedConv2d Stem { get; }
    [BatchNorm2d(8)] private partial BatchNorm2d StemNorm { get; }
    [Conv2d(8, 8, 3, Padding = 1), Repeat(3)] private partial ModuleList<SharedConv2d> Body { get; }
    [Linear(8, 4)] private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x)
    {
        x = relu(StemNorm.call(Stem.call(x)));
        for (int i = 0; i < 3; i++) x = relu(Body[i].call(x));
        return Head.call(x.mean(new long[] { 2, 3 }));
    }
}

/// <summary>Every layer kind, manual groups and [NoShare], grouped by shape, with an absolute budget.</summary>
[SharedBudget(Parameters = 20000)]
[Sharing(Strategy = GroupStrategy.ByShape, Seed = 3)]
public sealed partial class MixedNet : NpasModule
{
    [Embedding(50, 16)] public partial SharedEmbedding Tokens { get; }
    [Conv1d(16, 16, 3, Padding = 1), Repeat(2)] public partial ModuleList<SharedConv1d> Mixers { get; }
    [LayerNorm(16)] public partial LayerNorm Norm { get; }
    [Linear(16, 64), ShareGroup("mlp")] public partial SharedLinear Up { get; }
    [Linear(64, 16), ShareGroup("mlp")] public partial SharedLinear Down { get; }
    [Linear(16, 5), NoShare] public partial SharedLinear Classifier { get; }

    public override Tensor forward(Tensor tokens)
    {
        var x = Tokens.call(tokens).transpose(1, 2);            // [B, 16, T]
        foreach (var mixer in Mixers) x = relu(mixer.call(x));
        var h = Norm.call(x.mean(new long[] { 2 }));            // [B, 16]
        h = h + Down.call(relu(Up.call(h)));
        return Classifier.call(h);
    }
}

/// <summary>SPIN exact sharing: four repeated layers, every two sharing one weight set.</summary>
[SharedBudget(1.0)]
public sealed partial class SpinNet : NpasModule
{
    [Linear(8, 8), Repeat(4), ShareGroup("sequential", Rate = 2)] public partial ModuleList<SharedLinear> Sequential { get; }
    [Linear(8, 8), Repeat(4), ShareGroup("strided", Rate = 2, Mapping = ShareMapping.Strided)] public partial ModuleList<SharedLinear> Strided { get; }

    public override Tensor forward(Tensor x)
    {
        foreach (var layer in Sequential) x = relu(layer.call(x));
        foreach (var layer in Strided) x = relu(layer.call(x));
        return x;
    }
}

/// <summary>SPIN as in the paper: every weight set is a whole weight of its own (round robin, one slice per set), ready for fusion.</summary>
[SharedBudget(1.0), Sharing(Combiner = Combiner.RoundRobin)]
public sealed partial class SpinMixerNet : NpasModule
{
    [Linear(8, 8), Repeat(4), ShareGroup("mixers", Rate = 2)] public partial ModuleList<SharedLinear> Mixers { get; }
    [LayerNorm(8)] public partial LayerNorm Norm { get; }
    [Linear(8, 3), NoShare] public partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x)
    {
        foreach (var mixer in Mixers) x = x + relu(mixer.call(x));
        return Head.call(Norm.call(x));
    }
}

/// <summary>
/// Average combiner whose two templates overlap in a 127-entry bank (135 less the set's one bias): a weight set that
/// fusion cannot set exactly.
/// </summary>
[SharedBudget(Parameters = 135), Sharing(Combiner = Combiner.Average)]
public sealed partial class OverlappingAverageNet : NpasModule
{
    [Linear(8, 8), Repeat(2), ShareGroup("g", Rate = 2)] public partial ModuleList<SharedLinear> Layers { get; }

    public override Tensor forward(Tensor x) => Layers[1].call(Layers[0].call(x));
}
