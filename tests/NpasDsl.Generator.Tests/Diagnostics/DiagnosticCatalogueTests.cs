using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using NpasDsl.Generator.Tests.Infrastructure;
using Xunit;
using static NpasDsl.Generator.Tests.Infrastructure.TestModels;

namespace NpasDsl.Generator.Tests;

/// <summary>The catalogue of descriptors as a whole: each one tested, documented and listed for release tracking.</summary>
public sealed class DiagnosticCatalogueTests
{
    [Fact]
    public void Every_descriptor_is_tested_documented_and_listed_in_the_analyzer_release_file()
    {
        var ids = NpasDsl.Generator.Diagnostics.DiagnosticDescriptors.ById.Keys.OrderBy(k => k).ToList();
        var tested = typeof(TestModels).Assembly.GetTypes().Where(t => t.Name.EndsWith("DiagnosticTests", StringComparison.Ordinal)).SelectMany(t => t.GetMethods()).Select(m => m.Name).Where(n => n.StartsWith("NPAS")).Select(n => n.Substring(0, 7)).Distinct().ToList();
        Assert.Equal(ids, tested.OrderBy(k => k).ToList());
        var releases = System.IO.File.ReadAllText(System.IO.Path.Combine(RepoRoot(), "generator", "AnalyzerReleases.Unshipped.md"));
        foreach (var id in ids)
        {
            Assert.Contains(id + " |", releases);
            Assert.True(System.IO.File.Exists(System.IO.Path.Combine(RepoRoot(), "docs", "diagnostics", id + ".md")), $"docs/diagnostics/{id}.md is missing");
            Assert.EndsWith("/docs/diagnostics/" + id + ".md", NpasDsl.Generator.Diagnostics.DiagnosticDescriptors.ById[id].HelpLinkUri);
        }
    }
}
