using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace NpasDsl.Generator.Model;

/// <summary>Where a diagnostic points, as values (a file path and a span) rather than a <see cref="Location"/>.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location)
        => location is { SourceTree: { } tree } ? new LocationInfo(tree.FilePath, location.SourceSpan, location.GetLineSpan().Span) : null;
}

/// <summary>A diagnostic to report: its descriptor id, location and message arguments, all equatable.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params object[] arguments)
        => new(descriptor.Id, LocationInfo.From(location), Texts(arguments));

    /// <summary>Message arguments as invariant-culture text, so that a diagnostic reads the same on every machine.</summary>
    public static EquatableArray<string> Texts(object[] arguments)
        => Array.ConvertAll(arguments, a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToEquatableArray();
}

/// <summary>
/// The result of reading one model class: the model, its budget still to be planned (null when an error prevents
/// generation), the placeholder that stands in for it when the class itself is sound but its attributes are not, the
/// diagnostics, and where the budget's problems will be reported (with the model).
/// </summary>
internal sealed record ParseResult(ModelSpec? Model, PlaceholderSpec? Placeholder, EquatableArray<DiagnosticInfo> Diagnostics, ModelAnchors? Anchors)
{
    public static ParseResult Nothing(EquatableArray<DiagnosticInfo> diagnostics) => new(null, null, diagnostics, null);

    /// <summary>The name of the file this class's generated code goes to, if any.</summary>
    public string? GeneratedFullName => Model?.FullName ?? Placeholder?.FullName;
}
