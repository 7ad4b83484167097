using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NpasDsl.Planning;

/// <summary>Renders an <see cref="AllocationPlan"/> as plain-text tables: budget, groups, layers, aliasing.</summary>
public static class AllocationSummary
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The full summary.</summary>
    public static string Render(AllocationPlan plan)
    {
        var b = plan.Breakdown;
        var text = new StringBuilder();
        text.Append("Allocation of ").Append(plan.Network.ModelName).Append(": budget ").Append(N(plan.Budget))
            .Append(" parameters (").Append(Percent(plan.Budget, plan.Unshared)).Append(" of ").Append(N(plan.Unshared)).Append(" unshared; asked for as ")
            .Append(plan.Network.Budget).Append(")\n");
        text.Append("used ").Append(N(b.Total)).Append(" = ").Append(b).Append('\n');
        text.Append("sharing: strategy ").Append(plan.Network.Sharing.Strategy).Append(", combiner ").Append(plan.Network.Sharing.Combiner)
            .Append(", upsampler ").Append(plan.Network.Sharing.Upsampler).Append(", bank split ").Append(plan.BankSplitUsed)
            .Append(plan.BankSplitUsed != plan.Network.Sharing.BankSplit ? " (" + plan.Network.Sharing.BankSplit + " did not fit one template per group)" : "").Append(", K_max ").Append(N(plan.Network.Sharing.TemplateCap))
            .Append(plan.Network.Assignment is { } assignment ? ", groups from " + assignment.Source : "").Append("\n\n");
        text.Append(CoefficientSets.Describe(plan));

        var groups = new List<string[]> { new[] { "group", "bank", "layers", "unshared weights", "compression" } };
        foreach (var g in plan.Groups)
            groups.Add(new[] { g.Name, N(g.BankSize), N(g.Members.Count), N(g.SharedSize), ((double)g.SharedSize / g.BankSize).ToString("0.##", Invariant) + "x" });
        AppendTable(text, groups, rightAligned: new[] { 1, 2, 3, 4 });
        text.Append('\n');

        var layers = new List<string[]> { new[] { "layer", "kind", "weight", "source", "K", "offset", "reads", "note" } };
        foreach (var l in plan.Layers)
        {
            string source = l.Source switch { WeightSource.Bank => "bank " + l.Group, WeightSource.Own => "own", WeightSource.Inherited => "narrower member", _ => "-" };
            bool banked = l.Source == WeightSource.Bank;
            layers.Add(new[]
            {
                l.Path, l.Spec.Kind.DisplayName(), l.Spec.Kind.HasShareableWeight() ? l.Spec.ShapeText : l.Spec.In.ToString(Invariant), source,
                banked ? N(l.Templates) : "-", banked ? N(l.Offset) : "-", banked ? N(l.ReadLength) : "-",
                l.CoefficientsFrom is { } from ? (l.Note is null ? "" : l.Note + "; ") + "coefficients of " + from : l.Note ?? "",
            });
        }
        AppendTable(text, layers, rightAligned: new[] { 4, 5, 6 });

        var aliases = plan.Aliases().ToList();
        text.Append('\n');
        if (aliases.Count == 0) text.Append("no two layers read the same bank entries\n");
        else
        {
            text.Append("layers that read the same bank entries (their weights are not independent):\n");
            foreach (var group in aliases.GroupBy(a => a.First.Group))
            {
                long bank = plan.Group(group.Key!).BankSize;
                foreach (var a in group)
                {
                    // Hashed layers read the same entries through different maps: same memory, not the same templates.
                    bool hashed = plan.Network.Sharing.HashesLayer(a.First.GeneratedSize, bank, a.First.Templates);
                    bool identicalMemory = a.First.Offset == a.Second.Offset && a.First.ReadLength == a.Second.ReadLength && !hashed;
                    text.Append("  ").Append(a.First.Path).Append(" ~ ").Append(a.Second.Path).Append(": ").Append(N(a.Entries))
                        .Append(" entries (").Append(Percent(a.Entries, bank)).Append(" of bank ").Append(group.Key).Append(')')
                        .Append(identicalMemory ? ", same templates " + HowTheyDiffer(a.First, a.Second, plan.Network.Sharing.Combiner) : "").Append('\n');
                }
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// What still tells apart two layers that read the same templates. Without coefficients, or with one vector between
    /// them, nothing does (unless masks): a user who reads "they differ by their coefficients" would not expect two layers
    /// with one weight. With one template each, their weights differ only by a scale.
    /// </summary>
    private static string HowTheyDiffer(LayerPlan first, LayerPlan second, Combiner combiner)
    {
        string weight = first.Spec.WeightShape.SequenceEqual(second.Spec.WeightShape) ? "one weight" : "one set of numbers in two shapes";
        string masks = first.Masks > 0 || second.Masks > 0 ? ", apart from their masks" : "";
        bool oneVector = (first.CoefficientsFrom ?? first.Path) == (second.CoefficientsFrom ?? second.Path);
        if (combiner is Combiner.RoundRobin or Combiner.Average) return $"(no coefficients: {weight}{masks})";
        if (oneVector) return $"(one coefficient vector between them: {weight}{masks})";
        if (first.Templates == 1 && second.Templates == 1) return $"(one template each: {weight} up to a scale{masks})";
        return masks.Length == 0 ? "(they differ only by their coefficients)" : "(they differ only by their coefficients and masks)";
    }

    private static string N(long value) => value.ToString("N0", Invariant);

    private static string Percent(long part, long whole) => whole == 0 ? "n/a" : (100.0 * part / whole).ToString("0.0", Invariant) + " %";

    private static void AppendTable(StringBuilder text, List<string[]> rows, int[] rightAligned)
    {
        int columns = rows[0].Length;
        var widths = new int[columns];
        foreach (var row in rows)
            for (int c = 0; c < columns; c++) widths[c] = Math.Max(widths[c], row[c].Length);
        foreach (var row in rows)
        {
            var line = new StringBuilder();
            for (int c = 0; c < columns; c++)
            {
                if (c > 0) line.Append("  ");
                line.Append(Array.IndexOf(rightAligned, c) >= 0 ? row[c].PadLeft(widths[c]) : row[c].PadRight(widths[c]));
            }
            text.Append(line.ToString().TrimEnd()).Append('\n');
        }
    }
}
