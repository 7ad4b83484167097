using System;
using System.Collections.Generic;
using System.Linq;
using NpasDsl.Planning;

namespace NpasDsl.Banks;

/// <summary>
/// The cut of one bank into the segments its layers' reads begin and end at, computed once from the plan.
/// Each training pass splits the bank into these segments with one <c>split</c>, so that back-propagation
/// gathers the bank's gradient in one piece: reading every layer with its own <c>narrow</c> would make autograd
/// build (and add up) a bank-sized gradient per layer.
/// <para>
/// Weighted-average layers read the bank themselves in a training pass (<see cref="Combiners.WeightedAverageFunction"/>)
/// and leave their pieces unused, which costs no gradient (an unused piece is outside the graph). Their reads are cut
/// all the same: such a layer reads pieces again whenever it falls back to ordinary operations (its coefficients frozen,
/// a mask or hash upsampler set at start-up), and the cut is made once, from the plan.
/// </para>
/// </summary>
internal sealed class BankSegments
{
    private readonly Dictionary<string, int[]> _readsByLayer = new(StringComparer.Ordinal);

    public BankSegments(AllocationPlan plan, GroupPlan group)
    {
        var readers = group.Members.Select(plan.Layer).Where(l => l.ReadLength <= 2 * group.BankSize).ToList();
        var cuts = new SortedSet<long> { 0, group.BankSize };
        foreach (var layer in readers)
        {
            cuts.Add(layer.Offset);
            cuts.Add((layer.Offset + layer.ReadLength) % group.BankSize);
        }
        Starts = cuts.Take(cuts.Count - 1).ToArray();
        Sizes = Starts.Select((start, i) => (i + 1 < Starts.Length ? Starts[i + 1] : group.BankSize) - start).ToArray();
        foreach (var layer in readers) _readsByLayer[layer.Path] = Walk(layer.Offset, layer.ReadLength, group.BankSize);
    }

    /// <summary>Where each segment starts.</summary>
    public long[] Starts { get; }

    /// <summary>Each segment's length, in order; they add up to the bank.</summary>
    public long[] Sizes { get; }

    /// <summary>The segments whose concatenation is the layer's read, or null when it is not cut along them (a heavily tiled read).</summary>
    public int[]? ReadOf(string path) => _readsByLayer.TryGetValue(path, out var segments) ? segments : null;

    private int[] Walk(long offset, long length, long bankSize)
    {
        var result = new List<int>();
        int index = Array.BinarySearch(Starts, offset);
        for (long read = 0; read < length; index = (index + 1) % Starts.Length)
        {
            result.Add(index);
            read += Sizes[index];
        }
        return result.ToArray();
    }
}
