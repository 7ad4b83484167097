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

    /// <summary>
    /// <paramref name="output"/> (<c>--out</c>) when given; else the folder of <paramref name="resultsFile"/> (<c>--results</c>);
    /// else docs/, or docs/validation/ for a validation run. Only a test-set run whose report lands in docs/ itself publishes.
    /// </summary>
    public static ReportPlace For(string? output, string? resultsFile, int? validation)
    {
        string directory = output
            ?? (resultsFile is not null ? Path.GetDirectoryName(Path.GetFullPath(resultsFile))! : null)
            ?? (validation is null ? Docs : Path.Combine(Docs, "validation"));
        return new ReportPlace(directory, validation is null && SamePath(directory, Docs));
    }

    private static bool SamePath(string a, string b)
        => string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);
}
