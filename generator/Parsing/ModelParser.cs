using System;
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

/// <summary>
/// Reads one <c>[SharedBudget]</c> class into a <see cref="ModelSpec"/> and its diagnostics. Never throws on
/// half-typed code: whatever the compiler could not bind is left to the compiler's own errors.
/// </summary>
internal static class ModelParser
{
    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration || context.Attributes.IsEmpty)
            return ParseResult.Nothing(EquatableArray<DiagnosticInfo>.Empty);

        // A class without a name yet ('partial class : NpasModule' while typing) gets nothing: the compiler's CS1001 says it all.
        // So does a class in a namespace or containing type without a name yet ('namespace Demo.' while typing 'Demo.Models',
        // 'partial class { ... }'): the generated part could not name it, and would land in another namespace (or not parse),
        // with a dozen errors in the generated file.
        if (declaration.Identifier.IsMissing || type.Name.Length == 0 || HasUnnamedContainer(type)) return ParseResult.Nothing(EquatableArray<DiagnosticInfo>.Empty);

        // [SharedBudget] on two partial declarations is a compiler error (CS0579); read the class only once.
        if (!IsFirstAttributedDeclaration(type, declaration, cancellationToken)) return ParseResult.Nothing(EquatableArray<DiagnosticInfo>.Empty);

        // A record class may carry [SharedBudget] (its AttributeUsage is Class), but a record derives only from object or
        // another record (CS8864), never from NpasModule; without this the user would see one CS9248 per layer and no reason.
        if (declaration is not ClassDeclarationSyntax syntax)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClassShape, declaration.Identifier.GetLocation(), type.Name,
                "is a record, but a record can only derive from object or another record, not from NpasModule; declare it as 'partial class " + Names.Identifier(type.Name) + " : NpasModule'"));
            return ParseResult.Nothing(diagnostics.ToEquatableArray());
        }

        // Partial properties are C# 13: below it the compiler rejects every layer (CS8703), and a generated part would
        // repeat that error inside its file. One error that names the setting instead, and no generated part.
        if (syntax.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: < LanguageVersion.CSharp13 } tooOld)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LanguageVersionTooLow, syntax.Identifier.GetLocation(), type.Name,
                tooOld.LanguageVersion.ToDisplayString()));
            return ParseResult.Nothing(diagnostics.ToEquatableArray());
        }

        // A static class holds no instance layers: one error that says why, not one per rule its members then break.
        if (type.IsStatic)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClassShape, syntax.Identifier.GetLocation(), type.Name,
                $"is static, but a model is an object built with 'new {type.Name}(options)'; remove 'static' and derive it from NpasModule"));
            return ParseResult.Nothing(diagnostics.ToEquatableArray());
        }

        bool canGenerate = CheckClass(type, syntax, context.SemanticModel.Compilation, diagnostics, out bool takesParts, out bool takesModelMembers, out bool takesConstructor);
        var budget = ReadBudget(type.Name, new AttributeReader(context.Attributes[0], context.SemanticModel.Compilation, cancellationToken), diagnostics, out var budgetLocation);
        var sharing = ReadSharing(type, context.SemanticModel.Compilation, diagnostics, cancellationToken);
        var layers = LayerParser.ReadLayers(type, context.SemanticModel.Compilation, diagnostics, cancellationToken, out bool layersValid, out var shareGroups, out var declarations);
        if (layersValid && layers.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, syntax.Identifier.GetLocation(), type.Name));
            layersValid = false;
        }

        // The budget is planned in a step of its own (BudgetChecker), which reruns only when the model changes; the class
        // gets its placeholder from there if the budget cannot be met. Every other class without model code still gets its
        // layer properties implemented (throwing), so the NPAS diagnostics are not buried under one CS9248 per layer: a
        // sound class whose attributes have errors with the model's members too, any other class that can take a generated
        // part (partial, not generic) with the properties alone.
        // (A class that can be a model takes both: canGenerate implies takesModelMembers, which implies takesParts.)
        if (canGenerate && budget is not null && sharing is not null && layersValid)
        {
            var model = new ModelSpec(
                Namespace: type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                ContainingTypes: ContainingTypes(type).Select(Names.ContainerDeclaration).ToEquatableArray(),
                ClassName: type.Name,
                ClassIdentifier: Names.TypeIdentifier(type.Name),
                FullName: FullName(type),
                Network: new NetworkModel(type.Name, budget, sharing, layers.ToEquatableArray()),
                Declarations: declarations.ToEquatableArray());
            var anchors = new ModelAnchors(model.FullName, LocationInfo.From(budgetLocation), LocationInfo.From(syntax.Identifier.GetLocation()), shareGroups);
            return new ParseResult(model, null, diagnostics.ToEquatableArray(), anchors);
        }
        var placeholder = takesParts ? Placeholder(type, context.SemanticModel.Compilation, withModelMembers: takesModelMembers, withConstructor: takesConstructor, cancellationToken) : null;
        return new ParseResult(null, placeholder, diagnostics.ToEquatableArray(), null);
    }

    private static PlaceholderSpec? Placeholder(INamedTypeSymbol type, Compilation compilation, bool withModelMembers, bool withConstructor, CancellationToken cancellationToken)
    {
        var properties = new List<PlaceholderProperty>();
        var repeated = LayerParser.RepeatedNames(type);
        // A layer named like a generated member (NPAS016) would clash with it inside the generated file (CS0102): leave the
        // model members out, so that NPAS016 is the one error the user reads. The constructor clashes with none of them.
        if (LayerParser.SourceProperties(type).Any(p => Names.Generated.Contains(p.Name))) withModelMembers = false;
        foreach (var property in LayerParser.SourceProperties(type))
        {
            // Only what the generator would have implemented: an unimplemented partial getter-only layer property whose type binds.
            // (a property NPAS015 or NPAS024 reports, with no layer attribute, too: else its CS9248 stays beside them).
            if (!property.GetAttributes().Any(LayerParser.IsLayerOrSharingAttribute)
                && LayerParser.UnimplementedWithoutLayer(property, compilation, cancellationToken) is null) continue;
            // A pointer type needs an unsafe context the generated part does not have (a class's 'unsafe' does not carry over).
            if (property.GetMethod is null || KnownTypes.HasErrors(property.Type) || KnownTypes.HasPointers(property.Type)
                || LayerParser.DeclarationRejected(property, compilation, cancellationToken)) continue;
            if (repeated.Contains(property.Name)) continue; // two parts of one name would repeat the compiler's CS0102 in the generated file
            var syntax = property.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<BasePropertyDeclarationSyntax>().FirstOrDefault();
            if (syntax is PropertyDeclarationSyntax { Identifier.IsMissing: true } || LayerParser.ImplementationProblem(property, syntax) is not null
                || syntax is PropertyDeclarationSyntax { ExpressionBody: not null } or IndexerDeclarationSyntax { ExpressionBody: not null }
                || syntax!.AccessorList?.Accessors.Any(a => a.Body is not null || a.ExpressionBody is not null) == true) continue;
            // A type the compiler rejects as written (ModuleList<int>: CS0315) would be rejected again inside the generated file.
            if (TypeHasErrors(syntax!, compilation, cancellationToken)) continue;
            // An indexer (NPAS008: a layer needs a name) is implemented too, so that the NPAS008 stands alone.
            string? identifier = property.IsIndexer ? IndexerSignature(property) : Names.Identifier(property.Name);
            if (identifier is null) continue;
            properties.Add(new PlaceholderProperty(LayerParser.ModifiersOf(syntax), DisplayType(property.Type), identifier));
        }
        // Without layers to implement, the model's members alone still spare the user CS7036 and CS0759 (an OnCreated of theirs).
        if (properties.Count == 0 && !withModelMembers && !withConstructor) return null;
        return new PlaceholderSpec(
            Namespace: type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
            ContainingTypes: ContainingTypes(type).Select(Names.ContainerDeclaration).ToEquatableArray(),
            ClassName: type.Name,
            ClassIdentifier: Names.TypeIdentifier(type.Name),
            FullName: FullName(type),
            Properties: properties.ToEquatableArray(),
            WithModelMembers: withModelMembers,
            WithConstructor: withConstructor);
    }

    /// <summary>
    /// Whether the compiler rejects the property's declared type or name (a constraint the type breaks, CS0315, is reported
    /// on the name), apart from the missing implementation part (CS9248) that the placeholder is there to give.
    /// </summary>
    private static bool TypeHasErrors(BasePropertyDeclarationSyntax syntax, Compilation compilation, CancellationToken cancellationToken)
    {
        int end = syntax is PropertyDeclarationSyntax property ? property.Identifier.Span.End : syntax is IndexerDeclarationSyntax indexer ? indexer.ParameterList.Span.End : syntax.Type.Span.End;
        var span = Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(syntax.Type.SpanStart, end);
        return compilation.GetSemanticModel(syntax.SyntaxTree).GetDeclarationDiagnostics(span, cancellationToken)
            .Any(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS9248");
    }

    /// <summary>
    /// <c>this[int index, ...]</c> as the indexer's implementation part must repeat it, or null for parameters whose
    /// modifiers or defaults a second part cannot simply repeat (the compiler then asks for the part, CS9248).
    /// </summary>
    private static string? IndexerSignature(IPropertySymbol indexer)
    {
        // Half-typed ('this[] { get; }', 'this[int] { get; }'): the parser's error would be repeated in the generated part.
        if (indexer.Parameters.Length == 0
            || indexer.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is IndexerDeclarationSyntax { ParameterList.ContainsDiagnostics: true }))
            return null;
        var parameters = new List<string>();
        foreach (var parameter in indexer.Parameters)
        {
            if (parameter.Name.Length == 0 || parameter.RefKind != RefKind.None || parameter.HasExplicitDefaultValue || parameter.ScopedKind != ScopedKind.None
                || KnownTypes.HasErrors(parameter.Type) || KnownTypes.HasPointers(parameter.Type)) return null;
            parameters.Add((parameter.IsParams ? "params " : "") + DisplayType(parameter.Type) + " " + Names.Identifier(parameter.Name));
        }
        return "this[" + string.Join(", ", parameters) + "]";
    }

    /// <summary>
    /// Reports what about the class itself keeps NpasDsl from generating its model; returns whether nothing does.
    /// <paramref name="takesParts"/> says whether it can take a generated part at all (partial, in partial containers,
    /// not generic, not file-local), even where it cannot be a model; <paramref name="takesModelMembers"/> whether that part
    /// may hold the model's constructor, <c>Declaration</c> and <c>OnCreated</c> too (an abstract model: without them its
    /// layers would leave the compiler asking for a constructor, CS7036); <paramref name="takesConstructor"/> whether it may
    /// hold the constructor at least (also where a member of the user's is named like <c>Declaration</c> or <c>OnCreated</c>).
    /// </summary>
    private static bool CheckClass(INamedTypeSymbol type, ClassDeclarationSyntax syntax, Compilation compilation, ImmutableArray<DiagnosticInfo>.Builder diagnostics,
        out bool takesParts, out bool takesModelMembers, out bool takesConstructor)
    {
        takesModelMembers = false;
        takesConstructor = false;
        bool ok = true;
        var location = syntax.Identifier.GetLocation();
        // Where another declaration of the class is partial, the compiler asks for 'partial' on this one itself (CS0260),
        // and the class takes a generated part as it is: the compiler's error is the one to fix, not a second one of ours.
        if (!type.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword)))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNotPartial, location, type.Name, ""));
            ok = false;
        }
        foreach (var container in ContainingTypes(type))
        {
            bool partial = container.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!partial)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNotPartial, location, type.Name, $" (its containing type '{container.Name}' must be partial too)"));
                ok = false;
            }
        }
        if (type.IsGenericType || ContainingTypes(type).Any(c => c.IsGenericType))
        {
            // A class nested in a generic type has no type parameters of its own (IsGenericType counts its containers'): say which type has them.
            string what = type.Arity > 0 ? "is generic"
                : "is nested in the generic type '" + ContainingTypes(type).Last(c => c.Arity > 0).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "'";
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericModel, location, type.Name, what));
            ok = false;
        }
        void Unsupported(string problem)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClassShape, location, type.Name, problem));
            ok = false;
        }
        if (type.IsFileLocal) Unsupported("is a file-local class, but its generated part lives in another file; remove the 'file' modifier");
        else if (ContainingTypes(type).FirstOrDefault(t => t.IsFileLocal) is { } fileLocal)
            Unsupported($"is nested in the file-local class '{fileLocal.Name}', but its generated part lives in another file; remove the 'file' modifier from '{fileLocal.Name}'");
        takesParts = ok; // the checks so far are those a generated part of any kind needs; the rest are the model's
        bool isAbstract = type.IsAbstract; // reported apart: the model's members still fit an abstract class (static classes never get here)
        if (isAbstract)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClassShape, location, type.Name,
                $"is abstract, but a model is built with 'new {type.Name}(options)' and no class may derive from it; remove 'abstract'"));
        // A class on another base (NPAS002 below) needs its own constructor for that base until it derives from NpasModule,
        // so "remove it" would be wrong advice there; the constructor is reported once the base is right.
        bool onNpasModule = type.BaseType is not { TypeKind: TypeKind.Error } && KnownTypes.DerivesFrom(type, KnownTypes.NpasModule);
        if (onNpasModule && syntax.ParameterList is not null) Unsupported("has a primary constructor, but NpasDsl generates the constructor; remove the parameter list and use OnCreated for your own set-up");
        if (onNpasModule && type.InstanceConstructors.Any(c => !c.IsImplicitlyDeclared && c.DeclaringSyntaxReferences.All(r => r.GetSyntax() is ConstructorDeclarationSyntax)))
            Unsupported("declares a constructor, but NpasDsl generates it (new " + type.Name + "(NpasOptions? options = null)); remove it and put your own set-up in 'partial void OnCreated()'");
        bool derivesFromModel = false;
        for (var ancestor = type.BaseType; ancestor is not null; ancestor = ancestor.BaseType)
            if (ancestor.GetAttributes().Any(a => KnownTypes.IsAttribute(a, KnownTypes.SharedBudgetAttribute)))
            {
                Unsupported($"derives from the model '{ancestor.Name}', which has its own budget and layers; derive every model directly from NpasModule");
                derivesFromModel = true;
                break;
            }
        // A member named like Declaration or OnCreated keeps those two out of a placeholder, but not its constructor.
        bool nameClash = false;
        foreach (var problem in GeneratedNameClashes(type))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClassShape, location, type.Name, problem));
            nameClash = true;
        }
        if (type.BaseType is { TypeKind: TypeKind.Error }) return false; // the compiler reports the missing base type
        if (!onNpasModule)
        {
            // A base the compiler refused (sealed, static, a cycle: CS0509, CS0709, CS0146) leaves 'object' as the base
            // type; name the base as written, and say nothing where it is an NpasModule: the compiler's error is the one to fix.
            var written = WrittenBaseClass(type, compilation);
            if (written is not null && KnownTypes.DerivesFrom(written, KnownTypes.NpasModule)) return false;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotAnNpasModule, location, type.Name, (written ?? type.BaseType)?.ToDisplayString() ?? "object"));
            ok = false;
        }
        else if (!derivesFromModel && type.BaseType is { } direct && KnownTypes.FullName(direct) != KnownTypes.NpasModule)
        {
            if (BaseConstructorProblem(direct, type, compilation) is { } problem)
                Unsupported($"derives from NpasModule through '{direct.Name}', {problem}, or derive directly from NpasModule");
            foreach (var inherited in InheritedNameClashes(direct)) Unsupported(inherited);
        }
        takesModelMembers = ok && !nameClash;
        takesConstructor = ok;
        return ok && !nameClash && !isAbstract;
    }

    /// <summary>The class the declaration's base list names, where the compiler did not make it the base type; else null.</summary>
    private static INamedTypeSymbol? WrittenBaseClass(INamedTypeSymbol type, Compilation compilation)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is not ClassDeclarationSyntax { BaseList.Types: { Count: > 0 } types } declaration) continue;
            var written = compilation.GetSemanticModel(declaration.SyntaxTree).GetTypeInfo(types[0].Type).Type as INamedTypeSymbol;
            if (written is { TypeKind: TypeKind.Class } && !SymbolEqualityComparer.Default.Equals(written, type.BaseType)) return written;
        }
        return null;
    }

    /// <summary>
    /// Members of the user's own that collide with what the generated part declares (<see cref="Names.Generated"/>): the
    /// compiler would report them inside the generated file (CS0102, CS0111), far from the cause. A layer property with
    /// such a name is NPAS016; the one member a user may write is the implementation <c>partial void OnCreated()</c>.
    /// </summary>
    private static IEnumerable<string> GeneratedNameClashes(INamedTypeSymbol type)
    {
        // A member may not have its class's name (CS0542): a model named like a generated member would get that error inside the generated file.
        if (Names.Generated.Contains(type.Name))
            yield return $"is named '{type.Name}', like a member the generated part declares in it (the model's declared network or its creation hook), " +
                "but a member cannot have its class's name (CS0542); rename the class";
        foreach (var member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || !Names.Generated.Contains(member.Name)) continue;
            if (member is IPropertySymbol property && property.GetAttributes().Any(a => KnownTypes.LayerKindOf(a.AttributeClass) is not null)) continue;
            if (member.Name == "OnCreated")
            {
                if (member is IMethodSymbol { Parameters.Length: > 0 }) continue; // an overload, no clash
                // The generated part declares 'partial void OnCreated();': the user's part must be its implementation, with
                // a body, no access modifier (both parts must agree, CS8799) and not static (CS0763).
                var declarations = member.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<MethodDeclarationSyntax>().ToList();
                bool implementation = member is IMethodSymbol { ReturnsVoid: true, IsStatic: false } && declarations.Count > 0
                    && declarations.All(m => m.Modifiers.Any(SyntaxKind.PartialKeyword) && (m.Body is not null || m.ExpressionBody is not null)
                        && !m.Modifiers.Any(k => k.IsKind(SyntaxKind.PublicKeyword) || k.IsKind(SyntaxKind.PrivateKeyword) || k.IsKind(SyntaxKind.ProtectedKeyword) || k.IsKind(SyntaxKind.InternalKeyword)));
                if (!implementation)
                    yield return "declares 'OnCreated', which the generated constructor calls as 'partial void OnCreated()'; write it as 'partial void OnCreated() { ... }' " +
                        "(with a body, no access modifier, not static, no parameters), or rename it";
            }
            else
                yield return $"declares a member named '{member.Name}', which the generated part declares too (the model's declared network); rename it";
        }
    }

    private static BudgetModel? ReadBudget(string className, AttributeReader attribute, ImmutableArray<DiagnosticInfo>.Builder diagnostics, out Location? location)
    {
        location = attribute.Location;
        if (!attribute.IsBound) return null;
        bool hasFraction = attribute.PositionalCount == 1;
        bool hasParameters = attribute.HasNamed(nameof(SharedBudgetAttribute.Parameters));
        if (hasFraction == hasParameters)
        {
            string problem = hasFraction ? "gives both a fraction and Parameters" : "has [SharedBudget] without a budget";
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AmbiguousBudget, attribute.Location, className, problem));
            return null;
        }

        var model = hasFraction
            ? new BudgetModel(true, attribute.Positional(0, double.NaN), 0)
            : new BudgetModel(false, double.NaN, attribute.Named(nameof(SharedBudgetAttribute.Parameters), 0L));
        location = hasFraction ? attribute.PositionalLocation(0) : attribute.NamedLocation(nameof(SharedBudgetAttribute.Parameters));
        var spec = model.IsFraction ? BudgetSpec.Fraction(model.Fraction) : BudgetSpec.Parameters(model.Parameters);
        if (spec.Validate() is { } problemText)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBudget, location, className, problemText));
            return null;
        }
        return model;
    }

    private static SharingModel? ReadSharing(INamedTypeSymbol type, Compilation compilation, ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken cancellationToken)
    {
        var data = KnownTypes.AttributeOf(type, KnownTypes.SharingAttribute);
        var defaults = SharingSpec.Default;
        if (data is null) return new SharingModel(defaults.Strategy, defaults.Combiner, defaults.Upsampler, defaults.MaxTemplates, defaults.Seed, defaults.BankSplit, defaults.CoefficientSharing, defaults.MaskPeriod);

        var attribute = new AttributeReader(data, compilation, cancellationToken);
        if (!attribute.IsBound) return null;
        bool ok = true;
        var strategy = (GroupStrategy)attribute.Named("Strategy", (int)defaults.Strategy);
        var combiner = (Combiner)attribute.Named("Combiner", (int)defaults.Combiner);
        var upsampler = (Upsampler)attribute.Named("Upsampler", (int)defaults.Upsampler);
        int maxTemplates = attribute.Named("MaxTemplates", defaults.MaxTemplates);
        long seed = attribute.Named("Seed", defaults.Seed);
        var bankSplit = (BankSplit)attribute.Named("BankSplit", (int)defaults.BankSplit);
        var coefficientSharing = (CoefficientSharing)attribute.Named("CoefficientSharing", (int)defaults.CoefficientSharing);
        int maskPeriod = attribute.Named("MaskPeriod", defaults.MaskPeriod);

        void Check(bool valid, string name, string problem)
        {
            if (valid) return;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSharingOption, attribute.NamedLocation(name), type.Name, problem));
            ok = false;
        }
        // One set of rules for the attribute and for options given at start-up (SharingSpec.Problems).
        foreach (var (option, problem) in new SharingSpec(strategy, combiner, upsampler, maxTemplates, seed, bankSplit: bankSplit, coefficientSharing: coefficientSharing, maskPeriod: maskPeriod).Problems())
            Check(false, option, problem);
        // An option the other options make moot is ignored without a word otherwise: the user believes it is in effect.
        void Ineffective(string name, string problem)
        {
            if (attribute.HasNamed(name))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.IneffectiveSharingOption, attribute.NamedLocation(name), type.Name, problem));
        }
        if (ok && !SharingSpec.MaskPeriodMatters(upsampler))
            Ineffective("MaskPeriod", $"MaskPeriod sets the period of the Mask upsampler's copy masks, but the upsampler is {upsampler}, so it has no effect; set Upsampler = Upsampler.Mask, or remove MaskPeriod");
        if (ok && !SharingSpec.MaxTemplatesMatters(combiner))
            Ineffective("MaxTemplates", "MaxTemplates caps how many templates a layer combines, but Combiner.RoundRobin reads one template per layer, so it has no effect; choose Combiner.WeightedAverage to combine several, or remove MaxTemplates");
        return ok ? new SharingModel(strategy, combiner, upsampler, maxTemplates, seed, bankSplit, coefficientSharing, maskPeriod) : null;
    }

    private static bool IsFirstAttributedDeclaration(INamedTypeSymbol type, TypeDeclarationSyntax syntax, CancellationToken cancellationToken)
    {
        var first = type.GetAttributes()
            .Where(a => KnownTypes.IsAttribute(a, KnownTypes.SharedBudgetAttribute))
            .Select(a => a.ApplicationSyntaxReference?.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>())
            .Where(c => c is not null)
            .OrderBy(c => c!.SyntaxTree.FilePath, System.StringComparer.Ordinal)
            .ThenBy(c => c!.SpanStart)
            .FirstOrDefault();
        return first is null || first == syntax;
    }

    /// <summary>
    /// Why the generated constructor's <c>base(Declaration, options)</c> might not bind, warning-free, to a constructor of
    /// <paramref name="baseType"/> that takes a NetworkSpec and an NpasOptions that may be null (the generated
    /// <c>options</c> is nullable), or null where it will. C#'s overload resolution has many tie-breakers; rather than
    /// replay them, the generator accepts the two cases whose winner is certain and refuses the rest, naming the fix: a
    /// constructor taking exactly (NetworkSpec, NpasOptions) by value, which is better than any other candidate (identity
    /// conversions, no defaults, no params expansion, no <c>in</c>), or a single applicable constructor. Every accessible
    /// constructor the call could bind to counts, not only the ones that fit: they are what would make the call
    /// ambiguous. Priorities (<c>[OverloadResolutionPriority]</c>), varargs and parameters of types that do not bind yet
    /// make the choice uncertain; a winner marked obsolete or experimental, or whose options refuse null, would warn.
    /// </summary>
    private static string? BaseConstructorProblem(INamedTypeSymbol baseType, INamedTypeSymbol model, Compilation compilation)
    {
        string name = baseType.Name;
        string wanted = $"'protected {name}(NetworkSpec declaration, NpasOptions? options) : base(declaration, options)'";
        string uncertain = $"whose constructors the generated one cannot call as base(Declaration, options) with certainty; give '{name}' a constructor {wanted}";
        if (compilation.GetTypeByMetadataName(KnownTypes.NetworkSpec) is not { } spec || compilation.GetTypeByMetadataName(KnownTypes.NpasOptions) is not { } options)
            return uncertain;
        var accessible = baseType.InstanceConstructors.Where(c => compilation.IsSymbolAccessibleWithin(c, model)).ToList();
        if (accessible.Any(c => c.IsVararg || c.Parameters.Any(p => p.Type.TypeKind == TypeKind.Error)
                || c.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.Runtime.CompilerServices.OverloadResolutionPriorityAttribute")))
            return uncertain;
        var applicable = accessible.Where(c => IsApplicable(c, spec, options, compilation)).ToList();
        var exact = applicable.Where(c => c.Parameters.Length == 2 && c.Parameters.All(p => p.RefKind == RefKind.None && !p.IsParams) && TakesSpecAndOptions(c, spec, options)).ToList();
        var chosen = exact.Count == 1 ? exact[0] : applicable.Count == 1 ? applicable[0] : null;
        if (chosen is null || !TakesSpecAndOptions(chosen, spec, options) || !chosen.Parameters.Take(2).All(p => p.RefKind is RefKind.None or RefKind.In))
            return uncertain;
        var optionsParameter = chosen.Parameters[1];
        if (optionsParameter.NullableAnnotation == NullableAnnotation.NotAnnotated
            || optionsParameter.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.Diagnostics.CodeAnalysis.DisallowNullAttribute"))
            return $"whose constructor '{chosen.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)}' refuses a null NpasOptions, which the generated one passes (CS8604); " +
                $"declare its options parameter as 'NpasOptions? options'";
        if (chosen.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() is "System.ObsoleteAttribute" or "System.Diagnostics.CodeAnalysis.ExperimentalAttribute") is { } marked)
            return $"whose constructor '{chosen.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)}' is marked [{marked.AttributeClass!.Name.Replace("Attribute", "")}], so the generated call would warn or fail; " +
                $"give '{name}' a constructor {wanted} without it";
        return null;
    }

    /// <summary>
    /// Members of the base classes between the model and NpasModule named like what the generated part declares: the
    /// generated member would hide them (CS0108, a warning in generated code). Private ones are not inherited and do not clash.
    /// </summary>
    private static IEnumerable<string> InheritedNameClashes(INamedTypeSymbol direct)
    {
        for (var type = direct; type is not null && KnownTypes.FullName(type) != KnownTypes.NpasModule; type = type.BaseType)
            foreach (var member in type.GetMembers())
                if (!member.IsImplicitlyDeclared && member.DeclaredAccessibility != Accessibility.Private && Names.Generated.Contains(member.Name)
                    && !(member.Name == "OnCreated" && member is IMethodSymbol { Parameters.Length: > 0 })) // an overload, no clash
                    yield return $"inherits a member named '{member.Name}' from '{type.Name}', which the generated part declares too (the model's declared network or its creation hook); rename it in '{type.Name}'";
    }

    private static bool TakesSpecAndOptions(IMethodSymbol constructor, ITypeSymbol spec, ITypeSymbol options)
        => constructor.Parameters.Length >= 2
           && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, spec)
           && SymbolEqualityComparer.Default.Equals(constructor.Parameters[1].Type, options);

    /// <summary>Whether a call with a NetworkSpec and an NpasOptions could bind to <paramref name="constructor"/>, in its normal or its expanded (params) form.</summary>
    private static bool IsApplicable(IMethodSymbol constructor, ITypeSymbol spec, ITypeSymbol options, Compilation compilation)
    {
        var parameters = constructor.Parameters;
        if (parameters.Any(p => p.RefKind is RefKind.Ref or RefKind.Out)) return false;
        ITypeSymbol[] arguments = { spec, options };
        bool Converts(ITypeSymbol argument, ITypeSymbol parameter) => compilation.ClassifyConversion(argument, parameter).IsImplicit;

        bool normal = parameters.Length >= 2 && Converts(spec, parameters[0].Type) && Converts(options, parameters[1].Type) && parameters.Skip(2).All(p => p.IsOptional);
        if (normal || parameters.Length == 0 || !parameters[parameters.Length - 1].IsParams) return normal;

        int fixedCount = parameters.Length - 1;
        var collection = parameters[fixedCount].Type;
        for (int i = 0; i < arguments.Length; i++)
        {
            bool fits = i < fixedCount
                ? Converts(arguments[i], parameters[i].Type)
                : collection is not IArrayTypeSymbol array || Converts(arguments[i], array.ElementType); // a params collection (C# 13): counted, to be safe
            if (!fits) return false;
        }
        return parameters.Skip(2).Take(Math.Max(0, fixedCount - 2)).All(p => p.IsOptional);
    }

    /// <summary>Whether a namespace or type around <paramref name="type"/> has no name yet (the parser's missing identifier).</summary>
    private static bool HasUnnamedContainer(INamedTypeSymbol type)
    {
        for (var container = type.ContainingType; container is not null; container = container.ContainingType)
            if (container.Name.Length == 0) return true;
        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            if (ns.Name.Length == 0) return true;
        return false;
    }

    private static IEnumerable<INamedTypeSymbol> ContainingTypes(INamedTypeSymbol type)
    {
        var chain = new List<INamedTypeSymbol>();
        for (var current = type.ContainingType; current is not null; current = current.ContainingType) chain.Insert(0, current);
        return chain;
    }

    /// <summary>
    /// The model's full name as the generated file is named after it (<see cref="Emitting.HintNames"/>): namespace, then
    /// containing types and name joined by '+' as in reflection's names, without <c>@</c>. A '.' there would give class Net
    /// in class Outer of namespace Demo the file name of class Net in namespace Demo.Outer, a clash (CS0101 while a user
    /// moves a class) that would make Roslyn drop the code of every model in the project.
    /// </summary>
    internal static string FullName(INamedTypeSymbol type)
    {
        var types = string.Join("+", ContainingTypes(type).Select(t => t.Name).Append(type.Name));
        var name = type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + types : types;
        return name.Replace("@", "");
    }

    internal static string DisplayType(ITypeSymbol type) => type.ToDisplayString(TypeFormat);
}
