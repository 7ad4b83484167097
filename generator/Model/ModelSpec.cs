using NpasDsl;
using NpasDsl.Planning;

namespace NpasDsl.Generator.Model;

/// <summary>
/// Everything the emitter needs to write one model class, as plain values: no symbols, syntax nodes,
/// locations or compilations, so the incremental pipeline can compare it and cache what it produces.
/// The network (what the budget planner reads) is kept apart from how the class and its properties are written, so an
/// edit that changes only the latter (a modifier, a backing field's name) writes the class again without planning it.
/// </summary>
internal sealed record ModelSpec(
    string? Namespace,
    EquatableArray<string> ContainingTypes, // "partial class Outer", "partial struct Holder", ...
    string ClassName,
    string ClassIdentifier,
    string FullName, // the generated file is named after it (HintNames)
    NetworkModel Network,
    EquatableArray<LayerDeclaration> Declarations); // one per layer of Network.Layers, in the same order

/// <summary>The network as the budget planner sees it: the class's name (for messages), its budget, sharing options and layers.</summary>
internal sealed record NetworkModel(string ClassName, BudgetModel Budget, SharingModel Sharing, EquatableArray<LayerModel> Layers);

/// <summary>The declared budget: a fraction, or an absolute count when <see cref="IsFraction"/> is false.</summary>
internal sealed record BudgetModel(bool IsFraction, double Fraction, long Parameters);

/// <summary>The <c>[Sharing]</c> options with defaults filled in.</summary>
internal sealed record SharingModel(GroupStrategy Strategy, Combiner Combiner, Upsampler Upsampler, int MaxTemplates, long Seed, BankSplit BankSplit,
    CoefficientSharing CoefficientSharing, int MaskPeriod);

/// <summary>One layer property's attribute numbers and sharing attributes: what the planner reads of it.</summary>
internal sealed record LayerModel(
    string Name,
    LayerKind Kind,
    int In,
    int Out,
    int KernelHeight,
    int KernelWidth,
    int Stride,
    int Padding,
    int Dilation,
    int Groups,
    bool Bias,
    int Repeat,
    bool NoShare,
    string? Group,
    int ShareRate,
    ShareMapping Mapping);

/// <summary>
/// How one layer property is declared, for its implementation part: its modifiers without <c>partial</c> ("private",
/// "public new", ...), its type, and its name as C# source (with <c>@</c> for a keyword); <see cref="FieldName"/> is a
/// backing field name no member of the class uses.
/// </summary>
internal sealed record LayerDeclaration(string Modifiers, string Type, string Identifier, string FieldName);
