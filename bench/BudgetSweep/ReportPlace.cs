using System;
using System.IO;

namespace NpasDsl.Bench.BudgetSweep;

/// <summary>
/// Where a run writes its report, and whether that report is the published one (docs/benchmarks.md between its
/// markers). A report goes beside the results file it is made from, so a side study (another seed, rate or length
/// with its own <c>--results</c>) can never replace the published sweep, as one did in session 15 when it was given
/// no <c>--out</c>.
/// </summary>
public sealed record ReportPlace(string Directory, bool Publishes)
{
    /// <summary>The published report's folder, relative to the repository root the bench runs from.</summary>
    public const string Docs = "docs";

    /// <summary>The one results file the published report may be merged from.</summary>
    public static readonly string PublishedResults = Path.Combine(Docs, "budget-sweep-results.tsv");

    /// <summary>Where a validation run reports unless told <c>--out</c>: never beside the published test-set files.</summary>
    public static readonly string Validation = Path.Combine(Docs, "validation");

    /// <summary>Where side studies with their results file in docs/ report by default: docs/side-studies/NAME/.</summary>
    public static readonly string SideStudies = Path.Combine(Docs, "side-studies");

    /// <summary>
    /// <paramref name="output"/> (<c>--out</c>) when given; else the folder of <paramref name="resultsFile"/> (<c>--results</c>);
    /// else docs/. Only a test-set run in docs/ whose results (if any) are docs/budget-sweep-results.tsv publishes. Any other
    /// run that would land in docs/ by default goes to a folder of its own (docs/validation/ for a validation run,
    /// docs/side-studies/NAME/ for a side study's docs/NAME.tsv), so that it cannot overwrite the published budget-sweep.md.
    /// </summary>
    /// <exception cref="ArgumentException"><c>--out docs</c> was given to a run that does not publish.</exception>
    public static ReportPlace For(string? output, string? resultsFile, int? validation)
    {
        string directory = output
            ?? (resultsFile is not null ? Path.GetDirectoryName(Path.GetFullPath(resultsFile))! : null)
            ?? Docs;
        bool inDocs = SamePath(directory, Docs);
        bool publishes = inDocs && validation is null && (resultsFile is null || SamePath(resultsFile, PublishedResults));
        if (publishes || !inDocs)
            return new ReportPlace(directory, publishes);
        if (output is not null)
            throw new ArgumentException($"--out {output} is where the published report lives, and " +
                (validation is not null ? "a validation run" : $"a run with its own results file ({resultsFile})") +
                " must not replace it: give another --out, or leave it out to write into " + For(null, resultsFile, validation).Directory + ".");
        if (validation is not null) return new ReportPlace(Validation, false);
        string name = Path.GetFileNameWithoutExtension(resultsFile!);
        // docs/.tsv or docs/..tsv have no name that is a folder of their own.
        return new ReportPlace(Path.Combine(SideStudies, name.Trim('.').Length > 0 ? name : "side-study"), false);
    }

    private static bool SamePath(string a, string b)
        => string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);
}
