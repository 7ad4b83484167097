using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NpasDsl.Generator.Diagnostics;
using NpasDsl.Generator.Model;

namespace NpasDsl.Generator.Parsing;

/// <summary>
/// One use of an NpasDsl attribute (a layer attribute, <c>[Repeat]</c>, <c>[ShareGroup]</c>, <c>[NoShare]</c> or
/// <c>[Sharing]</c>) in a class without <c>[SharedBudget]</c>: the generator looks only at classes with a budget, so
/// without NPAS026 the user would read the compiler's bare CS9248 per layer (and CS7036 for the missing constructor).
/// <paramref name="Order"/> sorts the uses of one class, so the diagnostic names its first one.
/// </summary>
internal sealed record MissingBudgetUse(string FullName, string Order, DiagnosticInfo Diagnostic);

/// <summary>Finds the NpasDsl attributes in classes that have no <c>[SharedBudget]</c> (NPAS026), one diagnostic per class.</summary>
internal static class MissingBudgetParser
{
    /// <summary>The property attributes that mean nothing outside a model.</summary>
    public static readonly string[] PropertyAttributes = KnownTypes.LayerAttributes.Select(a => a.Attribute)
        .Concat(new[] { KnownTypes.RepeatAttribute, KnownTypes.ShareGroupAttribute, KnownTypes.NoShareAttribute })
        .ToArray();

    public static MissingBudgetUse? Find(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.Attributes.IsEmpty) return null;
        var (type, declaration, what) = context.TargetSymbol switch
        {
            IPropertySymbol property => (property.ContainingType, context.TargetNode.Parent as ClassDeclarationSyntax,
                "[" + AttributeReader.ShortNameOf(context.Attributes[0]) + "] on '" + property.Name + "'"),
            INamedTypeSymbol named => (named, context.TargetNode as ClassDeclarationSyntax, "[" + AttributeReader.ShortNameOf(context.Attributes[0]) + "]"),
            _ => (null, null, ""),
        };
        // Only classes: a struct or interface cannot take [SharedBudget] at all (CS0592), and a class still without a name
        // ('partial class { ... }' while typing) is the compiler's CS1001.
        if (type is not { TypeKind: TypeKind.Class } || declaration is null || declaration.Identifier.IsMissing || type.Name.Length == 0) return null;
        var attributes = type.GetAttributes();
        if (attributes.Any(a => KnownTypes.IsAttribute(a, KnownTypes.SharedBudgetAttribute))) return null;
        // An attribute of the class that does not bind yet may be the budget being typed ('[SharedBudg'): the compiler's error first.
        if (attributes.Any(a => a.AttributeClass is null or { TypeKind: TypeKind.Error })) return null;

        string advice;
        INamedTypeSymbol? model = null;
        for (var ancestor = type.BaseType; ancestor is not null && model is null; ancestor = ancestor.BaseType)
            if (ancestor.GetAttributes().Any(a => KnownTypes.IsAttribute(a, KnownTypes.SharedBudgetAttribute))) model = ancestor;
        // A class with [Sharing] and no layer of its own: the advice is about where [Sharing] goes (it is not inherited),
        // not about layers it does not have.
        bool sharingOnly = !type.GetMembers().OfType<IPropertySymbol>()
            .Any(p => p.GetAttributes().Any(a => a.AttributeClass is { } c && PropertyAttributes.Contains(KnownTypes.FullName(c))));
        if (model is not null)
            advice = sharingOnly
                ? $"it derives from the model '{model.Name}', but [Sharing] is not inherited and sets the options of the model it is on; put it on '{model.Name}', " +
                  "or give the options when the model is built (NpasOptions.Sharing)"
                : $"it derives from the model '{model.Name}', whose budget covers only the layers '{model.Name}' declares; declare the layers in '{model.Name}', " +
                  $"or derive '{type.Name}' directly from NpasModule and give it a budget of its own, such as [SharedBudget(0.25)]";
        else if (type.IsAbstract)
            // A budget would not help: an abstract class cannot be a model (NPAS017), so its layers belong in the model.
            advice = sharingOnly
                ? $"'{type.Name}' is abstract, and a model cannot be (it is built with 'new'), and [Sharing] is not inherited; put it on the model class that " +
                  "derives from it, the one with [SharedBudget]"
                : $"'{type.Name}' is abstract, and a model cannot be (it is built with 'new'); declare the layers in the model class that derives from it, " +
                  "the one with [SharedBudget]";
        else if (KnownTypes.DerivesFrom(type, KnownTypes.NpasModule))
            advice = "add a budget to the class, such as [SharedBudget(0.25)] (a fraction of the unshared model) or [SharedBudget(Parameters = 100000)]";
        else
            advice = "add a budget to the class, such as [SharedBudget(0.25)], and derive it from NpasModule";

        var location = declaration.Identifier.GetLocation();
        string order = (location.SourceTree?.FilePath ?? "") + "\u0000" + context.TargetNode.SpanStart.ToString("D10", System.Globalization.CultureInfo.InvariantCulture);
        return new MissingBudgetUse(ModelParser.FullName(type), order,
            DiagnosticInfo.Create(DiagnosticDescriptors.MissingBudget, location, type.Name, what, advice));
    }

    /// <summary>One diagnostic per class: its first use of an NpasDsl attribute (by file path, then position).</summary>
    public static EquatableArray<DiagnosticInfo> PerClass(IEnumerable<MissingBudgetUse> uses)
        => uses.GroupBy(u => u.FullName, System.StringComparer.Ordinal)
            .OrderBy(g => g.Key, System.StringComparer.Ordinal)
            .Select(g => g.OrderBy(u => u.Order, System.StringComparer.Ordinal).First().Diagnostic)
            .ToEquatableArray();
}
