using System.Linq;

namespace NpasDsl.Planning;

/// <summary>
/// What a budget must at least pay for: biases, norms and own weights (never shared), one coefficient per
/// banked layer and the smallest bank of each group (one entry when the bank may be tiled; the largest
/// member's weight when upsampling is off; with the Mask upsampler the bank whose own size plus its members'
/// coefficients and masks is smallest, and those masks).
/// </summary>
public sealed class BudgetCheck
{
    private BudgetCheck(long unshared, long budget, long minimum, long minimumMasks, bool sharesAny, double? fraction)
    {
        Fraction = fraction;
        SharesAny = sharesAny;
        MinimumMasks = minimumMasks;
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
    /// <summary>The part of <see cref="Minimum"/> that pays for copy masks (Mask upsampler; 0 otherwise).</summary>
    public long MinimumMasks { get; }
    /// <summary>Whether any layer draws from a bank; without one, sharing cannot lower the minimum.</summary>
    public bool SharesAny { get; }
    /// <summary>The fraction of <see cref="Unshared"/> the budget was asked for as; null for a parameter count.</summary>
    public double? Fraction { get; }
    /// <summary>Whether the budget can be met.</summary>
    public bool IsFeasible => Budget >= Minimum;

    /// <summary>The exception that says why the budget cannot be met, with the numbers.</summary>
    public BudgetInfeasibleException Failure(string modelName) => new(modelName, Budget, Minimum, Unshared, MinimumMasks, SharesAny, Fraction);

    /// <summary>Checks <paramref name="spec"/> at its own budget, or at <paramref name="budgetOverride"/> parameters.</summary>
    public static BudgetCheck For(NetworkSpec spec, long? budgetOverride = null)
    {
        long unshared = spec.UnsharedParameters;
        long budget = budgetOverride ?? spec.Budget.Resolve(unshared);
        long minimum = NeverShared(spec), masks = 0;
        var templates = new System.Collections.Generic.List<int>();
        bool sharesAny = false;
        foreach (var group in GroupAssigner.Assign(spec))
        {
            sharesAny = true;
            var sizes = group.Value.Select(m => m.Spec.GeneratedSize(m.Index)).ToList();
            long bank = MinimumBank(sizes, spec.Sharing);
            long groupMasks = sizes.Sum(size => spec.Sharing.MaskEntriesFor(size, bank));
            minimum += bank + groupMasks;
            masks += groupMasks;
            templates.AddRange(sizes.Select(size => spec.Sharing.TemplatesFor(size, bank)));
        }
        minimum += CoefficientCost.Total(spec.Sharing.Combiner, templates);
        double? fraction = budgetOverride is null && spec.Budget.IsFraction ? spec.Budget.FractionValue : null;
        return new BudgetCheck(unshared, budget, minimum, masks, sharesAny, fraction);
    }

    /// <summary>Biases (one per weight set), norm affines and the weights of <c>[NoShare]</c> layers.</summary>
    public static long NeverShared(NetworkSpec spec)
        => spec.Layers.Sum(l => l.BiasTotal + l.NormSize * l.Count + (l.Kind.HasShareableWeight() && l.NoShare ? l.GeneratedTotal : 0));

    /// <summary>
    /// The cheapest a group can be: its smallest bank plus the per-layer coefficients and masks its members need
    /// with that bank (with upsampling off, smaller members still read several templates of a bank that holds the
    /// largest member). Coefficients shared model-wide (the embedding combiner's) are counted once by <see cref="For"/>.
    /// </summary>
    public static long MinimumGroupCost(System.Collections.Generic.IReadOnlyList<long> memberSizes, SharingSpec sharing)
    {
        long bank = MinimumBank(memberSizes, sharing);
        return bank + memberSizes.Sum(size => CoefficientCost.PerLayer(sharing.Combiner, sharing.TemplatesFor(size, bank)) + sharing.MaskEntriesFor(size, bank));
    }

    /// <summary>
    /// The smallest bank a group may have: one entry when it may be tiled, the largest member when upsampling is
    /// off, and with the Mask upsampler the cheapest bank (<see cref="CopyMasks.CheapestBank"/>): a smaller one
    /// would cost more in masks than it saves. The planner never makes a bank smaller than this.
    /// </summary>
    public static long MinimumBank(System.Collections.Generic.IReadOnlyList<long> memberSizes, SharingSpec sharing) => sharing.Upsampler switch
    {
        Upsampler.None => memberSizes.DefaultIfEmpty(1).Max(),
        Upsampler.Mask when !sharing.ExactTemplates && memberSizes.Count > 0 => CopyMasks.CheapestBank(memberSizes, sharing),
        _ => 1,
    };
}
