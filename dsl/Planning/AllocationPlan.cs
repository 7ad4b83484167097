using System;
using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Planning;

/// <summary>
/// The result of the allocation search: groups and their banks, every layer's weight source and templates,
/// and the exact budget breakdown. <see cref="ToString"/> renders a readable table.
/// </summary>
public sealed class AllocationPlan
{
    private readonly Dictionary<string, LayerPlan> _byPath;

    internal AllocationPlan(NetworkSpec network, long unshared, IReadOnlyList<GroupPlan> groups, IReadOnlyList<LayerPlan> layers, BudgetBreakdown breakdown, BankSplit bankSplitUsed)
    {
        BankSplitUsed = bankSplitUsed;
        Network = network;
        Unshared = unshared;
        Groups = groups;
        Layers = layers;
        Breakdown = breakdown;
        _byPath = layers.ToDictionary(l => l.Path, StringComparer.Ordinal);
    }

    /// <summary>The declaration that was planned.</summary>
    public NetworkSpec Network { get; }
    /// <summary>The budget in parameters.</summary>
    public long Budget => Breakdown.Budget;
    /// <summary>Trainable parameters of the network with no sharing.</summary>
    public long Unshared { get; }
    /// <summary>Groups in order of their first member.</summary>
    public IReadOnlyList<GroupPlan> Groups { get; }
    /// <summary>Every layer in declaration order (repeats expanded).</summary>
    public IReadOnlyList<LayerPlan> Layers { get; }
    /// <summary>
    /// The bank split actually used: the declared one, except that <see cref="BankSplit.Templates"/> falls back to
    /// <see cref="BankSplit.Proportional"/> when one template per group does not fit.
    /// </summary>
    public BankSplit BankSplitUsed { get; }
    /// <summary>Where every parameter goes.</summary>
    public BudgetBreakdown Breakdown { get; }

    /// <summary>The plan of the layer at <paramref name="path"/> (<c>Stem</c>, <c>Body.2</c>).</summary>
    public LayerPlan Layer(string path)
        => _byPath.TryGetValue(path, out var plan) ? plan : throw new KeyNotFoundException($"No layer '{path}' in '{Network.ModelName}'. Layers: {string.Join(", ", _byPath.Keys)}.");

    /// <summary>The group called <paramref name="name"/>.</summary>
    public GroupPlan Group(string name)
        => Groups.FirstOrDefault(g => g.Name == name) ?? throw new KeyNotFoundException($"No group '{name}' in '{Network.ModelName}'.");

    /// <summary>Pairs of layers whose templates read common bank entries, with how many entries they share.</summary>
    public IEnumerable<(LayerPlan First, LayerPlan Second, long Entries)> Aliases()
    {
        foreach (var group in Groups)
        {
            var members = group.Members.Select(Layer).ToList();
            for (int a = 0; a < members.Count; a++)
                for (int b = a + 1; b < members.Count; b++)
                {
                    long shared = TemplateLayout.Overlap(group.BankSize, members[a].Offset, members[a].ReadLength, members[b].Offset, members[b].ReadLength);
                    if (shared > 0) yield return (members[a], members[b], shared);
                }
        }
    }

    /// <summary>The readable allocation table.</summary>
    public override string ToString() => AllocationSummary.Render(this);
}
