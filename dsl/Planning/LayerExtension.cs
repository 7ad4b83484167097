using System;
using System.Collections.Generic;

namespace NpasDsl.Planning;

/// <summary>
/// How a layer of a wider family member extends the same layer of a narrower one (SuperWeights' families of
/// networks): the narrower weight is the top-left block <c>[BaseRows, BaseColumns, ...]</c> of the wider one, whose
/// extra columns and extra rows are generated from the wider member's own banks and concatenated around it.
/// </summary>
public sealed class LayerExtension
{
    /// <summary>Describes the narrower layer: the first two dimensions of its weight and its repeat count.</summary>
    public LayerExtension(long baseRows, long baseColumns, int baseCount)
    {
        if (baseRows < 1) throw new ArgumentOutOfRangeException(nameof(baseRows), baseRows, "A narrower layer has at least one row.");
        if (baseColumns < 1) throw new ArgumentOutOfRangeException(nameof(baseColumns), baseColumns, "A narrower layer has at least one column.");
        if (baseCount < 1) throw new ArgumentOutOfRangeException(nameof(baseCount), baseCount, "A narrower property has at least one repeat.");
        BaseRows = baseRows;
        BaseColumns = baseColumns;
        BaseCount = baseCount;
    }

    /// <summary>Rows (output channels or features, embedding rows) of the narrower weight.</summary>
    public long BaseRows { get; }
    /// <summary>Columns (input channels per group, input features, embedding width) of the narrower weight.</summary>
    public long BaseColumns { get; }
    /// <summary>How many repeats the narrower property has: repeats beyond it have no narrower layer and are generated whole.</summary>
    public int BaseCount { get; }

    /// <summary>Entries of the narrower block inside a weight of <paramref name="shape"/> (kernel dimensions are the same).</summary>
    public long BlockSize(IReadOnlyList<long> shape)
    {
        long size = BaseRows * BaseColumns;
        for (int d = 2; d < shape.Count; d++) size *= shape[d];
        return size;
    }
}
