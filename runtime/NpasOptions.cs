using NpasDsl.Planning;
using TorchSharp;

namespace NpasDsl;

/// <summary>Choices a user makes at start-up, when the model is created.</summary>
public sealed class NpasOptions
{
    /// <summary>Seed for every random initialisation; null uses <c>[Sharing(Seed = ...)]</c> (0 by default).</summary>
    public long? Seed { get; init; }

    /// <summary>
    /// A budget that replaces the declared one. It bypasses the compile-time check, so the runtime checks it
    /// again and throws <see cref="BudgetInfeasibleException"/> naming the shortfall.
    /// </summary>
    public BudgetSpec? Budget { get; init; }

    /// <summary>
    /// A saved allocation (from a group search or next to a checkpoint) to rebuild exactly: its groups,
    /// budget, sharing options and coefficient partition replace the declared ones, and the constructor checks that the
    /// layout comes out the same.
    /// </summary>
    public Allocation.AllocationFile? Allocation { get; init; }

    /// <summary>The device to move the model to once it is built (null keeps it on the CPU).</summary>
    public torch.Device? Device { get; init; }

    /// <summary>
    /// Sharing options that replace the declared <c>[Sharing]</c> (strategy, combiner, upsampler, bank split, coefficient
    /// sharing, template cap, mask period, seed), for trying configurations without a new class. Like a run-time budget
    /// they bypass the compile-time checks, so the constructor checks them again: an invalid option throws
    /// <see cref="System.ArgumentException"/> naming it, and options the budget cannot meet throw
    /// <see cref="BudgetInfeasibleException"/> naming the shortfall.
    /// </summary>
    public SharingSpec? Sharing { get; init; }

    /// <summary>
    /// Builds the declared architecture as an ordinary network: every layer with its own weight (Kaiming-normal, like a
    /// <c>[NoShare]</c> layer), no banks, coefficients or exact sharing, and as many trainable parameters as the
    /// architecture has. It is the baseline a budget is measured against, from the same class. It replaces the budget and
    /// the sharing, so it cannot be combined with <see cref="Budget"/>, <see cref="Sharing"/> or <see cref="Allocation"/>
    /// (the allocation saved beside an unshared model's checkpoint rebuilds it unshared by itself). A
    /// <see cref="Families.ModelFamily"/> given it builds its members as separate unshared networks.
    /// </summary>
    public bool Unshared { get; init; }

    /// <summary>An explicit group assignment (group searches' warm-up bins).</summary>
    internal GroupAssignment? AssignmentOverride { get; init; }

    /// <summary>In a family of networks, the narrower member whose weights are the top-left blocks of this member's (set by <see cref="Families.ModelFamily"/>).</summary>
    internal NpasModule? Narrower { get; init; }

    /// <summary>Pass the weighted-average coefficients through a softmax over K (SSN's learned-grouping warm-up).</summary>
    internal bool SoftmaxCoefficients { get; init; }

    /// <summary>Keep each generated weight's gradient after backward (SuperWeights' gradient-conflict search).</summary>
    internal bool KeepWeightGradients { get; init; }
}
