namespace NpasDsl;

/// <summary>Whether layers start with one learned coefficient vector between them (weighted-average combiner only).</summary>
public enum CoefficientSharing
{
    /// <summary>Every layer learns its own α_l (SSN; the default).</summary>
    None = 0,
    /// <summary>
    /// SuperWeights' coefficient sharing: layers of one group with the same weight shape and template count start
    /// with ONE coefficient vector (state dict: <c>{first member}.coefficients</c>). <c>CoefficientUnsharing</c>
    /// later splits a set whose members' gradients disagree. The budget reserves what full unsharing could add,
    /// so banks never depend on how the vectors are split.
    /// </summary>
    ByShape = 1,
}
