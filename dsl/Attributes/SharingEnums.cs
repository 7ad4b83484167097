namespace NpasDsl;

/// <summary>How layers are partitioned into groups, each drawing from one parameter bank.</summary>
public enum GroupStrategy
{
    /// <summary>All shareable layers in one group (the default; works at every budget).</summary>
    Single = 0,
    /// <summary>One group per layer kind (linear, conv1d, conv2d, embedding).</summary>
    ByKind = 1,
    /// <summary>One group per layer kind and exact weight shape.</summary>
    ByShape = 2,
    /// <summary>As many groups as ByShape would make, with layers dealt to them in a random order drawn from the seed (a baseline).</summary>
    Random = 3,
}

/// <summary>How a layer turns the templates it reads from its bank into its weight.</summary>
public enum Combiner
{
    /// <summary>W = Σ α_k T_k with learned per-layer coefficients α (SSN "WAvg").</summary>
    WeightedAverage = 0,
    /// <summary>α = A_K φ_l + b_K: a fixed per-layer embedding φ_l (size 24) and A_K, b_K shared by all layers with K templates (SSN "Emb"). Fewer coefficients when there are many layers.</summary>
    Embedding = 1,
    /// <summary>K = 1: the layer is its slice of the bank, with no coefficients (round robin).</summary>
    RoundRobin = 2,
    /// <summary>The plain mean of the K templates, with no coefficients (a baseline).</summary>
    Average = 3,
}

/// <summary>How a layer whose weight is larger than its bank is grown from it.</summary>
public enum Upsampler
{
    /// <summary>Tile the bank (read it circularly from the layer's offset) until the weight is covered.</summary>
    Repeat = 0,
    /// <summary>No upsampling: a layer larger than its bank is a compile-time error.</summary>
    None = 1,
    /// <summary>Resize a smaller grid of bank entries bilinearly to the layer's shape (falls back to tiling when even the smallest grid does not fit).</summary>
    Interpolate = 2,
    /// <summary>
    /// Tile the bank like <see cref="Repeat"/>, but multiply every copy after the first elementwise by 1 + m_c, where
    /// m_c is that copy's own learned mask of period <c>MaskPeriod</c> (16 by default; initialised near 0), so the copies can diverge. Every
    /// mask entry is a trainable parameter counted in the budget (state dict: <c>{layer}.mask</c>).
    /// </summary>
    Mask = 3,
    /// <summary>
    /// Tile the bank like <see cref="Repeat"/>, then permute the tiled entries and flip their signs by a fixed
    /// pseudo-random map of the layer (HashedNets): no extra parameters, but the copies no longer repeat each other as
    /// shifted filters, and layers reading the same bank get different weights instead of identical ones.
    /// </summary>
    Hash = 4,
}

/// <summary>How the budget left for banks is divided between groups.</summary>
public enum BankSplit
{
    /// <summary>In proportion to the groups' unshared weight sizes (SSN).</summary>
    Proportional = 0,
    /// <summary>
    /// In whole templates (SuperWeights): every group first gets one template of its largest layer; then, round
    /// by round, groups with more layers than templates get one more, larger groups first, up to K_max; then
    /// one template at a time round robin while one fits. What no whole template can use is left unused and
    /// reported. Falls back to the proportional split when even one template per group does not fit.
    /// </summary>
    Templates = 1,
}

/// <summary>How repeated layers map onto shared weight sets (SPIN).</summary>
public enum ShareMapping
{
    /// <summary>Neighbours share: layer l uses set ⌊l / r⌋.</summary>
    Sequential = 0,
    /// <summary>Cyclic: layer l uses set l mod (n / r).</summary>
    Strided = 1,
}
