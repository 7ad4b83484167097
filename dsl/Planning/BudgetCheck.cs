using System.Linq;

namespace NpasDsl.Planning;

/// <summary>
/// What a budget must at least pay for: biases, norms and own weights (never shared), one coefficient per
/// banked layer and the smallest bank of each group (one entry when the bank may be tiled; the largest
/// member's weight when upsampling is off).
/// </summary>
public sealed class BudgetCheck
{
    private BudgetCheck(long unshared, long budget, long minimum)
    {
        Unshared = unshared;
        Budget = budget;
        Minimum = minimum;
    }

    /// <summary>Trainable parameters with no sharing.</summary>
    public long Unshared { get; }
    /// <summary>The budget in parameters.</summary>
    public long Budget { get; }
    /// <summary>The smallest feasible budget.</summary>
    public long Minimum { get; }
    /// <summary>Whether the budget can be met.</summary>
    public bool IsFeasible => Budget >= Minimum;

    /// <summary>Checks <paramref name="spec"/> at its own budget, or at <paramref name="budgetOverride"/> parameters.</summary>
    public static BudgetCheck For(NetworkSpec spec, long? budgetOverride = null)
    {
        long unshared = spec.UnsharedParameters;
        long budget = budgetOverride ?? spec.Budget.Resolve(unshared);
        long minimum = NeverShared(spec);
        var templates = new System.Collections.Generic.List<int>();
        foreach (var group in GroupAssigner.Assign(spec))
        {
            var sizes = group.Value.Select(m => m.Spec.GeneratedSize(m.Index)).ToList();
            long bank = MinimumBank(sizes, spec.Sharing.Upsampler);
            minimum += bank;
            templates.AddRange(sizes.Select(size => spec.Sharing.TemplatesFor(size, bank)));
        }
        minimum += CoefficientCost.Total(spec.Sharing.Combiner, templates);
        return new BudgetCheck(unshared, budget, minimum);
    }

    /// <summary>Biases, norm affines and the weights of <c>[NoShare]</c> layers.</summary>
    public static long NeverShared(NetworkSpec spec)
        => spec.Layers.Sum(l => (l.BiasSize + l.NormSize) * l.Count + (l.Kind.HasShareableWeight() && l.NoShare ? OwnWeights(l) : 0));

    /// <summary>The weight entries all layers of <paramref name="layer"/> hold themselves when none is drawn from a bank.</summary>
    private static long OwnWeights(LayerSpec layer)
    {
        long total = 0;
        for (int i = 0; i < layer.Count; i++) total += layer.GeneratedSize(i);
        return total;
    }

    /// <summary>
    /// The cheapest a group can be: its smallest bank plus the per-layer coefficients its members need with
    /// that bank (with upsampling off, smaller members still read several templates of a bank that holds the
    /// largest member). Coefficients shared model-wide (the embedding combiner's) are counted once by <see cref="For"/>.
    /// </summary>
    public static long MinimumGroupCost(System.Collections.Generic.IReadOnlyList<long> memberSizes, SharingSpec sharing)
    {
        long bank = MinimumBank(memberSizes, sharing.Upsampler);
        return bank + memberSizes.Sum(size => CoefficientCost.PerLayer(sharing.Combiner, sharing.TemplatesFor(size, bank)));
    }

    /// <summary>The smallest bank a group can have.</summary>
    public static long MinimumBank(System.Collections.Generic.IEnumerable<long> memberSizes, Upsampler upsampler)
        => upsampler == Upsampler.None ? memberSizes.DefaultIfEmpty(1).Max() : 1;
}
