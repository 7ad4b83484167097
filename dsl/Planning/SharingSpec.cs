namespace NpasDsl.Planning;

/// <summary>The class-level <c>[Sharing]</c> options, with their defaults filled in.</summary>
public sealed class SharingSpec
{
    /// <summary>Creates the options.</summary>
    public SharingSpec(GroupStrategy strategy = GroupStrategy.Single, Combiner combiner = Combiner.WeightedAverage,
        Upsampler upsampler = Upsampler.Repeat, int maxTemplates = SharingDefaults.MaxTemplates, long seed = 0, bool exactTemplates = false,
        BankSplit bankSplit = BankSplit.Proportional, CoefficientSharing coefficientSharing = CoefficientSharing.None)
    {
        CoefficientSharing = coefficientSharing;
        BankSplit = bankSplit;
        ExactTemplates = exactTemplates;
        Strategy = strategy;
        Combiner = combiner;
        Upsampler = upsampler;
        MaxTemplates = maxTemplates;
        Seed = seed;
    }

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
        => Upsampler == Upsampler.Mask && !ExactTemplates ? CopyMasks.Entries(weightSize, bankSize) : 0;

    /// <summary>Seed for initialisation.</summary>
    public long Seed { get; }
}
