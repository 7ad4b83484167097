namespace NpasDsl.Generator.Tests;

/// <summary>Model sources the tests compile. Each is a complete file a user could write.</summary>
internal static partial class SampleModels
{
    public const string Usings = """
        using NpasDsl;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        """;

    /// <summary>The Fashion-MNIST CNN: conv, batch norm, repeats, a linear head, a fractional budget.</summary>
    public const string FashionNet = Usings + """
        namespace Demo;

        [SharedBudget(0.10)]
        public sealed partial class FashionNet : NpasModule
        {
            [Conv2d(1, 32, 3, Padding = 1)] private partial SharedConv2d Stem { get; }
            [BatchNorm2d(32)] private partial BatchNorm2d StemNorm { get; }
            [Conv2d(32, 32, 3, Padding = 1), Repeat(4)] private partial ModuleList<SharedConv2d> Body { get; }
            [Linear(32, 10)] private partial SharedLinear Head { get; }

            public override Tensor forward(Tensor x) => Head.call(Body[0].call(StemNorm.call(Stem.call(x))).mean(new long[] { 2, 3 }));
        }
        """;

    /// <summary>Manual groups, [NoShare], conv1d, embedding, layer norm, an absolute budget, [Sharing] options, a nested class, public properties.</summary>
    public const string SequenceModel = Usings + """
        namespace Demo.Text
        {
            public static partial class Models
            {
                [SharedBudget(Parameters = 60000)]
                [Sharing(Strategy = GroupStrategy.ByShape, MaxTemplates = 4, Seed = 7)]
                internal partial class SequenceModel : NpasModule
                {
                    [Embedding(1000, 32), ShareGroup("tokens")] public partial SharedEmbedding Tokens { get; }
                    [Conv1d(32, 32, 5, Padding = 2, Groups = 2), Repeat(3)] public partial ModuleList<SharedConv1d> Mixers { get; }
                    [LayerNorm(32)] internal partial LayerNorm Norm { get; }
                    [Linear(32, 4, Bias = false), NoShare] protected partial SharedLinear Classifier { get; }

                    public override Tensor forward(Tensor tokens) => Classifier.call(Norm.call(Tokens.call(tokens)));
                }
            }
        }
        """;

    /// <summary>A high budget in the global namespace, rectangular strided dilated kernels, a ByKind strategy, no upsampling.</summary>
    public const string WideNet = Usings + """
        [SharedBudget(2.0)]
        [Sharing(Strategy = GroupStrategy.ByKind, Upsampler = Upsampler.None)]
        public partial class WideNet : NpasModule
        {
            [Conv2d(3, 16, 3, 5, Stride = 2, Padding = 1, Dilation = 2)] private partial SharedConv2d Stem { get; }
            [Conv2d(16, 16, 3), Repeat(2)] private partial ModuleList<SharedConv2d> Blocks { get; }
            [BatchNorm2d(16), Repeat(2)] private partial ModuleList<BatchNorm2d> Norms { get; }
            [Linear(16, 10)] private partial SharedLinear Head { get; }
            [Linear(10, 10)] private partial SharedLinear Extra { get; }

            public override Tensor forward(Tensor x) => x;
        }
        """;

    /// <summary>The Mask upsampler at a low budget: the body is tiled from a smaller bank and each copy after the first learns its own mask.</summary>
    public const string MaskedNet = Usings + """
        namespace Demo.Masked;

        [SharedBudget(0.1), Sharing(Upsampler = Upsampler.Mask, MaskPeriod = 32)]
        public sealed partial class MaskedNet : NpasModule
        {
            [Conv2d(1, 32, 3, Padding = 1)] private partial SharedConv2d Stem { get; }
            [BatchNorm2d(32)] private partial BatchNorm2d StemNorm { get; }
            [Conv2d(32, 32, 3, Padding = 1), Repeat(4)] private partial ModuleList<SharedConv2d> Body { get; }
            [Linear(32, 10)] private partial SharedLinear Head { get; }

            public override Tensor forward(Tensor x) => Head.call(Body[0].call(StemNorm.call(Stem.call(x))).mean(new long[] { 2, 3 }));
        }
        """;

    /// <summary>SPIN: exact sharing of repeated 1x1 convolutions at rate 2 with a strided mapping, ConvMixer style; banks split in whole templates.</summary>
    public const string SpinMixer = Usings + """
        namespace Demo.Isotropic;

        [SharedBudget(1.0), Sharing(BankSplit = BankSplit.Templates)]
        public sealed partial class SpinMixer : NpasModule
        {
            [Conv2d(3, 32, 2, Stride = 2)] private partial SharedConv2d Patches { get; }
            [Conv2d(32, 32, 3, Padding = 1, Groups = 32), Repeat(4)] private partial ModuleList<SharedConv2d> Depthwise { get; }
            [Conv2d(32, 32, 1), Repeat(4), ShareGroup("pointwise", Rate = 2, Mapping = ShareMapping.Strided)] private partial ModuleList<SharedConv2d> Pointwise { get; }
            [BatchNorm2d(32), Repeat(4)] private partial ModuleList<BatchNorm2d> Norms { get; }
            [Linear(32, 10)] private partial SharedLinear Head { get; }

            public override Tensor forward(Tensor x) => x;
        }
        """;
}
