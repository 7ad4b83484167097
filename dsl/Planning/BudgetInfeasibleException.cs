using System;
using System.Globalization;

namespace NpasDsl.Planning;

/// <summary>A budget below what the model can never do without (biases, norms, own weights, minimal coefficients and banks).</summary>
public sealed class BudgetInfeasibleException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BudgetInfeasibleException(string modelName, long budget, long minimum, long unshared)
        : base(Describe(modelName, budget, minimum, unshared))
    {
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

    /// <summary>The message shared by this exception and the compile-time diagnostic.</summary>
    public static string Describe(string modelName, long budget, long minimum, long unshared)
    {
        var c = CultureInfo.InvariantCulture;
        return string.Format(c,
            "The budget of {0:N0} parameters for '{1}' cannot be met: biases, norms, unshared layers and the smallest coefficients and banks need {2:N0}. " +
            "Raise the budget to at least {2:N0} parameters (a fraction of {3}) or share more layers.",
            budget, modelName, minimum, FeasibleFraction(minimum, unshared));
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
