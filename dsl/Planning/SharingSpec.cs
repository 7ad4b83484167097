using System;
using System.Collections.Generic;
using System.Globalization;

namespace NpasDsl.Planning;

/// <summary>The class-level <c>[Sharing]</c> options, with their defaults filled in.</summary>
public sealed class SharingSpec
{
    /// <summary>Creates the options.</summary>
    public SharingSpec(GroupStrategy strategy = GroupStrategy.Single, Combiner combiner = Combiner.WeightedAverage,
        Upsampler upsampler = Upsampler.Repeat, int maxTemplates = SharingDefaults.MaxTemplates, long seed = 0, bool exactTemplates = false,
        BankSplit bankSplit = BankSplit.Proportional, CoefficientSharing coefficientSharing = CoefficientSharing.None, int maskPeriod = SharingDefaults.MaskPeriod)
    {
        MaskPeriod = maskPeriod;
        CoefficientSharing = coefficientSharing;
        BankSplit = bankSplit;
        ExactTemplates = exactTemplates;
        Strategy = strategy;
        Combiner = combiner;
        Upsampler = upsampler;
        MaxTemplates = maxTemplates;
        Seed = seed;
    }

    /// <summary>These options with the given ones replaced (the others are kept, including those only the runtime sets).</summary>
    public SharingSpec With(GroupStrategy? strategy = null, Combiner? combiner = null, Upsampler? upsampler = null, int? maxTemplates = null,
        BankSplit? bankSplit = null, CoefficientSharing? coefficientSharing = null, int? maskPeriod = null)
        => new(strategy ?? Strategy, combiner ?? Combiner, upsampler ?? Upsampler, maxTemplates ?? MaxTemplates, Seed, ExactTemplates,
            bankSplit ?? BankSplit, coefficientSharing ?? CoefficientSharing, maskPeriod ?? MaskPeriod);

    /// <summary>The defaults used when a class has no <c>[Sharing]</c>.</summary>
    public static SharingSpec Default { get; } = new();

    /// <summary>Group strategy for layers without <c>[ShareGroup]</c>.</summary>
    public GroupStrategy Strategy { get; }
    /// <summary>Template combiner.</summary>
    public Combiner Combiner { get; }
    /// <summary>Upsampler for layers larger than their bank.</summary>
    public Upsampler Upsampler { get; }
    /// <summary>How the bank budget is divided between groups.</summary>
    public BankSplit BankSplit { get; }
    /// <summary>Whether same-shape layers of a group start with one coefficient vector (weighted-average combiner only).</summary>
    public CoefficientSharing CoefficientSharing { get; }
    /// <summary>P: the learned multipliers of each masked copy before its mask repeats (<see cref="Upsampler.Mask"/> only).</summary>
    public int MaskPeriod { get; }
    /// <summary>K_max: the most templates one layer combines.</summary>
    public int MaxTemplates { get; }
    /// <summary>The most templates a layer reads: K_max, or 1 for the round-robin combiner.</summary>
    public int TemplateCap => Combiner == Combiner.RoundRobin ? 1 : MaxTemplates;

    /// <summary>
    /// Every banked layer reads exactly <see cref="TemplateCap"/> templates, whatever its bank size (SSN's
    /// learned-grouping warm-up uses K = 4 for every layer); false for the usual ⌈B_g / |W_l|⌉ rule.
    /// </summary>
    public bool ExactTemplates { get; }

    /// <summary>K_l for a layer of <paramref name="weightSize"/> elements in a bank of <paramref name="bankSize"/> under these options.</summary>
    public int TemplatesFor(long weightSize, long bankSize)
        => ExactTemplates ? TemplateCap : TemplateLayout.TemplatesFor(weightSize, bankSize, TemplateCap);

    /// <summary>
    /// Mask entries a layer of <paramref name="weightSize"/> elements owns in a bank of <paramref name="bankSize"/>:
    /// with the Mask upsampler, those of its copies after the first (<see cref="CopyMasks"/>); otherwise none. A layer
    /// that reads exactly K templates (a group-search warm-up) is never tiled, so it has none either.
    /// </summary>
    public long MaskEntriesFor(long weightSize, long bankSize)
        => Upsampler == Upsampler.Mask && !ExactTemplates ? CopyMasks.Entries(weightSize, bankSize, MaskPeriod) : 0;

    /// <summary>
    /// Whether a layer generating <paramref name="generatedSize"/> entries from <paramref name="templates"/> templates of a bank of
    /// <paramref name="bankSize"/> is read through a hash map (<see cref="Upsampler.Hash"/>): only a single-template layer larger than its bank.
    /// The planner's note, the allocation summary and the run-time layer all ask this one question.
    /// </summary>
    public bool HashesLayer(long generatedSize, long bankSize, int templates)
        => Upsampler == Upsampler.Hash && templates == 1 && generatedSize > bankSize;

