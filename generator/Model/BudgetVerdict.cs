namespace NpasDsl.Generator.Model;

/// <summary>
/// What planning a network's budget found: whether its model can be generated (else it gets its placeholder,
/// <see cref="PlaceholderSpec.For"/>), and the problems to report. Plain values without locations, like the model.
/// </summary>
internal sealed record BudgetVerdict(NetworkModel Network, bool Feasible, EquatableArray<BudgetFinding> Findings);

/// <summary>A parsed model with the verdict on its network's budget: what the emitting and reporting steps read.</summary>
internal sealed record PlannedModel(ModelSpec Model, BudgetVerdict Verdict);

/// <summary>
/// One budget problem, pointing at a place of the class by name rather than by position (<see cref="ModelAnchors"/>
/// turns it into a location when it is reported).
/// </summary>
/// <param name="Layer">The layer whose <c>[ShareGroup]</c> the problem is on, for <see cref="FindingAnchor.ShareGroup"/>.</param>
internal sealed record BudgetFinding(string Id, FindingAnchor Anchor, string? Layer, EquatableArray<string> Arguments);

/// <summary>Where a budget problem is reported.</summary>
internal enum FindingAnchor
{
    /// <summary>The budget argument of <c>[SharedBudget]</c>.</summary>
    Budget,
    /// <summary>The <c>[ShareGroup]</c> attribute of one layer.</summary>
    ShareGroup,
}

/// <summary>
/// Where a model's budget problems are reported, read with the class on every parse: the places move with every edit
/// above them, the problems do not.
/// </summary>
internal sealed record ModelAnchors(string FullName, LocationInfo? Budget, LocationInfo? ClassName, EquatableArray<LayerAnchor> ShareGroups)
{
    public LocationInfo? Of(BudgetFinding finding)
    {
        if (finding.Anchor == FindingAnchor.ShareGroup)
            foreach (var group in ShareGroups)
                if (group.Layer == finding.Layer) return group.Location;
        return finding.Anchor == FindingAnchor.Budget ? Budget ?? ClassName : null;
    }
}

/// <summary>The <c>[ShareGroup]</c> attribute of the layer property <paramref name="Layer"/>.</summary>
internal sealed record LayerAnchor(string Layer, LocationInfo? Location);
