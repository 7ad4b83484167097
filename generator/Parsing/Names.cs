using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NpasDsl.Generator.Parsing;

/// <summary>Names the generator writes: escaped identifiers, backing fields that collide with nothing, reserved names.</summary>
internal static class Names
{
    // \z, not $: $ also matches before a final newline, which would let "body\n" through into a generated comment.
    private static readonly Regex GroupName = new(@"^[A-Za-z_][A-Za-z0-9_]*\z");

    /// <summary>Members the generated code declares in the model class (besides the layer properties and fields).</summary>
    public static readonly string[] Generated = { "Declaration", "OnCreated" };

    /// <summary>The state-dict prefix of the banks, registered beside the layers.</summary>
    public const string BanksModule = "banks";

    /// <summary>
    /// The state-dict prefix of the embedding combiner's model-wide coefficients. Reserved under every combiner: the
    /// combiner can be changed at start-up (<c>NpasOptions.Sharing</c>), and the unshared export skips this prefix.
    /// </summary>
    public const string CombinerModule = "combiner";

    /// <summary><paramref name="name"/> as a C# identifier: <c>@class</c> for a keyword.</summary>
    public static string Identifier(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>
    /// <paramref name="name"/> as the name of a type the generated part declares: escaped also where the compiler warns
    /// about a type so named (CS8860 for <c>record</c> and the other contextual keywords, CS8981 for a lower-case ASCII
    /// name), so that a warning the user's own declaration may have (or has silenced with <c>@</c>) is not repeated in the
    /// generated file, where it cannot be silenced.
    /// </summary>
    public static string TypeIdentifier(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
           || name.Length > 0 && name.All(c => c is >= 'a' and <= 'z')
            ? "@" + name
            : name;

    /// <summary>A field name for the layer <paramref name="property"/> that no member of the class (and no earlier field) uses.</summary>
    public static string BackingField(string property, ISet<string> taken)
    {
        var candidate = "_" + char.ToLowerInvariant(property[0]) + property.Substring(1);
        var name = candidate;
        for (int i = 2; taken.Contains(name); i++) name = candidate + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        taken.Add(name);
        return name;
    }

    /// <summary>Every member name of the type and its base types, so generated names avoid them.</summary>
    public static HashSet<string> MemberNames(INamedTypeSymbol type)
    {
        var names = new HashSet<string>(System.StringComparer.Ordinal);
        for (var current = type; current is not null; current = current.BaseType)
            foreach (var member in current.GetMembers()) names.Add(member.Name);
        return names;
    }

    /// <summary>
    /// Inherited member names a layer property would hide, or that TorchSharp uses by name. A private member of a base
    /// class is not inherited: a layer of its name hides nothing, and TorchSharp's reflection over the model's own type
    /// does not see it.
    /// </summary>
    public static HashSet<string> InheritedMemberNames(INamedTypeSymbol type)
    {
        var names = new HashSet<string>(System.StringComparer.Ordinal);
        for (var current = type.BaseType; current is not null; current = current.BaseType)
            foreach (var member in current.GetMembers())
                if (member.DeclaredAccessibility != Accessibility.Private) names.Add(member.Name);
        return names;
    }

    /// <summary>Why <paramref name="group"/> cannot name a bank, or null.</summary>
    public static string? GroupNameProblem(string group, Compilation compilation)
    {
        if (!GroupName.IsMatch(group))
            return $"the group name '{Escape(group)}' is not a simple name; use letters, digits and '_' (not first a digit), such as \"body\", because it becomes the state-dict key banks.<name>";
        // TorchSharp moves a module's tensors by matching registered names against members of the module.
        var module = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+Module");
        if (group == "Item" || module is not null && MemberNames(module).Contains(group))
            return $"the group name '{group}' is also the name of a member of TorchSharp's Module, which TorchSharp would confuse with the bank; choose another name";
        return null;
    }

    /// <summary>Text safe to show in a message: control characters escaped.</summary>
    public static string Escape(string text) => SymbolDisplay.FormatLiteral(text, quote: false);

    /// <summary>"partial class Outer", "partial record struct Outer", ... for a containing type.</summary>
    public static string ContainerDeclaration(INamedTypeSymbol container)
    {
        var syntax = container.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<TypeDeclarationSyntax>().FirstOrDefault();
        string kind = syntax switch
        {
            RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
            StructDeclarationSyntax => "struct",
            InterfaceDeclarationSyntax => "interface",
            _ => "class",
        };
        return "partial " + kind + " " + TypeIdentifier(container.Name);
    }
}
