using System;

namespace NpasDsl;

/// <summary>
/// Marks an <c>NpasModule</c> whose trainable parameters are bounded by a fixed budget.
/// <c>[SharedBudget(0.10)]</c> is 10 % of the same model with no sharing; <c>[SharedBudget(Parameters = n)]</c>
/// is an absolute count. A fraction above 1 is the high-budget regime.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class SharedBudgetAttribute : Attribute
{
    /// <summary>Declares an absolute budget through <see cref="Parameters"/>.</summary>
    public SharedBudgetAttribute() { }

    /// <summary>Declares a budget as a fraction of the unshared model's trainable parameters.</summary>
    public SharedBudgetAttribute(double fraction) => Fraction = fraction;

    /// <summary>The budget as a fraction of the unshared parameter count, or NaN when <see cref="Parameters"/> is used.</summary>
    public double Fraction { get; } = double.NaN;

    /// <summary>An absolute budget in trainable parameters (0 when a fraction is used).</summary>
    public long Parameters { get; set; }
}
