using System.Linq;
using Microsoft.CodeAnalysis;
using NpasDsl.Planning;

namespace NpasDsl.Generator.Parsing;

/// <summary>Metadata names of the types the generator recognises, compared without binding to a compilation.</summary>
internal static class KnownTypes
{
    public const string SharedBudgetAttribute = "NpasDsl.SharedBudgetAttribute";
    public const string SharingAttribute = "NpasDsl.SharingAttribute";
    public const string RepeatAttribute = "NpasDsl.RepeatAttribute";
    public const string ShareGroupAttribute = "NpasDsl.ShareGroupAttribute";
    public const string NoShareAttribute = "NpasDsl.NoShareAttribute";
    public const string NpasModule = "NpasDsl.NpasModule";
    public const string NetworkSpec = "NpasDsl.Planning.NetworkSpec";
    public const string NpasOptions = "NpasDsl.NpasOptions";
    public const string ModuleList = "TorchSharp.Modules.ModuleList`1";

    /// <summary>The layer attributes by metadata name, with the kind each declares.</summary>
    public static readonly (string Attribute, LayerKind Kind)[] LayerAttributes =
    {
        ("NpasDsl.LinearAttribute", LayerKind.Linear),
        ("NpasDsl.Conv1dAttribute", LayerKind.Conv1d),
        ("NpasDsl.Conv2dAttribute", LayerKind.Conv2d),
        ("NpasDsl.EmbeddingAttribute", LayerKind.Embedding),
        ("NpasDsl.BatchNorm2dAttribute", LayerKind.BatchNorm2d),
        ("NpasDsl.LayerNormAttribute", LayerKind.LayerNorm),
    };

    /// <summary>The layer kind an attribute class declares, or null for any other attribute.</summary>
    public static LayerKind? LayerKindOf(INamedTypeSymbol? attribute)
    {
        if (attribute is null) return null;
        string name = FullName(attribute);
        foreach (var (known, kind) in LayerAttributes)
            if (known == name) return kind;
        return null;
    }

    /// <summary>The property type (or list element type) a layer of <paramref name="kind"/> must have.</summary>
    public static string LayerTypeOf(LayerKind kind) => kind switch
    {
        LayerKind.Linear => "NpasDsl.SharedLinear",
        LayerKind.Conv1d => "NpasDsl.SharedConv1d",
        LayerKind.Conv2d => "NpasDsl.SharedConv2d",
        LayerKind.Embedding => "NpasDsl.SharedEmbedding",
        LayerKind.BatchNorm2d => "TorchSharp.Modules.BatchNorm2d",
        _ => "TorchSharp.Modules.LayerNorm",
    };

    /// <summary>Namespace-qualified metadata name: <c>TorchSharp.Modules.ModuleList`1</c>.</summary>
    public static string FullName(ITypeSymbol type)
    {
        var ns = type.ContainingNamespace;
        var prefix = ns is null || ns.IsGlobalNamespace ? "" : ns.ToDisplayString() + ".";
        return prefix + type.MetadataName;
    }

    /// <summary>
    /// Whether the compiler could not bind <paramref name="type"/> or a type inside it (<c>ModuleList&lt;SharedConvv2d&gt;</c>,
    /// <c>ModuleList&lt;&gt;</c>): the compiler reports it, and code generated with it would repeat the error in the generated file.
    /// </summary>
    public static bool HasErrors(ITypeSymbol type) => type switch
    {
        { TypeKind: TypeKind.Error } => true,
        INamedTypeSymbol named => named.IsUnboundGenericType || named.TypeArguments.Any(HasErrors) || named.ContainingType is { } outer && HasErrors(outer),
        IArrayTypeSymbol array => HasErrors(array.ElementType),
        IPointerTypeSymbol pointer => HasErrors(pointer.PointedAtType),
        IFunctionPointerTypeSymbol function => HasErrors(function.Signature.ReturnType) || function.Signature.Parameters.Any(p => HasErrors(p.Type)),
        _ => false,
    };

    /// <summary>Whether <paramref name="type"/> is or holds a pointer or function pointer (<c>int*</c>, <c>int*[]</c>, <c>delegate*&lt;void&gt;</c>).</summary>
    public static bool HasPointers(ITypeSymbol type) => type switch
    {
        IPointerTypeSymbol or IFunctionPointerTypeSymbol => true,
        INamedTypeSymbol named => named.TypeArguments.Any(HasPointers) || named.ContainingType is { } outer && HasPointers(outer),
        IArrayTypeSymbol array => HasPointers(array.ElementType),
        _ => false,
    };

    /// <summary>Whether <paramref name="attribute"/> is of the attribute class <paramref name="fullName"/>.</summary>
    public static bool IsAttribute(AttributeData attribute, string fullName) => attribute.AttributeClass is { } c && FullName(c) == fullName;

    /// <summary>The first attribute of class <paramref name="fullName"/> on <paramref name="symbol"/>, or null.</summary>
    public static AttributeData? AttributeOf(ISymbol symbol, string fullName) => symbol.GetAttributes().FirstOrDefault(a => IsAttribute(a, fullName));

    public static bool DerivesFrom(INamedTypeSymbol type, string fullName)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
            if (FullName(current) == fullName) return true;
        return false;
    }
}
