using System;
using System.Globalization;

namespace NpasDsl.Planning;

/// <summary>A budget below what the model can never do without (biases, norms, own weights, minimal coefficients, masks and banks).</summary>
public sealed class BudgetInfeasibleException : Exception
{
    /// <summary>
    /// Creates the exception; <paramref name="minimumMasks"/> is the part of the minimum that goes to Mask upsampler masks,
    /// <paramref name="sharesAny"/> whether any layer draws from a bank (the message says so where none does).
    /// </summary>
    public BudgetInfeasibleException(string modelName, long budget, long minimum, long unshared, long minimumMasks = 0, bool sharesAny = true, double? fraction = null)
        : base(Describe(modelName, budget, minimum, unshared, minimumMasks, sharesAny, fraction))
    {
        MinimumMasks = minimumMasks;
        Budget = budget;
        Minimum = minimum;
        Unshared = unshared;
    }

    /// <summary>The budget asked for.</summary>
    public long Budget { get; }
    /// <summary>The smallest feasible budget.</summary>
    public long Minimum { get; }
    /// <summary>The unshared parameter count.</summary>
    public long Unshared { get; }
    /// <summary>Mask entries the smallest feasible allocation needs (Mask upsampler; 0 otherwise).</summary>
    public long MinimumMasks { get; }

    /// <summary>
    /// The message shared by this exception and the compile-time diagnostic; <paramref name="fraction"/>, the fraction the
    /// budget was asked for as (if any), is named where it rounds down to no parameter at all.
    /// </summary>
    public static string Describe(string modelName, long budget, long minimum, long unshared, long minimumMasks = 0, bool sharesAny = true, double? fraction = null)
    {
        var c = CultureInfo.InvariantCulture;
        // "The budget of 0 parameters" is true but puzzling for [SharedBudget(1e-9)]: say where the 0 comes from.
        string asked = budget == 0 && fraction is { } f
            ? string.Format(c, " (the fraction {0} of {1:N0} rounds down to none)", f.ToString("R", c), unshared)
            : "";
        if (!sharesAny)
            return string.Format(c,
                "The budget of {0:N0} parameters{4} for '{1}' cannot be met: none of its layers draws from a bank (each is [NoShare], has no weight, or takes its " +
                "weight from the narrower family member), so sharing cannot bring it below the {2:N0} parameters it pays for itself (biases, norms, own weights). " +
                "Raise the budget to at least {2:N0} parameters (a fraction of {3}), or remove [NoShare] from layers that may share.",
                budget, modelName, minimum, FeasibleFraction(minimum, unshared), asked);
        // Masks are named only where there are some, so models without the Mask upsampler read as they always did.
        string needs = minimumMasks > 0
            ? string.Format(c, "the smallest coefficients, copy masks ({0:N0}) and banks", minimumMasks)
            : "the smallest coefficients and banks";
        return string.Format(c,
            "The budget of {0:N0} parameters{5} for '{1}' cannot be met: biases, norms, unshared layers and {4} need {2:N0}. " +
            "Raise the budget to at least {2:N0} parameters (a fraction of {3}) or share more layers.",
            budget, modelName, minimum, FeasibleFraction(minimum, unshared), needs, asked);
    }

    /// <summary>The smallest fraction whose floor reaches <paramref name="minimum"/>, as invariant text with 4 significant digits, rounded up.</summary>
    public static string FeasibleFraction(long minimum, long unshared)
    {
        if (unshared <= 0) return "n/a";
        double exact = (double)minimum / unshared;
        double scale = Math.Pow(10, 3 - (int)Math.Floor(Math.Log10(exact)));
        double step = 1 / scale;
        double up = Math.Ceiling(exact * scale) / scale;
        // Rounding of the product can still land one below the minimum: step up until the fraction resolves to it.
        while (BudgetSpec.Fraction(up).Resolve(unshared) < minimum) up += step;
        return up.ToString("0.##########", CultureInfo.InvariantCulture);
    }
}
