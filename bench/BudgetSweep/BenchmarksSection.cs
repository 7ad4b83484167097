using System;
using System.IO;
using NpasDsl.Allocation;

namespace NpasDsl.Bench.BudgetSweep;

/// <summary>
/// The part of docs/benchmarks.md that the sweep writes itself: everything between <see cref="Begin"/> and
/// <see cref="End"/>. The prose around it (what was measured when, and what it means) stays the author's.
/// </summary>
public static class BenchmarksSection
{
    /// <summary>The marker line before the sweep's table.</summary>
    public const string Begin = "<!-- budget-sweep:begin (written by bench/BudgetSweep; edits between the markers are replaced) -->";
    /// <summary>The marker line after the sweep's plot.</summary>
    public const string End = "<!-- budget-sweep:end -->";

    /// <summary><paramref name="document"/> with the text between the markers replaced by <paramref name="section"/>.</summary>
    /// <exception cref="InvalidDataException">The markers are missing, repeated or out of order.</exception>
    public static string Replace(string document, string section)
    {
        int begin = document.IndexOf(Begin, StringComparison.Ordinal), end = document.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin || document.IndexOf(Begin, begin + 1, StringComparison.Ordinal) >= 0 || document.IndexOf(End, end + 1, StringComparison.Ordinal) >= 0)
            throw new InvalidDataException($"docs/benchmarks.md needs the line '{Begin}' once and, after it, the line '{End}' once, around the sweep's table and plot.");
        int from = begin + Begin.Length;
        return document[..from] + "\n" + section.Trim('\n') + "\n" + document[end..];
    }

    /// <summary>
    /// Rewrites the section of the file at <paramref name="path"/> atomically; false (nothing written) where there is no
    /// such file, so a sweep run outside the repository writes its own report only.
    /// </summary>
    /// <exception cref="InvalidDataException">The file exists but its markers are missing or out of order.</exception>
    public static bool Update(string path, string section)
    {
        if (!File.Exists(path)) return false;
        var updated = Replace(File.ReadAllText(path), section);
        AtomicFile.WriteText(path, updated);
        return true;
    }
}
