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
        context.RegisterSourceOutput(models, static (spc, model) => spc.AddSource(model.HintName, SourceText.From(ModelEmitter.Emit(model), System.Text.Encoding.UTF8)));

        // A sound class whose attributes have errors: throwing layer getters, so the NPAS errors stand alone.
        var placeholders = parsed
            .Where(static r => r.Placeholder is not null)
            .Select(static (r, _) => r.Placeholder!)
            .WithTrackingName(Steps.Placeholders);
        context.RegisterSourceOutput(placeholders, static (spc, placeholder) => spc.AddSource(placeholder.HintName, SourceText.From(ModelEmitter.Emit(placeholder), System.Text.Encoding.UTF8)));

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
