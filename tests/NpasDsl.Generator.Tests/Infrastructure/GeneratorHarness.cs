using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace NpasDsl.Generator.Tests.Infrastructure;

/// <summary>Compiles sources with the generator through <see cref="CSharpGeneratorDriver"/>, against the real runtime and TorchSharp.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var ours = new[] { typeof(NpasModule).Assembly.Location, typeof(SharedBudgetAttribute).Assembly.Location, typeof(TorchSharp.torch).Assembly.Location };
        return platform.Concat(ours).Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

    // Compilations derived from one empty compilation share its bound references, which makes each
    // compilation of a test (and of the fuzz variants) cheap. The warning level is the .NET SDK's for net10.0
    // (the compiler's own default, 4, hides the warnings added since, such as CS8981 on a lower-case type name).
    private static readonly Lazy<CSharpCompilation> Empty = new(() => CSharpCompilation.Create("Models", null, References.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, warningLevel: 10)));

    public static CSharpCompilation Compile(params string[] sources)
        => Empty.Value.AddSyntaxTrees(sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Model{i}.cs")));

    public static GeneratorDriver CreateDriver()
        => CSharpGeneratorDriver.Create(new[] { new NpasGenerator().AsSourceGenerator() }, parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once; returns the driver (for incremental reruns), the output compilation and the generator's diagnostics.</summary>
    public static (GeneratorDriver Driver, Compilation Output, ImmutableArray<Diagnostic> Diagnostics) Run(params string[] sources)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(Compile(sources), out var output, out var diagnostics);
        return (driver, output, diagnostics);
    }

    /// <summary>A library of its own (assembly <paramref name="assemblyName"/>) built from <paramref name="source"/>, for a model in the test's compilation to reference.</summary>
    public static MetadataReference Library(string assemblyName, string source)
        => Empty.Value.WithAssemblyName(assemblyName).AddSyntaxTrees(CSharpSyntaxTree.ParseText(source, ParseOptions, path: assemblyName + ".cs")).ToMetadataReference();

    /// <summary>Runs the generator once on <paramref name="sources"/> compiled against <paramref name="library"/> as well.</summary>
    public static ImmutableArray<Diagnostic> RunWith(MetadataReference library, params string[] sources)
    {
        CreateDriver().RunGeneratorsAndUpdateCompilation(Compile(sources).AddReferences(library), out _, out var diagnostics);
        return diagnostics;
    }

    /// <summary>The generated files, by hint name.</summary>
    public static SortedDictionary<string, string> GeneratedFiles(GeneratorDriver driver)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var generated in driver.GetRunResult().Results.SelectMany(r => r.GeneratedSources))
            result[generated.HintName] = generated.SourceText.ToString();
        return result;
    }

    /// <summary>Compiler diagnostics of the output compilation that are warnings or errors.</summary>
    public static IReadOnlyList<Diagnostic> CompilerProblems(Compilation output)
        => output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
}
