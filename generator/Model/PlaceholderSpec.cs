using System.Linq;

namespace NpasDsl.Generator.Model;

/// <summary>
/// A model class whose attributes have errors: no model code can be generated, but its layer properties still get
/// implementations that throw, so the compiler reports the NPAS diagnostics alone instead of one "partial property must
/// have an implementation part" (CS9248) per layer. Plain values only, like <see cref="ModelSpec"/>.
/// </summary>
internal sealed record PlaceholderSpec(
    string? Namespace,
    EquatableArray<string> ContainingTypes,
    string ClassName,
    string ClassIdentifier,
    string FullName, // the generated file is named after it (HintNames)
    EquatableArray<PlaceholderProperty> Properties,
    // With the model's members (constructor, Declaration, OnCreated): false where the class itself is at fault (no
    // NpasModule base, its own constructor, ...), so that members of ours would clash with the user's or not compile.
    bool WithModelMembers,
    // With the constructor alone: where only a member of the user's named like Declaration or OnCreated is at fault, those
    // two are left out but the constructor still fits, and without it NpasModule's constructor would be reported (CS7036).
    bool WithConstructor = false)
{
    /// <summary>
    /// The placeholder of a sound model whose budget cannot be met: every layer of the model, with the model's members.
    /// Built from the model, which already holds how each layer property is declared, rather than read from the class again.
    /// </summary>
    public static PlaceholderSpec For(ModelSpec model) => new(model.Namespace, model.ContainingTypes, model.ClassName, model.ClassIdentifier, model.FullName,
        model.Declarations.Select(d => new PlaceholderProperty(d.Modifiers, d.Type, d.Identifier)).ToEquatableArray(),
        WithModelMembers: true, WithConstructor: true);
}

/// <summary>One layer property to implement with a throwing getter: as declared (modifiers without <c>partial</c>, as <see cref="LayerDeclaration.Modifiers"/>; type; name as C# source).</summary>
internal sealed record PlaceholderProperty(string Modifiers, string Type, string Identifier);
