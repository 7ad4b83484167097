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
    /// A saved allocation (from a group search or next to a checkpoint) to rebuild exactly: its groups and its
    /// budget replace the declared ones, and the constructor checks that the layout comes out the same.
    /// </summary>
    public Allocation.AllocationFile? Allocation { get; init; }

    /// <summary>The device to move the model to once it is built (null keeps it on the CPU).</summary>
    public torch.Device? Device { get; init; }
}
