namespace NpasDsl.Generator.Tests;

internal static partial class SampleModels
{
    /// <summary>SuperWeights coefficient sharing: the repeated convolutions start with one coefficient vector.</summary>
    public const string CoefficientNet = Usings + """
        namespace Demo.Shared;

        [SharedBudget(0.25), Sharing(CoefficientSharing = CoefficientSharing.ByShape)]
        public sealed partial class CoefficientNet : NpasModule
        {
            [Conv2d(16, 16, 3, Padding = 1), Repeat(3)] private partial ModuleList<SharedConv2d> Body { get; }
            [Linear(16, 10)] private partial SharedLinear Head { get; }

            public override Tensor forward(Tensor x) => Head.call(Body[0].call(x).mean(new long[] { 2, 3 }));
        }
        """;
}
