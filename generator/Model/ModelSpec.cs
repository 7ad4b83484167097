using NpasDsl;
using NpasDsl.Planning;

namespace NpasDsl.Generator.Model;

/// <summary>
/// Everything the emitter needs to write one model class, as plain values: no symbols, syntax nodes,
/// locations or compilations, so the incremental pipeline can compare it and cache what it produces.
/// </summary>
internal sealed record ModelSpec(
    string? Namespace,
    EquatableArray<string> ContainingTypes, // "partial class Outer", "partial struct Holder", ...
    string ClassName,
    string ClassIdentifier,
    string FullName, // the generated file is named after it (HintNames)
    BudgetModel Budget,
    SharingModel Sharing,
    EquatableArray<LayerModel> Layers);

/// <summary>The declared budget: a fraction, or an absolute count when <see cref="IsFraction"/> is false.</summary>
internal sealed record BudgetModel(bool IsFraction, double Fraction, long Parameters);

/// <summary>The <c>[Sharing]</c> options with defaults filled in.</summary>
internal sealed record SharingModel(GroupStrategy Strategy, Combiner Combiner, Upsampler Upsampler, int MaxTemplates, long Seed, BankSplit BankSplit,
    CoefficientSharing CoefficientSharing, int MaskPeriod);

/// <summary>
/// One layer property: its attribute's numbers and how the property is declared. <see cref="Identifier"/> is the
/// name as C# source (with <c>@</c> for a keyword); <see cref="FieldName"/> is a backing field name no member of
/// the class uses.
/// </summary>
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
    ShareMapping Mapping,
    string PropertyModifiers,
    string PropertyType,
    string Identifier,
    string FieldName);
