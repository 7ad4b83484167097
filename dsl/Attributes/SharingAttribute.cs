using System;

namespace NpasDsl;

/// <summary>Class-level defaults for the allocation search.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class SharingAttribute : Attribute
{
    /// <summary>How shareable layers without <c>[ShareGroup]</c> are grouped. Default: one group.</summary>
    public GroupStrategy Strategy { get; set; } = GroupStrategy.Single;

    /// <summary>How a layer combines the templates it reads from its bank.</summary>
    public Combiner Combiner { get; set; } = Combiner.WeightedAverage;

    /// <summary>How a layer larger than its bank is grown from it.</summary>
    public Upsampler Upsampler { get; set; } = Upsampler.Repeat;

    /// <summary>How the bank budget is divided between groups.</summary>
    public BankSplit BankSplit { get; set; } = BankSplit.Proportional;

    /// <summary>Whether same-shape layers of a group start with one coefficient vector (SuperWeights), to be split later by <c>CoefficientUnsharing</c>.</summary>
    public CoefficientSharing CoefficientSharing { get; set; } = CoefficientSharing.None;

    /// <summary>The most templates one layer may combine (K_max).</summary>
    public int MaxTemplates { get; set; } = SharingDefaults.MaxTemplates;

    /// <summary>
    /// With <see cref="Upsampler.Mask"/>: how many learned multipliers each copy of the bank gets before its mask repeats
    /// (P). A copy costs P mask parameters from the budget; a larger P lets the copies diverge more. Default 16.
    /// </summary>
    public int MaskPeriod { get; set; } = SharingDefaults.MaskPeriod;

    /// <summary>Seed for every random initialisation of the model.</summary>
    public long Seed { get; set; }
}

/// <summary>Default values of the sharing options, in one place for the generator and the runtime.</summary>
public static class SharingDefaults
{
    /// <summary>K_max of methods.md section 3.</summary>
    public const int MaxTemplates = 8;

    /// <summary>The Mask upsampler's period P: learned multipliers per copy of the bank (see <c>CopyMasks</c> for why 16).</summary>
    public const int MaskPeriod = 16;

    /// <summary>
    /// The largest mask period accepted. Longer periods buy nothing a layer can use (a copy shorter than the period has one
    /// multiplier per element already) and make the search for the cheapest bank scan up to the largest layer's size.
    /// </summary>
    public const int MaxMaskPeriod = 65536;
}
