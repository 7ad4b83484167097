using System.Globalization;

namespace NpasDsl.Planning;

/// <summary>Where every parameter of the budget goes. The total counts every trainable scalar of the model.</summary>
public sealed class BudgetBreakdown
{
    internal BudgetBreakdown(long budget, long banks, long coefficients, long biases, long norms, long ownWeights, long masks = 0, long coefficientReserve = 0, long coefficientReserveUsed = 0)
    {
        Masks = masks;
        CoefficientReserve = coefficientReserve;
        CoefficientReserveUsed = coefficientReserveUsed;
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
    /// <summary>Biases: one per layer, or one per weight set under SPIN exact sharing (never drawn from a bank).</summary>
    public long Biases { get; }
    /// <summary>Norm affine weights and biases (never shared).</summary>
    public long Norms { get; }
    /// <summary>Weights of ordinary layers.</summary>
    public long OwnWeights { get; }
    /// <summary>
    /// With coefficient sharing: what the coefficient vectors that unsharing may add can cost at most, set aside from
    /// the banks (see <see cref="CoefficientSets"/>). The part already used is counted in <see cref="Coefficients"/>.
    /// </summary>
    public long CoefficientReserve { get; }
    /// <summary>The part of <see cref="CoefficientReserve"/> that vectors added by unsharing hold.</summary>
    public long CoefficientReserveUsed { get; }
    /// <summary>The reserve not used yet: Total + this never exceeds the budget.</summary>
    public long CoefficientReserveLeft => CoefficientReserve - CoefficientReserveUsed;
    /// <summary>Every trainable parameter of the model.</summary>
    public long Total => Banks + Coefficients + Masks + Biases + Norms + OwnWeights;
    /// <summary>Budget left unassigned and not reserved (never negative).</summary>
    public long Unused => Budget - Total - CoefficientReserveLeft;

    /// <inheritdoc />
    public override string ToString()
    {
        static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        // Masks exist only with the Mask upsampler on tiled layers; the line names them whenever there are any.
        string masks = Masks > 0 ? $" + masks {N(Masks)}" : "";
        string reserved = CoefficientReserve > 0 ? $"reserved for coefficient unsharing {N(CoefficientReserveLeft)}, " : "";
        return $"banks {N(Banks)} + coefficients {N(Coefficients)}{masks} + biases {N(Biases)} + norms {N(Norms)} + own weights {N(OwnWeights)} = {N(Total)} of {N(Budget)} ({reserved}unused {N(Unused)})";
    }
}
