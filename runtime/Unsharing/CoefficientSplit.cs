using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using NpasDsl.Allocation;
using NpasDsl.Planning;
using TorchSharp;
using TorchSharp.Modules;

namespace NpasDsl.Unsharing;

/// <summary>
/// The outcome of <see cref="CoefficientUnsharing.Split"/>: the cosines it compared, and the allocation with the new
/// coefficient vectors. Banks, templates and offsets are those of the model it came from (the budget reserved the
/// vectors), so the rebuilt model computes exactly the same function until it trains further.
/// </summary>
public sealed class CoefficientSplit
{
    internal CoefficientSplit(AllocationPlan before, AllocationPlan after, IReadOnlyList<CoefficientPair> pairs, double threshold, int steps)
    {
        Before = before;
        Plan = after;
        Pairs = pairs;
        Threshold = threshold;
        Steps = steps;
        Allocation = AllocationFile.From(after);
    }

    /// <summary>The allocation of the model that was tracked.</summary>
    public AllocationPlan Before { get; }
    /// <summary>The allocation after the split.</summary>
    public AllocationPlan Plan { get; }
    /// <summary>The allocation after the split as a file: save it, and build the model with <c>new NpasOptions { Allocation = ... }</c>.</summary>
    public AllocationFile Allocation { get; }
    /// <summary>Every pair of members of a shared set, with its cosine.</summary>
    public IReadOnlyList<CoefficientPair> Pairs { get; }
    /// <summary>The cosine at or below which members were separated.</summary>
    public double Threshold { get; }
    /// <summary>How many accumulated backward passes the gradient sums cover.</summary>
    public int Steps { get; }
    /// <summary>Coefficient vectors the split added.</summary>
    public int VectorsAdded => CoefficientSets.Of(Plan).Count - CoefficientSets.Of(Before).Count;
    /// <summary>Trainable parameters the split added (taken from the reserve).</summary>
    public long ParametersAdded => Plan.Breakdown.Total - Before.Breakdown.Total;
    /// <summary>Whether any set was split.</summary>
    public bool Changed => VectorsAdded > 0;

    /// <summary>
    /// Carries <paramref name="optimizer"/>'s per-parameter state (AdamW's moments and step count, SGD's momentum buffer)
    /// from <paramref name="model"/> to <paramref name="nextOptimizer"/> of the model <see cref="Rebuild"/> made from it,
    /// so the split does not restart the optimizer: every parameter keeps its state, and a vector the split added starts
    /// with the state of the vector its layer read (as its values do). Both optimizers must be built from their model's
    /// <c>parameters()</c> alone, as the trainer builds them.
    /// </summary>
    /// <exception cref="InvalidOperationException">An optimizer does not hold one state per parameter of its model.</exception>
    public static void CarryOptimizerState(NpasModule model, OptimizerHelper optimizer, NpasModule next, OptimizerHelper nextOptimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(nextOptimizer);
        OptimizerStateTransfer.Copy(model, optimizer, next, nextOptimizer);
    }

    /// <summary>
    /// Builds the model for <see cref="Allocation"/> with <paramref name="create"/> (<c>o => new MyNet(o)</c>), with the
    /// old model's seed, on its current device and in its dtype, and copies the old model's state into it; every new vector starts as a copy of the
    /// vector its layer read before, so outputs do not change. Always a new model: dispose the old one, and build the
    /// optimizer again from the new model's parameters (an optimizer only ever steps the parameters it was given).
    /// </summary>
    public TModel Rebuild<TModel>(TModel model, Func<NpasOptions, TModel> create) where TModel : NpasModule
    {
        if (!ReferenceEquals(model.Allocation, Before) && AllocationFile.From(model.Allocation).FirstDifference(AllocationFile.From(Before)) is { } difference)
            throw new ArgumentException($"The model to rebuild is not the one that was tracked: {difference}.", nameof(model));
        var next = create(OptionsFor(model, Allocation));
        // Where the old model is now, not where its options first put it: it may have been moved (to(CUDA), to(Float64)) since.
        if (model.parameters().FirstOrDefault() is { } probe)
        {
            next.to(probe.device);
            next.to(probe.dtype);
        }
        StateTransfer.Copy(model, next);
        next.train(model.training);
        return next;
    }

    /// <summary>The options that build <paramref name="model"/> again with another coefficient layout: same seed, device and sharing options.</summary>
    internal static NpasOptions OptionsFor(NpasModule model, AllocationFile allocation) => new()
    {
        Seed = model.Seed,
        Device = model.Options.Device,
        Allocation = allocation,
        Sharing = model.Options.Sharing,
        SoftmaxCoefficients = model.Options.SoftmaxCoefficients,
        KeepWeightGradients = model.Options.KeepWeightGradients,
    };

    /// <summary>Which pairs were compared, their cosines, and what was split.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(string.Format(c, "coefficient unsharing after {0} steps (cosine ≤ {1:0.##} splits): {2} vector{6} added, {3:N0} parameter{7} from the reserve ({4:N0} of {5:N0} left)\n",
            Steps, Threshold, VectorsAdded, ParametersAdded, Plan.Breakdown.CoefficientReserveLeft, Plan.Breakdown.CoefficientReserve,
            VectorsAdded == 1 ? "" : "s", ParametersAdded == 1 ? "" : "s"));
        foreach (var pair in Pairs)
            text.Append(string.Format(c, "  {0} ~ {1}: cosine {2:0.000}{3}\n", pair.First, pair.Second, pair.Cosine, pair.Separated ? ", separated" : ""));
        return text.ToString();
    }
}
