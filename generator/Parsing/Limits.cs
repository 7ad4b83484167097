namespace NpasDsl.Generator.Parsing;

/// <summary>
/// Bounds on declared sizes. They are far beyond any real network and exist so that a typo such as
/// <c>[Repeat(2147483647)]</c> gets a diagnostic instead of making the compile-time budget check enumerate
/// two billion layers.
/// </summary>
internal static class Limits
{
    /// <summary>The most layers one <c>[Repeat]</c> may declare.</summary>
    public const int MaxRepeat = 100_000;

    /// <summary>
    /// The most layers a whole model may declare, repeats counted one by one: the budget is planned on every edit of the
    /// class, and many lists of <see cref="MaxRepeat"/> layers each would keep the IDE waiting for seconds per keystroke.
    /// </summary>
    /// <remarks>
    /// Above <see cref="MaxRepeat"/> by room for the rest of a model: one list of the most repeats that <c>[Repeat]</c>
    /// allows still takes a stem and a head (planning 110,000 layers takes about a second).
    /// </remarks>
    public const long MaxModelLayers = MaxRepeat + 10_000;

    /// <summary>The most elements one layer's weight may have (2^40).</summary>
    public const double MaxLayerElements = 1099511627776d;

    /// <summary>
    /// The most parameters a whole model may declare (2^53): a budget of many times that still fits the planner's longs,
    /// and every count up to it is exact as a double. Layers within their own limits (at most 2^40 elements times
    /// <see cref="MaxRepeat"/> each) could still add up past a long, so the sum stops at the first layer that crosses it.
    /// </summary>
    public const long MaxModelParameters = 1L << 53;
}
