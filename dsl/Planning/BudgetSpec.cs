using System;
using System.Globalization;

namespace NpasDsl.Planning;

/// <summary>A parameter budget: a fraction of the unshared model, or an absolute count.</summary>
public readonly struct BudgetSpec : IEquatable<BudgetSpec>
{
    private BudgetSpec(bool isFraction, double fraction, long parameters) { IsFraction = isFraction; FractionValue = fraction; ParameterCount = parameters; }

    /// <summary>The largest fraction accepted: a thousand times the unshared model is far beyond any high-budget use.</summary>
    public const double MaxFraction = 1000;

    /// <summary>The fraction (meaningful when <see cref="IsFraction"/>).</summary>
    public double FractionValue { get; }

    /// <summary>The absolute count, or 0 for a fractional budget.</summary>
    public long ParameterCount { get; }

    /// <summary>Whether the budget is a fraction of the unshared count.</summary>
    public bool IsFraction { get; }

    /// <summary>A budget of <paramref name="fraction"/> times the unshared parameter count.</summary>
    public static BudgetSpec Fraction(double fraction) => new(true, fraction, 0);

    /// <summary>An absolute budget of <paramref name="parameters"/> trainable parameters.</summary>
    public static BudgetSpec Parameters(long parameters) => new(false, double.NaN, parameters);

    /// <summary>The budget in parameters for a model of <paramref name="unshared"/> parameters (a fraction rounds down, so it is never exceeded).</summary>
    public long Resolve(long unshared) => IsFraction ? (long)Math.Floor(FractionValue * unshared) : ParameterCount;

    /// <summary>Checks that the budget is usable; returns an error message or null.</summary>
    public string? Validate()
    {
        if (IsFraction)
        {
            if (double.IsNaN(FractionValue) || double.IsInfinity(FractionValue) || FractionValue <= 0)
                return $"the budget fraction {FractionValue.ToString("R", CultureInfo.InvariantCulture)} is not a finite positive number";
            return FractionValue > MaxFraction
                ? $"the budget fraction {FractionValue.ToString("R", CultureInfo.InvariantCulture)} is more than {MaxFraction.ToString(CultureInfo.InvariantCulture)} times the unshared model, which no allocation can use"
                : null;
        }
        return ParameterCount <= 0
            ? $"the budget of {ParameterCount.ToString(CultureInfo.InvariantCulture)} parameters is not positive"
            : null;
    }

    /// <inheritdoc />
    public bool Equals(BudgetSpec other) => IsFraction == other.IsFraction && FractionValue.Equals(other.FractionValue) && ParameterCount == other.ParameterCount;
    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is BudgetSpec other && Equals(other);
    /// <inheritdoc />
    public override int GetHashCode() => FractionValue.GetHashCode() * 31 + ParameterCount.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => IsFraction
        ? FractionValue.ToString("R", CultureInfo.InvariantCulture) + " of unshared"
        : ParameterCount.ToString("N0", CultureInfo.InvariantCulture) + " parameters";
}
