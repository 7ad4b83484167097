using NpasDsl.Banks;
using NpasDsl.Planning;
using static TorchSharp.torch;

namespace NpasDsl.Layers;

/// <summary>What a shared layer needs from its model at construction: its plan, the banks and its initial values.</summary>
public sealed class LayerWiring
{
    internal LayerWiring(LayerPlan plan, BankSet banks, Tensor? initialCoefficients, Tensor? initialWeight, SharedLayer? weightOwner = null)
    {
        WeightOwner = weightOwner;
        Plan = plan;
        Banks = banks;
        InitialCoefficients = initialCoefficients;
        InitialWeight = initialWeight;
    }

    /// <summary>The layer's allocation.</summary>
    public LayerPlan Plan { get; }
    internal BankSet Banks { get; }
    internal Tensor? InitialCoefficients { get; }
    internal Tensor? InitialWeight { get; }
    /// <summary>With exact (SPIN) sharing, the layer whose weight this one uses.</summary>
    internal SharedLayer? WeightOwner { get; }
}
