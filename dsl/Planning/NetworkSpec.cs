using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Planning;

/// <summary>
/// The static description of a declared network: its layers in declaration order, its budget and its
/// sharing options. The generator emits one per model class (<c>Model.Declaration</c>); the runtime plans
/// the allocation from it at start-up.
/// </summary>
public sealed class NetworkSpec
{
    /// <summary>Creates a description.</summary>
    public NetworkSpec(string modelName, BudgetSpec budget, IReadOnlyList<LayerSpec> layers, SharingSpec? sharing = null, GroupAssignment? assignment = null,
        CoefficientPartition? coefficientPartition = null, string? extendedFrom = null)
    {
        ExtendedFrom = extendedFrom;
        CoefficientPartition = coefficientPartition;
        Assignment = assignment;
        ModelName = modelName;
        Budget = budget;
        Layers = layers;
        Sharing = sharing ?? SharingSpec.Default;
    }

    /// <summary>The model class name.</summary>
    public string ModelName { get; }
    /// <summary>The declared budget.</summary>
    public BudgetSpec Budget { get; }
    /// <summary>The declared layer properties, in declaration order.</summary>
    public IReadOnlyList<LayerSpec> Layers { get; }
    /// <summary>The sharing options.</summary>
    public SharingSpec Sharing { get; }
    /// <summary>An explicit group assignment (from a group search or a saved allocation) that replaces the strategy; null for none.</summary>
    public GroupAssignment? Assignment { get; }
    /// <summary>How coefficient unsharing split the shared coefficient vectors (from a saved allocation); null for the sets of the sharing option.</summary>
    public CoefficientPartition? CoefficientPartition { get; }

    /// <summary>In a family of networks, the narrower member whose weights this one's extend (see <see cref="FamilyLayout"/>); null outside families.</summary>
    public string? ExtendedFrom { get; }

    /// <summary>Trainable parameters of the same network with no sharing at all.</summary>
    public long UnsharedParameters => Layers.Sum(l => l.UnsharedTotal);

    /// <summary>The declaration with another budget (a run-time override).</summary>
    public NetworkSpec WithBudget(BudgetSpec budget) => new(ModelName, budget, Layers, Sharing, Assignment, CoefficientPartition, ExtendedFrom);

    /// <summary>The declaration with an explicit group assignment.</summary>
    public NetworkSpec WithAssignment(GroupAssignment? assignment) => new(ModelName, Budget, Layers, Sharing, assignment, CoefficientPartition, ExtendedFrom);

    /// <summary>The declaration with other sharing options.</summary>
    public NetworkSpec WithSharing(SharingSpec sharing) => new(ModelName, Budget, Layers, sharing, Assignment, CoefficientPartition, ExtendedFrom);

    /// <summary>The declaration with an explicit coefficient partition.</summary>
    public NetworkSpec WithCoefficientPartition(CoefficientPartition? partition) => new(ModelName, Budget, Layers, Sharing, Assignment, partition, ExtendedFrom);

    /// <summary>
    /// The same architecture as an ordinary network: every layer unshared (<see cref="LayerSpec.Unshared"/>) and a budget
    /// of exactly its parameter count, without a group assignment or coefficient partition. The sharing options stay for
    /// their seed; with nothing in a bank, nothing else of them applies.
    /// </summary>
    public NetworkSpec Unshared() => new(ModelName, BudgetSpec.Fraction(1.0), Layers.Select(l => l.Unshared()).ToList(), Sharing);

    /// <summary>The declaration as a family member extending <paramref name="narrower"/>, with its layers replaced by <paramref name="layers"/>.</summary>
    public NetworkSpec Extending(string narrower, IReadOnlyList<LayerSpec> layers) => new(ModelName, Budget, layers, Sharing, Assignment, CoefficientPartition, narrower);
}
