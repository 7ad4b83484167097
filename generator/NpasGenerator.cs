using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using NpasDsl.Generator.Diagnostics;
using NpasDsl.Generator.Emitting;
using NpasDsl.Generator.Model;
using NpasDsl.Generator.Parsing;

namespace NpasDsl.Generator;

/// <summary>
/// The pipeline: find <c>[SharedBudget]</c> classes, parse each into an equatable model plus diagnostics,
/// report the diagnostics (with real source locations) and emit one source file per valid model.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NpasGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incremental tests.</summary>
    public static class Steps
    {
        /// <summary>Each class read into a model and diagnostics.</summary>
        public const string Parse = "NpasDsl.Parse";
        /// <summary>The models that can be emitted.</summary>
        public const string Models = "NpasDsl.Models";
        /// <summary>Placeholders of the classes whose attributes have errors.</summary>
        public const string Placeholders = "NpasDsl.Placeholders";
        /// <summary>The full names that clash when case is ignored, so their files get a hash (<see cref="HintNames"/>).</summary>
        public const string HintNameClashes = "NpasDsl.HintNameClashes";
        /// <summary>The diagnostics of each class.</summary>
        public const string Diagnostics = "NpasDsl.Diagnostics";
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownTypes.SharedBudgetAttribute,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                static (ctx, ct) => ModelParser.Parse(ctx, ct))
            .WithTrackingName(Steps.Parse);

        var models = parsed
            .Where(static r => r.Model is not null)
            .Select(static (r, _) => r.Model!)
            .WithTrackingName(Steps.Models);

        // A sound class whose attributes have errors: throwing layer getters, so the NPAS errors stand alone.
        var placeholders = parsed
            .Where(static r => r.Placeholder is not null)
            .Select(static (r, _) => r.Placeholder!)
            .WithTrackingName(Steps.Placeholders);

        // Full names that differ only in case, over every file this generator writes; unchanged (and cached) until a
        // model is added, removed or renamed, so an edit inside one model re-emits that model alone.
        var clashes = parsed
            .Select(static (r, _) => r.Model?.FullName ?? r.Placeholder?.FullName)
            .Where(static name => name is not null)
            .Collect()
            .Select(static (names, _) => HintNames.CaseClashes(names!))
            .WithTrackingName(Steps.HintNameClashes);

        context.RegisterSourceOutput(models.Combine(clashes), static (spc, pair) =>
            spc.AddSource(HintNames.For(pair.Left.FullName, pair.Right), SourceText.From(ModelEmitter.Emit(pair.Left), System.Text.Encoding.UTF8)));
        context.RegisterSourceOutput(placeholders.Combine(clashes), static (spc, pair) =>
            spc.AddSource(HintNames.For(pair.Left.FullName, pair.Right), SourceText.From(ModelEmitter.Emit(pair.Left), System.Text.Encoding.UTF8)));

        // Diagnostics are reported against the syntax trees of the compilation, so that #pragma warning
        // disable applies to them; the model branch above never sees the compilation.
        var diagnostics = parsed
            .Select(static (r, _) => r.Diagnostics)
            .Where(static d => d.Count > 0)
            .WithTrackingName(Steps.Diagnostics);
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, pair) =>
        {
            foreach (var info in pair.Left)
                spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ById[info.Id], ToLocation(info.Location, pair.Right), info.Arguments.ToArray<object>()));
        });
    }

    private static Location ToLocation(LocationInfo? info, Compilation compilation)
    {
        if (info is null) return Location.None;
        var tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == info.FilePath);
        return tree is not null && info.Span.End <= tree.Length ? Location.Create(tree, info.Span) : Location.Create(info.FilePath, info.Span, info.LineSpan);
    }
}
