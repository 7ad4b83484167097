using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace NpasDsl.Generator.Tests.Infrastructure;

/// <summary>The small model sources and assertions that the diagnostic, shape and half-typed-code tests share.</summary>
internal static class TestModels
{
    /// <summary>One layer, for tests about everything but the layers.</summary>
    public const string OneLayer = "    [Linear(100, 10)] private partial SharedLinear Head { get; }";

    /// <summary>
    /// One model class in namespace Demo, with <paramref name="members"/> and a forward pass; <paramref name="before"/>
    /// goes between the namespace and the class (a base class, a type that shadows a library name).
    /// </summary>
    public static string ModelSource(string classAttributes, string members, string declaration = "public sealed partial class Net : NpasModule", string before = "")
        => SampleModels.Usings + $$"""
            namespace Demo;

            {{before}}
            {{classAttributes}}
            {{declaration}}
            {
            {{members}}
                public override Tensor forward(Tensor x) => x;
            }
            """;

    /// <summary>The one diagnostic <paramref name="id"/> that the generator reports for <paramref name="source"/>; fails on none or several.</summary>
    public static Diagnostic Single(string source, string id)
    {
        var (_, _, diagnostics) = GeneratorHarness.Run(source);
        var matching = diagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"expected one {id}, got: {string.Join(" | ", diagnostics.Select(d => d.Id + " " + d.GetMessage()))}");
        return matching[0];
    }

    /// <summary>The source text a diagnostic points at.</summary>
    public static string At(Diagnostic diagnostic) => diagnostic.Location.SourceTree!.ToString().Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);

    /// <summary>The repository root (the folder holding NpasDsl.sln), for tests that read the docs and release files.</summary>
    public static string RepoRoot()
    {
        for (var dir = System.AppContext.BaseDirectory; dir is not null; dir = System.IO.Path.GetDirectoryName(dir))
            if (System.IO.File.Exists(System.IO.Path.Combine(dir, "NpasDsl.sln"))) return dir;
        throw new System.InvalidOperationException("NpasDsl.sln not found above the test directory");
    }
}
