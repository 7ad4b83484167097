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
    bool WithModelMembers);

/// <summary>One layer property to implement with a throwing getter: as declared (modifiers without <c>partial</c>, type, name as C# source).</summary>
internal sealed record PlaceholderProperty(string Modifiers, string Type, string Identifier);
