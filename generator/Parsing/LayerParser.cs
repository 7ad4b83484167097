using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NpasDsl.Generator.Diagnostics;
using NpasDsl.Generator.Model;
using NpasDsl.Planning;

namespace NpasDsl.Generator.Parsing;

/// <summary>Reads the layer properties of a model class, in declaration order, checking each against its attributes.</summary>
internal static class LayerParser
{
    /// <summary>
    /// The layers in declaration order; <paramref name="shareGroups"/> gets where each grouped layer's <c>[ShareGroup]</c>
    /// is written, for the budget problems of its group (reported once the budget is planned).
    /// </summary>
    public static List<LayerModel> ReadLayers(INamedTypeSymbol type, Compilation compilation, ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken cancellationToken,
        out bool valid, out EquatableArray<LayerAnchor> shareGroups, out List<LayerDeclaration> declarations)
    {
        declarations = new List<LayerDeclaration>();
        valid = true;
        var anchors = new List<LayerAnchor>();
        var taken = Names.MemberNames(type);
        taken.UnionWith(Names.Generated);
        taken.Add(type.Name); // a field may not have its class's name either (CS0542): a class '_head' with a layer 'Head'
        var inherited = Names.InheritedMemberNames(type);
        var repeated = RepeatedNames(type);
        var layers = new List<LayerModel>();
        long total = 0, layerCount = 0;
        foreach (var property in SourceProperties(type))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (repeated.Contains(property.Name))
            {
                // Two members of one name are the compiler's CS0102; the class is left alone until it is fixed.
                if (property.GetAttributes().Any(a => KnownTypes.LayerKindOf(a.AttributeClass) is not null)) valid = false;
                continue;
            }
            var result = ReadLayer(property, compilation, inherited, diagnostics, cancellationToken);
            if (result.Declared && result.Layer is null) valid = false;
            if (result.Layer is null) continue;
            if (result.Layer.Group is { } group && ConflictsWithEarlierUse(result.Layer, layers, property, diagnostics, cancellationToken))
            {
                valid = false;
                continue;
            }
            layers.Add(result.Layer);
            declarations.Add(result.Declaration! with { FieldName = Names.BackingField(result.Layer.Name, taken) });
            if (result.Layer.Group is not null) anchors.Add(new LayerAnchor(property.Name, LocationInfo.From(ShareGroupLocation(property, cancellationToken))));
            // Planning runs on every edit of the class, in time that grows with the layer count: thirty lists of
            // [Repeat(100000)] each took the IDE's generator half a minute per keystroke.
            if (layerCount <= Limits.MaxModelLayers)
            {
                layerCount += result.Layer.Repeat > 0 ? result.Layer.Repeat : 1;
                if (layerCount > Limits.MaxModelLayers && valid)
                {
                    var attribute = new AttributeReader(property.GetAttributes().First(a => KnownTypes.LayerKindOf(a.AttributeClass) is not null), compilation, cancellationToken);
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerNumbers, attribute.Location, property.Name, string.Format(CultureInfo.InvariantCulture,
                        "with it the model declares {0:N0} layers, more than the {1:N0} NpasDsl plans in one model; use fewer repeats", layerCount, Limits.MaxModelLayers)));
                    valid = false;
                }
            }
            if (total > Limits.MaxModelParameters) continue; // reported already; adding more could overflow the long
            total += NetworkSpecBuilder.ToSpec(result.Layer).UnsharedTotal; // at most about 2^57 per layer: no overflow from under 2^53
            if (total > Limits.MaxModelParameters && valid)
            {
                // Reported once, on the layer that crosses the limit: past it the planner's counts would overflow.
                var attribute = new AttributeReader(property.GetAttributes().First(a => KnownTypes.LayerKindOf(a.AttributeClass) is not null), compilation, cancellationToken);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerNumbers, attribute.Location, property.Name, string.Format(CultureInfo.InvariantCulture,
                    "with it the model's layers add up to {0:N0} parameters, more than the {1:N0} NpasDsl can plan in one model; use fewer or smaller layers",
                    total, Limits.MaxModelParameters)));
                valid = false;
            }
        }
        // A layer still being typed ('[Linear(100, 10)] private partial SharedLinear Tail' before its '{ get; }') is a field
        // to the parser. The compiler reports it (CS0592 and the syntax error); a model constructor of ours would add a CS8618
        // for the unset field inside the generated file, so the class gets its placeholder (whose constructor throws) until then.
        if (type.GetMembers().OfType<IFieldSymbol>().Any(f => !f.IsImplicitlyDeclared && f.GetAttributes().Any(IsLayerOrSharingAttribute))) valid = false;
        shareGroups = anchors.ToEquatableArray();
        return layers;
    }

    /// <summary>
    /// For a partial get-only property with no implementation part and no layer or sharing attribute, what to do about it
    /// (NPAS024); null for any other property, or where the compiler reports the declaration itself.
    /// </summary>
    public static string? UnimplementedWithoutLayer(IPropertySymbol property, Compilation compilation, CancellationToken cancellationToken)
    {
        if (!property.IsPartialDefinition || property.PartialImplementationPart is not null || property.IsStatic || property.IsIndexer
            || property.GetMethod is null || property.SetMethod is not null || KnownTypes.HasErrors(property.Type)
            || property.GetAttributes().Any(IsLayerOrSharingAttribute) || DeclarationRejected(property, compilation, cancellationToken)) return null;
        // Another source generator may implement a partial property it finds by its own attribute; generators do not see
        // each other's output, so such a property looks unimplemented here, and a placeholder beside its part would be CS0102.
        if (!property.GetAttributes().IsEmpty) return null;
        // A declaration the parser recovered from ('[Linear(1, 2)] ... { get; } Head' swallowing the next line's
        // attribute list): the layer attribute may be there as written but lost to the parse; the syntax error comes first.
        // So can the member before it: a stray word after a layer ('{ get; } x') becomes an incomplete member that takes
        // the next line's attribute list with it (CS1585).
        if (property.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken))
                .Any(node => SyntaxErrors.In(node) || SyntaxErrors.In(PreviousMember(node)))) return null;
        var type = property.Type as INamedTypeSymbol;
        bool list = type is { IsGenericType: true } && KnownTypes.FullName(type) == KnownTypes.ModuleList && type.TypeArguments.Length == 1;
        var element = list ? type!.TypeArguments[0] : property.Type;
        string? attribute = KnownTypes.FullName(element) switch
        {
            "NpasDsl.SharedLinear" => "[Linear(in, out)]",
            "NpasDsl.SharedConv1d" => "[Conv1d(in, out, kernel)]",
            "NpasDsl.SharedConv2d" => "[Conv2d(in, out, kernel)]",
            "NpasDsl.SharedEmbedding" => "[Embedding(count, dimension)]",
            "TorchSharp.Modules.BatchNorm2d" => "[BatchNorm2d(features)]",
            "TorchSharp.Modules.LayerNorm" => "[LayerNorm(features)]",
            _ => null,
        };
        if (attribute is not null)
            return list ? $"add the layer attribute with [Repeat(n)], such as {attribute.TrimEnd(']')}, Repeat(n)]" : $"add the layer attribute, such as {attribute}";
        return $"NpasDsl implements only layers declared with [Linear], [Conv1d], [Conv2d], [Embedding], [BatchNorm2d] or [LayerNorm], not a '{element.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}'; " +
            "implement the property yourself (remove 'partial'; a module without trainable parameters, registered with register_module in 'partial void OnCreated()'), " +
            "or use the functional form in forward";
    }

    private static MemberDeclarationSyntax? PreviousMember(SyntaxNode node)
    {
        if (node is not MemberDeclarationSyntax member || node.Parent is not TypeDeclarationSyntax parent) return null;
        int index = parent.Members.IndexOf(member);
        return index > 0 ? parent.Members[index - 1] : null;
    }

    public static bool IsLayerOrSharingAttribute(AttributeData a)
        => KnownTypes.LayerKindOf(a.AttributeClass) is not null || KnownTypes.IsAttribute(a, KnownTypes.RepeatAttribute)
           || KnownTypes.IsAttribute(a, KnownTypes.ShareGroupAttribute) || KnownTypes.IsAttribute(a, KnownTypes.NoShareAttribute);

    private static Location? ShareGroupLocation(IPropertySymbol property, CancellationToken cancellationToken)
        => KnownTypes.AttributeOf(property, KnownTypes.ShareGroupAttribute)?.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();

    /// <summary>
    /// Why NpasDsl cannot implement <paramref name="property"/> as <c>partial T Name =&gt; field;</c>, or null: the one
    /// shape both the model and the placeholder write, so anything else would be a compiler error inside the generated file.
    /// </summary>
    public static string? ShapeProblem(IPropertySymbol property, BasePropertyDeclarationSyntax? syntax)
        => property.IsIndexer ? "is an indexer, but a layer is a property with a name (the state dict's key)"
            : ImplementationProblem(property, syntax);

    /// <summary>
    /// What keeps NpasDsl from implementing the property's getter, whatever it is for: a placeholder implements an indexer
    /// too (so that NPAS008 is the one error on it), which no layer can be.
    /// </summary>
    public static string? ImplementationProblem(IPropertySymbol property, BasePropertyDeclarationSyntax? syntax)
        => property.IsStatic ? "is static"
            : property.SetMethod is not null ? "has a setter"
            : syntax is null || !syntax.Modifiers.Any(SyntaxKind.PartialKeyword) ? "is not partial"
            // An extern partial property is an implementation part too.
            : property.PartialImplementationPart is not null || !property.IsPartialDefinition ? "already has an implementation, but NpasDsl generates it"
            : property.ReturnsByRef || property.ReturnsByRefReadonly ? "returns by reference"
            : property.IsAbstract ? "is abstract"
            // Also where the interface or its member does not bind ('Missing.Head', 'IHas.' while typing): the symbol then
            // implements nothing, but its name is 'Missing.Head', which no generated part could declare.
            : property.ExplicitInterfaceImplementations.Length > 0 || syntax is PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: not null } ? "implements an interface member explicitly"
            : syntax.AccessorList?.Accessors.Any(a => a.Modifiers.Count > 0) == true ? "has an accessor with its own modifier"
            : null;

    /// <summary>
    /// Whether the compiler rejects how the property is declared, in a way its generated part would repeat inside the
    /// generated file: <see cref="UnsafeNotAllowed"/> or <see cref="ModifiersRejected"/>. The model and the placeholder
    /// both leave such a property alone.
    /// </summary>
    public static bool DeclarationRejected(IPropertySymbol property, Compilation compilation, CancellationToken cancellationToken)
        => UnsafeNotAllowed(property, compilation, cancellationToken) || ModifiersRejected(property, compilation, cancellationToken);

    /// <summary>An <c>unsafe</c> property in a compilation without unsafe code: the compiler reports it (CS0227), and its generated part would repeat the error.</summary>
    private static bool UnsafeNotAllowed(IPropertySymbol property, Compilation compilation, CancellationToken cancellationToken)
        => compilation.Options is CSharpCompilationOptions { AllowUnsafe: false }
            && property.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is PropertyDeclarationSyntax p && p.Modifiers.Any(SyntaxKind.UnsafeKeyword));

    /// <summary>
    /// A modifier the compiler rejects on the property: one not valid on a property (<c>readonly</c>, <c>async</c>,
    /// <c>volatile</c>: CS0106) or <c>virtual</c> in a sealed class (CS0549). The implementation part repeats the
    /// property's modifiers, so it would repeat the error inside the generated file.
    /// </summary>
    private static bool ModifiersRejected(IPropertySymbol property, Compilation compilation, CancellationToken cancellationToken)
        => property.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<BasePropertyDeclarationSyntax>()
            // Binding is asked for only where a modifier could be the one (the parse step runs on every edit).
            .Where(p => p.Modifiers.Any(m => !UsualModifiers.Contains(m.Kind())))
            .Any(p => compilation.GetSemanticModel(p.SyntaxTree).GetDeclarationDiagnostics(p.Span, cancellationToken).Any(d => d.Id is "CS0106" or "CS0549"));

    private static readonly HashSet<SyntaxKind> UsualModifiers = new()
    {
        SyntaxKind.PublicKeyword, SyntaxKind.PrivateKeyword, SyntaxKind.ProtectedKeyword, SyntaxKind.InternalKeyword, SyntaxKind.PartialKeyword,
        SyntaxKind.NewKeyword, SyntaxKind.StaticKeyword, SyntaxKind.UnsafeKeyword, SyntaxKind.RequiredKeyword, SyntaxKind.OverrideKeyword,
        SyntaxKind.SealedKeyword, SyntaxKind.AbstractKeyword, SyntaxKind.ExternKeyword,
    };

    /// <summary>Names that more than one member of the class declares (a compiler error, CS0102).</summary>
    public static HashSet<string> RepeatedNames(INamedTypeSymbol type)
        => new(type.GetMembers().Where(m => !m.IsImplicitlyDeclared && m.Locations.Any(l => l.IsInSource))
            // A partial property's two parts are one member; a method's or an indexer's overloads are not a clash.
            .Where(m => m is not IMethodSymbol { MethodKind: MethodKind.Ordinary } and not IPropertySymbol { IsIndexer: true })
            .GroupBy(m => m.Name).Where(g => g.Count() > 1).Select(g => g.Key), System.StringComparer.Ordinal);

    /// <summary>The properties declared in source, in declaration order (file path, then position): the layers' order.</summary>
    public static IEnumerable<IPropertySymbol> SourceProperties(INamedTypeSymbol type)
        => type.GetMembers().OfType<IPropertySymbol>()
            .Where(p => p.Locations.Length > 0 && p.Locations[0].IsInSource)
            .OrderBy(p => p.Locations[0].SourceTree?.FilePath, System.StringComparer.Ordinal)
            .ThenBy(p => p.Locations[0].SourceSpan.Start);

    /// <summary>The property's modifiers as written, without <c>partial</c> ("private", "public new", ...), for its implementation part.</summary>
    public static string ModifiersOf(BasePropertyDeclarationSyntax syntax)
        => string.Join(" ", syntax.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text));

    /// <summary>The property's name as the user wrote it: 'Head' for the explicit interface implementation 'Demo.IHas.Head' too.</summary>
    private static string LayerName(IPropertySymbol property, BasePropertyDeclarationSyntax? syntax)
        => property.ExplicitInterfaceImplementations.FirstOrDefault() is { } implemented ? implemented.Name
            : syntax is PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: not null, Identifier.ValueText: { Length: > 0 } simple } ? simple
            : property.Name;

    /// <summary>Reports a group name used before with other exact-sharing settings (Rate, Mapping).</summary>
    private static bool ConflictsWithEarlierUse(LayerModel layer, List<LayerModel> earlier, IPropertySymbol property,
        ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken cancellationToken)
    {
        var first = earlier.FirstOrDefault(l => l.Group == layer.Group);
        if (first is null || first.ShareRate == layer.ShareRate && first.Mapping == layer.Mapping) return false;
        static string Settings(LayerModel l) => l.ShareRate == 0 ? "no Rate" : string.Format(CultureInfo.InvariantCulture, "Rate = {0}, Mapping = {1}", l.ShareRate, l.Mapping);
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConflictingGroupSettings, ShareGroupLocation(property, cancellationToken),
            layer.Group!, first.Name, Settings(first), layer.Name, Settings(layer)));
        return true;
    }

    private static (bool Declared, LayerModel? Layer, LayerDeclaration? Declaration) ReadLayer(IPropertySymbol property, Compilation compilation, ISet<string> inherited,
        ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken cancellationToken)
    {
        var attributes = property.GetAttributes();
        var layerAttributes = attributes.Where(a => KnownTypes.LayerKindOf(a.AttributeClass) is not null).ToList();
        AttributeData? Find(string name) => attributes.FirstOrDefault(a => KnownTypes.IsAttribute(a, name));
        var repeat = Find(KnownTypes.RepeatAttribute);
        var group = Find(KnownTypes.ShareGroupAttribute);
        var noShare = Find(KnownTypes.NoShareAttribute);
        var location = property.Locations[0];

        if (layerAttributes.Count == 0)
        {
            var orphan = repeat ?? group ?? noShare;
            if (orphan is null)
            {
                // A partial property left without an implementation would get the compiler's bare "must have an implementation
                // part" (CS9248): a forgotten layer attribute, or a module NpasDsl has no attribute for (Dropout, BatchNorm1d).
                if (UnimplementedWithoutLayer(property, compilation, cancellationToken) is not { } advice) return (false, null, null);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PartialPropertyWithoutLayer, location, property.Name, advice));
                return (true, null, null);
            }
            var reader = new AttributeReader(orphan, compilation, cancellationToken);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingLayerAttribute, reader.Location ?? location, property.Name, reader.ShortName));
            return (true, null, null);
        }
        if (layerAttributes.Count > 1)
        {
            // The same layer attribute twice is the compiler's CS0579 ("Duplicate 'Linear' attribute"), which says it all;
            // NPAS010 is for different layer attributes on one property, named once each.
            var kinds = layerAttributes.GroupBy(a => a.AttributeClass!, SymbolEqualityComparer.Default).Select(g => g.First()).ToList();
            if (kinds.Count > 1)
            {
                var names = string.Join(", ", kinds.Select(a => "[" + AttributeReader.ShortNameOf(a) + "]"));
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MultipleLayerAttributes, new AttributeReader(kinds[1], compilation, cancellationToken).Location ?? location, property.Name, kinds.Count, names));
            }
            return (true, null, null);
        }

        var layer = new AttributeReader(layerAttributes[0], compilation, cancellationToken);
        var kind = KnownTypes.LayerKindOf(layerAttributes[0].AttributeClass)!.Value;
        // Half-typed code the compiler reports: an argument or attribute that does not bind ([Repe]), a type that does not
        // bind (ModuleList<SharedConvv2d>), a property without accessors yet ({ }), 'unsafe' where unsafe code is not
        // allowed (CS0227), a modifier the compiler rejects (readonly, CS0106). A diagnostic of ours would only add noise.
        // So is an accessor list still being typed ('{ get;' with the next layer's line swallowed into it as an accessor):
        // its shape is the parser's guess, and NPAS008 on it ("an accessor with its own modifier") would mislead.
        var syntax = property.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<BasePropertyDeclarationSyntax>().FirstOrDefault();
        if (!layer.IsBound || KnownTypes.HasErrors(property.Type) || attributes.Any(a => a.AttributeClass is null or { TypeKind: TypeKind.Error })
            || property.GetMethod is null && property.SetMethod is null || DeclarationRejected(property, compilation, cancellationToken)
            || SyntaxErrors.In(syntax?.AccessorList)
            || syntax is PropertyDeclarationSyntax { Identifier.IsMissing: true }) // 'IHas.{ get; }': a name still to be typed
            return (true, null, null);
        int errorsBefore = diagnostics.Count;

        string expectedElement = KnownTypes.LayerTypeOf(kind);
        string expectedShort = expectedElement.Substring(expectedElement.LastIndexOf('.') + 1);
        string? reserved = Names.Generated.Contains(property.Name) ? "has a name NpasDsl generates in the model class"
            : property.Name == Names.BanksModule ? "is named 'banks', the state-dict entry of the model's parameter banks"
            : property.Name == Names.CombinerModule ? "is named 'combiner', the state-dict entry of the embedding combiner's shared coefficients"
            : inherited.Contains(property.Name) ? $"has the name of a member the model inherits from {property.ContainingType.BaseType?.Name}"
            : null;
        if (reserved is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReservedLayerName, location, property.Name, reserved));

        string? problem = ShapeProblem(property, syntax);
        if (problem is not null)
        {
            string typeText = repeat is not null ? $"ModuleList<{expectedShort}>" : expectedShort;
            // An indexer has no name to keep: the suggestion names the property after its kind. An explicit interface
            // implementation ('IHas.Head') keeps its simple name, which is what a layer property may be called.
            string suggestedName = property.IsIndexer ? kind.ToString() : Names.Identifier(LayerName(property, syntax));
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PropertyNotPartial, location, LayerName(property, syntax), problem, typeText, suggestedName));
        }

        // [Repeat] goes with ModuleList<T>, and T (or the property type) must be the kind's layer type.
        int repeatCount = 0;
        var propertyType = property.Type as INamedTypeSymbol;
        bool isList = propertyType is not null && KnownTypes.FullName(propertyType.OriginalDefinition) == KnownTypes.ModuleList;
        ITypeSymbol? element = isList ? propertyType!.TypeArguments.FirstOrDefault() : property.Type;
        if (repeat is not null)
        {
            var repeatReader = new AttributeReader(repeat, compilation, cancellationToken);
            repeatCount = repeatReader.Positional(0, 0);
            if (!repeatReader.IsBound) return (true, null, null);
            if (repeatCount <= 0 || repeatCount > Limits.MaxRepeat)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerNumbers, repeatReader.PositionalLocation(0), property.Name,
                    string.Format(CultureInfo.InvariantCulture, "[Repeat({0})] must repeat the layer from 1 to {1:N0} times", repeatCount, Limits.MaxRepeat)));
            if (!isList)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RepeatMismatch, repeatReader.Location, property.Name,
                    $"has [Repeat] but its type is '{property.Type.ToDisplayString()}'; declare it as 'ModuleList<{expectedShort}>'"));
        }
        else if (isList)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RepeatMismatch, location, property.Name,
                $"is a ModuleList but has no [Repeat(n)]; declare it as '[Repeat(n)] ModuleList<{expectedShort}>' to hold n layers, or as '{expectedShort}' for one"));
        }
        // The layers of a list are never null: ModuleList<SharedLinear?> would meet the generated ModuleList<SharedLinear> (CS8619).
        bool otherType = element is not null && element.TypeKind != TypeKind.Error && KnownTypes.FullName(element) != expectedElement;
        bool nullableElement = isList && element is { NullableAnnotation: NullableAnnotation.Annotated } && !otherType;
        // Not where NPAS009 already reported the list against [Repeat]: its fix names the right type, and a second one that
        // named only the right list type would contradict it (a ModuleList without [Repeat] stays wrong).
        if ((otherType || nullableElement) && (repeat is null) != isList)
        {
            string expected = isList ? $"ModuleList<{expectedShort}>" : expectedShort;
            // As short as the expected name, unless the short names agree at every depth (a class of the user's with NpasDsl's name).
            string actual = property.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
            var withoutNullability = SymbolDisplayFormat.MinimallyQualifiedFormat.RemoveMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);
            if (otherType && property.Type.ToDisplayString(withoutNullability) == expected)
                actual = property.Type.ToDisplayString();
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WrongPropertyType, location, property.Name, layer.ShortName, expected, actual));
        }

        var model = ReadNumbers(property.Name, kind, layer, diagnostics);
        string? groupName = null;
        int rate = 0;
        var mapping = ShareMapping.Sequential;
        bool isNorm = !kind.HasShareableWeight();
        if (group is not null)
        {
            var groupReader = new AttributeReader(group, compilation, cancellationToken);
            if (!groupReader.IsBound) return (true, null, null);
            groupName = groupReader.Positional<string?>(0, null);
            if (isNorm) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SharingIgnoredOnNorm, groupReader.Location, property.Name, "ShareGroup"));
            else if (string.IsNullOrWhiteSpace(groupName))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSharingOption, groupReader.PositionalLocation(0), property.Name, "the group name is empty; name the group, for example [ShareGroup(\"body\")]"));
            else if (Names.GroupNameProblem(groupName!, compilation) is { } nameProblem)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSharingOption, groupReader.PositionalLocation(0), property.Name, nameProblem));
            else
                (rate, mapping) = ReadExactSharing(property.Name, groupReader, repeat is null ? (int?)null : repeatCount, diagnostics);
            if (noShare is not null && !isNorm)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSharingOption, groupReader.Location, property.Name,
                    "[NoShare] gives the layer its own weight and [ShareGroup] puts it in a bank; keep one of them"));
            if (isNorm) groupName = null;
        }
        if (noShare is not null && isNorm)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SharingIgnoredOnNorm, new AttributeReader(noShare, compilation, cancellationToken).Location, property.Name, "NoShare"));

        bool hasErrors = diagnostics.Skip(errorsBefore).Any(d => DiagnosticDescriptors.ById[d.Id].DefaultSeverity == DiagnosticSeverity.Error);
        if (hasErrors || model is null) return (true, null, null);

        var layerModel = model with
        {
            Repeat = repeatCount,
            NoShare = noShare is not null && !isNorm,
            Group = groupName,
            ShareRate = rate,
            Mapping = mapping,
        };
        // The backing field's name is chosen once every layer is read (ReadLayers), among the names the class leaves free.
        return (true, layerModel, new LayerDeclaration(ModifiersOf(syntax!), ModelParser.DisplayType(property.Type), Names.Identifier(property.Name), FieldName: ""));
    }

    /// <summary>Reads SPIN's <c>Rate</c> and <c>Mapping</c> of a <c>[ShareGroup]</c>, checking them against the repeat count.</summary>
    private static (int Rate, ShareMapping Mapping) ReadExactSharing(string property, AttributeReader group, int? repeatCount, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        int rate = group.Named("Rate", 0);
        var mapping = (ShareMapping)group.Named("Mapping", (int)ShareMapping.Sequential);
        void Problem(string argument, string text) => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSharingOption, group.NamedLocation(argument), property, text));

        bool mappingDefined = System.Enum.IsDefined(typeof(ShareMapping), mapping);
        if (!mappingDefined)
            Problem("Mapping", string.Format(CultureInfo.InvariantCulture, "Mapping {0} is not a ShareMapping; use ShareMapping.Sequential or ShareMapping.Strided", (int)mapping));
        if (!group.HasNamed("Rate"))
        {
            // One problem per argument: an undefined Mapping is reported above, and its fix comes first.
            if (group.HasNamed("Mapping") && mappingDefined) Problem("Mapping", "Mapping says how repeats share weights at a Rate, but there is no Rate; add Rate = r");
            return (0, ShareMapping.Sequential);
        }
        if (rate < 1) Problem("Rate", string.Format(CultureInfo.InvariantCulture, "Rate = {0} must be at least 1 (r repeats share one weight set)", rate));
        else if (repeatCount is null) Problem("Rate", "Rate shares weights between the repeats of a [Repeat(n)] list, but this layer has no [Repeat]; add [Repeat(n)] or remove Rate");
        // A repeat count out of range has been reported already; listing its divisors could take billions of steps.
        else if (repeatCount > 0 && repeatCount <= Limits.MaxRepeat && repeatCount % rate != 0)
        {
            var divisors = Divisors(repeatCount.Value).Select(d => d.ToString(CultureInfo.InvariantCulture));
            Problem("Rate", string.Format(CultureInfo.InvariantCulture, "Rate = {0} does not divide Repeat({1}); use one of {2}", rate, repeatCount, string.Join(", ", divisors)));
        }
        return (rate, mapping);
    }

    /// <summary>The divisors of <paramref name="n"/> in ascending order, found in √n steps.</summary>
    private static IEnumerable<int> Divisors(int n)
    {
        var small = new List<int>();
        var large = new List<int>();
        for (int d = 1; (long)d * d <= n; d++)
        {
            if (n % d != 0) continue;
            small.Add(d);
            if (d != n / d) large.Add(n / d);
        }
        large.Reverse();
        return small.Concat(large);
    }

    /// <summary>Reads and checks the attribute's numbers; returns null after reporting what is impossible.</summary>
    private static LayerModel? ReadNumbers(string name, LayerKind kind, AttributeReader attribute, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        bool ok = true;
        void Require(bool condition, Location? at, string problem)
        {
            if (condition) return;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerNumbers, at, name, problem));
            ok = false;
        }
        void Positive(int index, string what)
        {
            int value = attribute.Positional(index, 0);
            Require(value > 0, attribute.PositionalLocation(index), string.Format(CultureInfo.InvariantCulture, "{0} is {1} but must be at least 1", what, value));
        }

        int a = attribute.Positional(0, 0), b = attribute.Positional(1, 0);
        int kh = 1, kw = 1, stride = 1, padding = 0, dilation = 1, groups = 1;
        bool bias = attribute.Named("Bias", true);
        switch (kind)
        {
            case LayerKind.Linear:
                Positive(0, "in features"); Positive(1, "out features");
                break;
            case LayerKind.Embedding:
                Positive(0, "the row count"); Positive(1, "the dimension");
                bias = false;
                break;
            case LayerKind.BatchNorm2d:
            case LayerKind.LayerNorm:
                Positive(0, "the feature count");
                b = a;
                bias = false;
                break;
            default:
                Positive(0, "in channels"); Positive(1, "out channels");
                kh = attribute.Positional(2, 0);
                kw = kind == LayerKind.Conv2d ? attribute.Positional(attribute.PositionalCount > 3 ? 3 : 2, 0) : 1;
                Positive(2, kind == LayerKind.Conv2d && attribute.PositionalCount > 3 ? "the kernel height" : "the kernel size");
                if (kind == LayerKind.Conv2d && attribute.PositionalCount > 3) Positive(3, "the kernel width");
                stride = attribute.Named("Stride", 1);
                padding = attribute.Named("Padding", 0);
                dilation = attribute.Named("Dilation", 1);
                groups = attribute.Named("Groups", 1);
                Require(stride >= 1, attribute.NamedLocation("Stride"), string.Format(CultureInfo.InvariantCulture, "Stride is {0} but must be at least 1", stride));
                Require(padding >= 0, attribute.NamedLocation("Padding"), string.Format(CultureInfo.InvariantCulture, "Padding is {0} but must not be negative", padding));
                Require(dilation >= 1, attribute.NamedLocation("Dilation"), string.Format(CultureInfo.InvariantCulture, "Dilation is {0} but must be at least 1", dilation));
                Require(groups >= 1 && (a <= 0 || b <= 0 || a % groups == 0 && b % groups == 0), // channel counts below 1 are reported above
                     attribute.NamedLocation("Groups"),
                    string.Format(CultureInfo.InvariantCulture, "Groups = {0} must be at least 1 and divide both in channels ({1}) and out channels ({2})", groups, a, b));
                break;
        }
        if (!ok) return null;
        double elements = kind.HasShareableWeight() ? (double)a * b / groups * kh * kw : 2.0 * a;
        Require(elements <= Limits.MaxLayerElements, attribute.Location, string.Format(CultureInfo.InvariantCulture,
            "the weight would have {0:N0} elements, more than the {1:N0} NpasDsl supports in one layer; use smaller sizes", elements, Limits.MaxLayerElements));
        if (!ok) return null;
        return new LayerModel(name, kind, a, b, kh, kw, stride, padding, dilation, groups, bias, 0, false, null, 0, ShareMapping.Sequential);
    }
}