    /// <summary>Whether <see cref="MaskPeriod"/> changes anything under <paramref name="upsampler"/>: only the Mask upsampler has copy masks.</summary>
    public static bool MaskPeriodMatters(Upsampler upsampler) => upsampler == Upsampler.Mask;

    /// <summary>Whether <see cref="MaxTemplates"/> changes anything under <paramref name="combiner"/>: the round-robin combiner reads one template whatever it says.</summary>
    public static bool MaxTemplatesMatters(Combiner combiner) => combiner != Combiner.RoundRobin;

    /// <summary>
    /// These options with those the others make moot (NPAS025) set to their defaults: two declarations that differ only
    /// there plan the same model, so a run saved before a user removed a moot option still resumes.
    /// </summary>
    public SharingSpec WithoutMootOptions() => With(
        maxTemplates: MaxTemplatesMatters(Combiner) ? MaxTemplates : SharingDefaults.MaxTemplates,
        maskPeriod: MaskPeriodMatters(Upsampler) ? MaskPeriod : SharingDefaults.MaskPeriod);

    /// <summary>Seed for initialisation.</summary>
    public long Seed { get; }

    /// <summary>
    /// What is wrong with these options, each with the option to blame: the rules of NPAS013, which the generator reports
    /// at the <c>[Sharing]</c> argument and the runtime checks again for options given at start-up. Empty when they are usable.
    /// </summary>
    public IEnumerable<(string Option, string Problem)> Problems()
    {
        // Invariant: in some cultures a negative number is written with U+2212, not '-'.
        static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
        if (!Enum.IsDefined(typeof(GroupStrategy), Strategy))
            yield return ("Strategy", $"Strategy {Number((int)Strategy)} is not a GroupStrategy; use one of {string.Join(", ", Enum.GetNames(typeof(GroupStrategy)))}");
        if (!Enum.IsDefined(typeof(Combiner), Combiner))
            yield return ("Combiner", $"Combiner {Number((int)Combiner)} is not a Combiner; use one of {string.Join(", ", Enum.GetNames(typeof(Combiner)))}");
        if (!Enum.IsDefined(typeof(Upsampler), Upsampler))
            yield return ("Upsampler", $"Upsampler {Number((int)Upsampler)} is not an Upsampler; use one of {string.Join(", ", Enum.GetNames(typeof(Upsampler)))}");
        if (!Enum.IsDefined(typeof(BankSplit), BankSplit))
            yield return ("BankSplit", $"BankSplit {Number((int)BankSplit)} is not a BankSplit; use one of {string.Join(", ", Enum.GetNames(typeof(BankSplit)))}");
        if (!Enum.IsDefined(typeof(CoefficientSharing), CoefficientSharing))
            yield return ("CoefficientSharing", $"CoefficientSharing {Number((int)CoefficientSharing)} is not a CoefficientSharing; use one of {string.Join(", ", Enum.GetNames(typeof(CoefficientSharing)))}");
        // Only for values that exist: an undefined one is reported above, and "CoefficientSharing.3 ... Combiner 42" would say it twice.
        if (CoefficientSharing != CoefficientSharing.None && Combiner != Combiner.WeightedAverage
            && Enum.IsDefined(typeof(CoefficientSharing), CoefficientSharing) && Enum.IsDefined(typeof(Combiner), Combiner))
            yield return ("CoefficientSharing", $"CoefficientSharing.{CoefficientSharing} shares the weighted-average combiner's per-layer coefficient vectors, but Combiner {Combiner} has none; use Combiner.WeightedAverage or drop CoefficientSharing");
        if (MaxTemplates < 1)
            yield return ("MaxTemplates", string.Format(CultureInfo.InvariantCulture, "MaxTemplates is {0} but a layer needs at least 1 template; use 1 or more (the default is {1})", MaxTemplates, SharingDefaults.MaxTemplates));
        if (MaskPeriod < 1)
            yield return ("MaskPeriod", string.Format(CultureInfo.InvariantCulture, "MaskPeriod is {0} but a masked copy needs at least 1 multiplier; use 1 or more (the default is {1})", MaskPeriod, SharingDefaults.MaskPeriod));
        else if (MaskPeriod > SharingDefaults.MaxMaskPeriod)
            yield return ("MaskPeriod", string.Format(CultureInfo.InvariantCulture, "MaskPeriod is {0:N0} but at most {1:N0} multipliers per copy are supported; use {1:N0} or less (the default is {2})", MaskPeriod, SharingDefaults.MaxMaskPeriod, SharingDefaults.MaskPeriod));
    }
}
