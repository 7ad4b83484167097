using System.Collections.Generic;
using System.Linq;
using NpasDsl.Planning;
using static TorchSharp.torch;

namespace NpasDsl.Banks;

/// <summary>
/// Fills a bank with Kaiming-normal values in its member layers' own scales (methods.md section 3), so that the
/// region a layer reads starts with the spread its own ordinary weight would have.
/// <para>
/// Where members overlap, each entry takes the scale that most of its reads want: reads are counted per member
/// (every copy of a tiled read, every template) and summed over members of the same scale; ties go to the scale of
/// the later member. The per-layer scale correction s_l then
/// fixes the spread of the others. Why the majority and not simply the last member: s_l also multiplies every
/// optimizer step a layer's weight takes, so the layers that use an entry most should be the ones for which
/// s_l ≈ 1. In the 10 % Fashion-MNIST CNN the four body convolutions read every entry about ten times and the
/// head reads a third of the bank once. "Last wins" gave that third the head's spread, three times the body's,
/// so the body started with a mix of two scales, was corrected by s ≈ 0.5, and trained at about half the
/// learning rate of an ordinary convolution.
/// </para>
/// </summary>
internal static class BankInitializer
{
    public static Tensor Fill(AllocationPlan plan, GroupPlan group, Generator generator)
    {
        var bank = zeros(group.BankSize, dtype: float32);
        using var _ = no_grad();
        foreach (var (start, end, std) in Scales(plan, group))
            bank.narrow(0, start, end - start).normal_(0, std, generator);
        return bank;
    }

    /// <summary>The bank cut into runs of entries, each with the initial standard deviation of the member that reads it most.</summary>
    internal static IEnumerable<(long Start, long End, double Std)> Scales(AllocationPlan plan, GroupPlan group)
    {
        long size = group.BankSize;
        // A circular read of L entries from o passes every entry ⌊L / B⌋ times, and the L mod B entries from o once more.
        var members = group.Members.Select(plan.Layer)
            .Select(l => (Std: l.Spec.InitialStd, Whole: l.ReadLength / size, Extra: TemplateLayout.Intervals(size, l.Offset, l.ReadLength % size).ToList()))
            .ToList();
        var cuts = new SortedSet<long> { 0, size };
        foreach (var m in members)
            foreach (var (start, end) in m.Extra)
            {
                cuts.Add(start);
                cuts.Add(end);
            }
        var points = cuts.ToList();
        for (int i = 0; i + 1 < points.Count; i++)
        {
            long start = points[i], end = points[i + 1];
            if (end <= start) continue;
            // Reads are summed per scale: four same-shape layers reading an entry once each outvote one head.
            var readsByStd = new Dictionary<double, long>();
            double std = 0;
            long most = 0;
            foreach (var m in members)
            {
                long reads = m.Whole + (m.Extra.Any(x => x.Start <= start && end <= x.End) ? 1 : 0);
                if (reads == 0) continue;
                readsByStd[m.Std] = readsByStd.GetValueOrDefault(m.Std) + reads;
                if (readsByStd[m.Std] >= most)
                {
                    most = readsByStd[m.Std];
                    std = m.Std;
                }
            }
            if (most > 0) yield return (start, end, std);
        }
    }
}
