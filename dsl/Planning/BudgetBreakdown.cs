using System.Globalization;

namespace NpasDsl.Planning;

/// <summary>Where every parameter of the budget goes. The total counts every trainable scalar of the model.</summary>
public sealed class BudgetBreakdown
{
    internal BudgetBreakdown(long budget, long banks, long coefficients, long biases, long norms, long ownWeights, long masks = 0)
    {
        Masks = masks;
        Budget = budget;
        Banks = banks;
        Coefficients = coefficients;
        Biases = biases;
        Norms = norms;
        OwnWeights = ownWeights;
    }

    /// <summary>The budget in parameters.</summary>
    public long Budget { get; }
    /// <summary>Entries of all banks.</summary>
    public long Banks { get; }
    /// <summary>Learned combiner coefficients.</summary>
    public long Coefficients { get; }
    /// <summary>Learned copy masks of layers tiled by the Mask upsampler.</summary>
    public long Masks { get; }
    /// <summary>Biases (never shared).</summary>
    public long Biases { get; }
    /// <summary>Norm affine weights and biases (never shared).</summary>
    public long Norms { get; }
    /// <summary>Weights of ordinary layers.</summary>
    public long OwnWeights { get; }
    /// <summary>Every trainable parameter of the model.</summary>
    public long Total => Banks + Coefficients + Masks + Biases + Norms + OwnWeights;
    /// <summary>Budget left unassigned (never negative).</summary>
    public long Unused => Budget - Total;

    /// <inheritdoc />
    public override string ToString()
    {
        static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        // Masks exist only with the Mask upsampler on tiled layers; the line names them whenever there are any.
        string masks = Masks > 0 ? $" + masks {N(Masks)}" : "";
        return $"banks {N(Banks)} + coefficients {N(Coefficients)}{masks} + biases {N(Biases)} + norms {N(Norms)} + own weights {N(OwnWeights)} = {N(Total)} of {N(Budget)} (unused {N(Unused)})";
    }
}
