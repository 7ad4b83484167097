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

    [Fact]
    public void Every_fixed_class_on_a_diagnostic_page_builds_clean_with_the_usings_the_pages_assume()
    {
        // A page's "How to fix" class is what a user copies: it must get no NPAS diagnostic (a warning fails a
        // TreatWarningsAsErrors build too) and compile with the usings docs/diagnostics/README.md says the snippets assume.
        var folder = System.IO.Path.Combine(RepoRoot(), "docs", "diagnostics");
        int checkedClasses = 0;
        var failures = new System.Collections.Generic.List<string>();
        foreach (var page in System.IO.Directory.GetFiles(folder, "NPAS*.md").OrderBy(p => p, StringComparer.Ordinal))
        {
            var text = System.IO.File.ReadAllText(page).Replace("\r\n", "\n");
            int fix = text.IndexOf("\n## How to fix", StringComparison.Ordinal);
            if (fix < 0) continue;
            int end = text.IndexOf("\n## ", fix + 1, StringComparison.Ordinal);
            var section = end < 0 ? text.Substring(fix) : text.Substring(fix, end - fix);
            foreach (System.Text.RegularExpressions.Match block in System.Text.RegularExpressions.Regex.Matches(section, "```csharp\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline))
            {
                var code = block.Groups[1].Value;
                if (!code.Contains("class ", StringComparison.Ordinal)) continue; // a lone property line
                var (_, output, diagnostics) = GeneratorHarness.Run(SampleModels.Usings + code);
                var problems = diagnostics.Concat(GeneratorHarness.CompilerProblems(output)).Select(d => d.Id + " " + d.GetMessage()).Distinct().ToList();
                if (problems.Count > 0) failures.Add($"{System.IO.Path.GetFileName(page)}, How to fix: {string.Join(" | ", problems)}");
                checkedClasses++;
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(checkedClasses >= 15, $"only {checkedClasses} fixed classes found");
    }
}
