using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace NpasDsl.Generator.Diagnostics;

/// <summary>
/// Every diagnostic NpasDsl reports, in one place. IDs are stable: a released ID never changes meaning.
/// Each message says what is wrong, with numbers, and what fixes it.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "NpasDsl";

    /// <summary>Where the page of each diagnostic lives: docs/diagnostics/NPASxxx.md in the repository.</summary>
    public const string HelpLinkBase = "https://github.com/NpasDsl/NpasDsl/blob/main/docs/diagnostics/";

    public static readonly DiagnosticDescriptor ClassNotPartial = Error("NPAS001", "Model class must be partial",
        "'{0}' has [SharedBudget] but is not partial; add the 'partial' modifier so NpasDsl can generate its layers{1}");

    public static readonly DiagnosticDescriptor NotAnNpasModule = Error("NPAS002", "Model class must derive from NpasModule",
        "'{0}' has [SharedBudget] but derives from '{1}'; derive it from NpasDsl.NpasModule");

    public static readonly DiagnosticDescriptor InvalidBudget = Error("NPAS003", "Budget must be a finite positive number",
        "The budget of '{0}' is invalid: {1}; use a fraction above 0 and at most 1000 (times the unshared model) such as [SharedBudget(0.25)], or a positive [SharedBudget(Parameters = 100000)]");

    public static readonly DiagnosticDescriptor AmbiguousBudget = Error("NPAS004", "Budget must be given exactly once",
        "'{0}' {1}; give either a fraction, [SharedBudget(0.25)], or an absolute count, [SharedBudget(Parameters = 100000)]");

    public static readonly DiagnosticDescriptor InfeasibleBudget = Error("NPAS005", "Budget cannot be met",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidLayerNumbers = Error("NPAS006", "Layer attribute has impossible numbers",
        "Layer '{0}': {1}");

    public static readonly DiagnosticDescriptor WrongPropertyType = Error("NPAS007", "Layer property has the wrong type",
        "Layer '{0}' is declared with [{1}] so its type must be '{2}', not '{3}'");

    public static readonly DiagnosticDescriptor PropertyNotPartial = Error("NPAS008", "Layer property must be a partial get-only instance property",
        "Layer '{0}' {1}; declare it as 'private partial {2} {3} {{ get; }}'");

    public static readonly DiagnosticDescriptor RepeatMismatch = Error("NPAS009", "[Repeat] and ModuleList go together",
        "Layer '{0}' {1}");

    public static readonly DiagnosticDescriptor MultipleLayerAttributes = Error("NPAS010", "One layer attribute per property",
        "'{0}' has {1} kinds of layer attribute ({2}); keep one, or declare one property per layer");

    public static readonly DiagnosticDescriptor NoLayers = Error("NPAS011", "Model declares no layers",
        "'{0}' has [SharedBudget] but no layer properties; declare layers such as '[Linear(784, 10)] private partial SharedLinear Head {{ get; }}'");

    public static readonly DiagnosticDescriptor GenericModel = Error("NPAS012", "Model class must not be generic",
        "'{0}' {1}; declare the model in a non-generic class, outside any generic type (layer shapes must be known at compile time)");

    public static readonly DiagnosticDescriptor InvalidSharingOption = Error("NPAS013", "Sharing option is invalid",
        "'{0}': {1}");

    public static readonly DiagnosticDescriptor SharingIgnoredOnNorm = Warning("NPAS014", "Norm layers are never shared",
        "'{0}' is a norm layer and is never shared, so [{1}] has no effect; remove it");

    public static readonly DiagnosticDescriptor MissingLayerAttribute = Error("NPAS015", "Sharing attribute without a layer attribute",
        "'{0}' has [{1}] but no layer attribute such as [Linear] or [Conv2d]; add one, or remove [{1}]");

    public static readonly DiagnosticDescriptor ReservedLayerName = Error("NPAS016", "Layer name is reserved",
        "Layer '{0}' {1}; rename the property");

    public static readonly DiagnosticDescriptor UnsupportedClassShape = Error("NPAS017", "Model class shape is not supported",
        "'{0}' {1}");

    public static readonly DiagnosticDescriptor LoneGroupTiled = Warning("NPAS018", "Named group cannot share at this budget",
        "Group '{0}' has the single layer '{1}' ({2} weights) and gets a bank of {3} at this budget, so the layer is its bank tiled {4}x; add layers to the group or remove [ShareGroup] so the layer joins a shared group");

    public static readonly DiagnosticDescriptor UnusableCapacity = Warning("NPAS019", "Budget cannot be used in full",
        "{0} of the budget's {1} parameters cannot be used: with {2} the layers cannot read a larger bank; lower the budget to {3}{4}");

    public static readonly DiagnosticDescriptor LayerLargerThanBank = Error("NPAS020", "Layer larger than its bank with upsampling off",
        "Layer '{0}' has {1} weights but with Upsampler.None every bank must hold its largest layer, and the budget of {2} cannot pay for that (it needs {3}, a fraction of {4}); set [Sharing(Upsampler = Upsampler.Repeat)] to tile smaller banks, or raise the budget");

    public static readonly DiagnosticDescriptor ConflictingGroupSettings = Error("NPAS021", "Group declared with conflicting settings",
        "Group '{0}' is declared on '{1}' with {2} but on '{3}' with {4}; use the same settings, or give the layers different group names");

    public static readonly DiagnosticDescriptor PlannerFailure = Error("NPAS022", "Budget planner failed",
        "NpasDsl's budget planner failed on '{0}' ({1}: {2}); this is a bug in NpasDsl, please report it with this class. Until it is fixed, another budget or [Sharing] choice may plan");

    public static readonly DiagnosticDescriptor LanguageVersionTooLow = Error("NPAS023", "C# 13 or later is required",
        "'{0}' needs C# 13 or later, because its layers are partial properties, but this project compiles C# {1}; set <LangVersion>13</LangVersion> (or later, or latest) in the project file, or remove the LangVersion setting: net10.0, which NpasDsl needs, defaults to C# 14");

    public static readonly DiagnosticDescriptor PartialPropertyWithoutLayer = Error("NPAS024", "Partial property without a layer attribute",
        "'{0}' is a partial property of the model but has no layer attribute, so nothing implements it; {1}");

    public static readonly DiagnosticDescriptor IneffectiveSharingOption = Warning("NPAS025", "Sharing option has no effect",
        "'{0}': {1}");

    public static readonly DiagnosticDescriptor MissingBudget = Error("NPAS026", "NpasDsl attribute in a class without [SharedBudget]",
        "'{0}' has {1} but no [SharedBudget], so NpasDsl generates nothing for it; {2}");

    /// <summary>All descriptors, by id.</summary>
    public static IReadOnlyDictionary<string, DiagnosticDescriptor> ById { get; } = typeof(DiagnosticDescriptors)
        .GetFields()
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToDictionary(d => d.Id);

    private static DiagnosticDescriptor Error(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");

    private static DiagnosticDescriptor Warning(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");
}
