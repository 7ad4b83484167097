using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using NpasDsl.Generator.Budget;
using NpasDsl.Generator.Diagnostics;
using NpasDsl.Generator.Emitting;
using NpasDsl.Generator.Model;
using NpasDsl.Generator.Parsing;

namespace NpasDsl.Generator;

/// <summary>
/// The pipeline: find <c>[SharedBudget]</c> classes, parse each into an equatable model plus diagnostics, plan each
/// model's budget, report the diagnostics (with real source locations) and emit one source file per valid model.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NpasGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incremental tests.</summary>
    public static class Steps
    {
        /// <summary>Each class read into a model and diagnostics.</summary>
        public const string Parse = "NpasDsl.Parse";
        /// <summary>The models parsed, before their budget is planned.</summary>
        public const string ParsedModels = "NpasDsl.ParsedModels";
        /// <summary>The network of each parsed model: what its budget is planned from.</summary>
        public const string Networks = "NpasDsl.Networks";
        /// <summary>Each network's budget, planned.</summary>
        public const string Budget = "NpasDsl.Budget";
        /// <summary>Each parsed model with the verdict on its budget.</summary>
        public const string Planned = "NpasDsl.Planned";
        /// <summary>The models that can be emitted.</summary>
        public const string Models = "NpasDsl.Models";
        /// <summary>Placeholders of the classes whose attributes have errors.</summary>
        public const string Placeholders = "NpasDsl.Placeholders";
        /// <summary>Placeholders of the models whose budget cannot be met.</summary>
        public const string BudgetPlaceholders = "NpasDsl.BudgetPlaceholders";
        /// <summary>The full names that clash when case is ignored, so their files get a hash (<see cref="HintNames"/>).</summary>
        public const string HintNameClashes = "NpasDsl.HintNameClashes";
        /// <summary>The diagnostics of each class.</summary>
        public const string Diagnostics = "NpasDsl.Diagnostics";
        /// <summary>The NpasDsl attributes of classes without [SharedBudget] (NPAS026), one diagnostic per class.</summary>
        public const string MissingBudget = "NpasDsl.MissingBudget";
        /// <summary>The budget problems of every model, with where each class's attributes are now.</summary>
        public const string BudgetDiagnostics = "NpasDsl.BudgetDiagnostics";
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownTypes.SharedBudgetAttribute,
                // A record class too, so that it hears why it cannot be a model (ModelParser); a record struct is the compiler's CS0592.
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax
                    or Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax { ClassOrStructKeyword.RawKind: not (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.StructKeyword },
                static (ctx, ct) => ModelParser.Parse(ctx, ct))
            .WithTrackingName(Steps.Parse);

        // Planning costs more than parsing (a bisection plans again and again), so it runs over the equatable network alone:
        // an edit that moves the class's attributes, changes its file elsewhere, or changes only how a layer property is
        // written (its modifiers, its backing field) leaves the network equal and the plan cached. (Each is taken out in a
        // step of its own: a step reruns whenever its input changed, and the parse result changes with the anchors; the
        // network compares equal, so the planning step after it stays cached.)
        var parsedModels = parsed
            .Where(static r => r.Model is not null)
            .Select(static (r, _) => r.Model!)
            .WithTrackingName(Steps.ParsedModels);
        var verdicts = parsedModels
            .Select(static (model, _) => model.Network)
            .WithTrackingName(Steps.Networks)
            .Select(static (network, ct) => BudgetChecker.Check(network, ct))
            .WithTrackingName(Steps.Budget);

        // Each model meets its verdict again by its network (equal networks have equal verdicts). The lookup runs for every
        // model when any of them changes, but it is cheap, and a model whose pair compares equal stays cached downstream.
        var planned = parsedModels
            .Combine(verdicts.Collect())
            .Select(static (pair, ct) => new PlannedModel(pair.Left, VerdictOf(pair.Left.Network, pair.Right, ct)))
            .WithTrackingName(Steps.Planned);

        var models = planned
            .Where(static p => p.Verdict.Feasible)
            .Select(static (p, _) => p.Model)
            .WithTrackingName(Steps.Models);

        // A class whose attributes have errors, or whose budget cannot be met: throwing layer getters, so the NPAS errors stand alone.
        var placeholders = parsed
            .Where(static r => r.Placeholder is not null)
            .Select(static (r, _) => r.Placeholder!)
            .WithTrackingName(Steps.Placeholders);
        var unplannable = planned
            .Where(static p => !p.Verdict.Feasible)
            .Select(static (p, _) => PlaceholderSpec.For(p.Model))
            .WithTrackingName(Steps.BudgetPlaceholders);

        // Full names that differ only in case, over every file this generator writes; unchanged (and cached) until a
        // model is added, removed or renamed, so an edit inside one model re-emits that model alone.
        var clashes = parsed
            .Select(static (r, _) => r.GeneratedFullName)
            .Where(static name => name is not null)
            .Collect()
            .Select(static (names, _) => HintNames.CaseClashes(names!))
            .WithTrackingName(Steps.HintNameClashes);

        context.RegisterSourceOutput(models.Combine(clashes), static (spc, pair) =>
            spc.AddSource(HintNames.For(pair.Left.FullName, pair.Right), SourceText.From(ModelEmitter.Emit(pair.Left), System.Text.Encoding.UTF8)));
        foreach (var standIns in new[] { placeholders, unplannable })
            context.RegisterSourceOutput(standIns.Combine(clashes), static (spc, pair) =>
                spc.AddSource(HintNames.For(pair.Left.FullName, pair.Right), SourceText.From(ModelEmitter.Emit(pair.Left), System.Text.Encoding.UTF8)));

        // Diagnostics are reported against the syntax trees of the compilation, so that #pragma warning
        // disable applies to them; the model branch above never sees the compilation.
        var diagnostics = parsed
            .Select(static (r, _) => r.Diagnostics)
            .Where(static d => d.Count > 0)
            .WithTrackingName(Steps.Diagnostics);
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, pair) =>
        {
            foreach (var info in pair.Left) Report(spc, info, pair.Right);
        });

        // NpasDsl attributes in a class without [SharedBudget]: the pipeline above never sees such a class, which would be
        // left with the compiler's CS9248 per layer and no word of the missing budget (NPAS026, once per class).
        var missingBudget = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownTypes.SharingAttribute,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                static (ctx, ct) => MissingBudgetParser.Find(ctx, ct))
            .Where(static u => u is not null)
            .Collect();
        foreach (var name in MissingBudgetParser.PropertyAttributes)
        {
            var uses = context.SyntaxProvider
                .ForAttributeWithMetadataName(name,
                    static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax,
                    static (ctx, ct) => MissingBudgetParser.Find(ctx, ct))
                .Where(static u => u is not null)
                .Collect();
            missingBudget = missingBudget.Combine(uses).Select(static (pair, _) => pair.Left.AddRange(pair.Right));
        }
        var missingBudgetDiagnostics = missingBudget
            .Select(static (uses, _) => MissingBudgetParser.PerClass(uses!))
            .WithTrackingName(Steps.MissingBudget);
        context.RegisterSourceOutput(missingBudgetDiagnostics.Combine(context.CompilationProvider), static (spc, pair) =>
        {
            foreach (var info in pair.Left) Report(spc, info, pair.Right);
        });

        // The budget's problems are located where the class's attributes are now: the (cached) findings name the place,
        // the (fresh) anchors of the same class say where it is.
        var findings = planned.Where(static p => p.Verdict.Findings.Count > 0).Collect();
        var anchors = parsed.Select(static (r, _) => r.Anchors).Where(static a => a is not null).Collect();
        context.RegisterSourceOutput(findings.Combine(anchors).WithTrackingName(Steps.BudgetDiagnostics).Combine(context.CompilationProvider), static (spc, pair) =>
        {
            var (plannedList, anchorList) = pair.Left;
            var byName = new Dictionary<string, ModelAnchors>(StringComparer.Ordinal);
            foreach (var a in anchorList) byName[a!.FullName] = a;
            foreach (var model in plannedList)
            {
                byName.TryGetValue(model.Model.FullName, out var where);
                foreach (var finding in model.Verdict.Findings)
                    Report(spc, new DiagnosticInfo(finding.Id, where?.Of(finding), finding.Arguments), pair.Right);
            }
        });
    }

    /// <summary>
    /// The verdict planned for <paramref name="network"/>. It is always among <paramref name="verdicts"/> (each parsed model's
    /// network was planned); should it not be, it is planned here rather than the model dropped.
    /// </summary>
    private static BudgetVerdict VerdictOf(NetworkModel network, System.Collections.Immutable.ImmutableArray<BudgetVerdict> verdicts, System.Threading.CancellationToken cancellationToken)
    {
        foreach (var verdict in verdicts)
            if (verdict.Network.Equals(network)) return verdict;
        return BudgetChecker.Check(network, cancellationToken);
    }

    private static void Report(SourceProductionContext context, DiagnosticInfo info, Compilation compilation)
        => context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ById[info.Id], ToLocation(info.Location, compilation), info.Arguments.ToArray<object>()));

    private static Location ToLocation(LocationInfo? info, Compilation compilation)
    {
        if (info is null) return Location.None;
        var tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == info.FilePath);
        return tree is not null && info.Span.End <= tree.Length ? Location.Create(tree, info.Span) : Location.Create(info.FilePath, info.Span, info.LineSpan);
    }
}
