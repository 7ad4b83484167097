using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using Xunit.Sdk;

namespace NpasDsl.Generator.Tests.Infrastructure;

/// <summary>
/// Snapshot baselines without Verify: each test owns a folder <c>Baselines/&lt;Test&gt;/</c> with one
/// <c>&lt;HintName&gt;.txt</c> per generated file. The set of files and each file's text (line endings
/// normalised) must match. Set <c>UPDATE_BASELINES=1</c> to rewrite them; CI never does.
/// </summary>
internal static class Baseline
{
    public static void Match(string testName, IReadOnlyDictionary<string, string> actualFiles, [CallerFilePath] string callerPath = "")
    {
        var folder = Path.Combine(FindProjectDirectory(callerPath), "Baselines", testName);
        var actual = actualFiles.ToDictionary(p => p.Key + ".txt", p => Normalize(p.Value), StringComparer.Ordinal);
        if (Environment.GetEnvironmentVariable("UPDATE_BASELINES") == "1")
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            Directory.CreateDirectory(folder);
            foreach (var (name, text) in actual) File.WriteAllText(Path.Combine(folder, name), text);
            return;
        }

        var expected = Directory.Exists(folder)
            ? Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), f => Normalize(File.ReadAllText(f)), StringComparer.Ordinal)
            : new Dictionary<string, string>();
        var report = new StringBuilder();
        foreach (var missing in expected.Keys.Except(actual.Keys)) report.Append("missing generated file: ").Append(missing).Append('\n');
        foreach (var extra in actual.Keys.Except(expected.Keys)) report.Append("unexpected generated file (no baseline): ").Append(extra).Append('\n');
        foreach (var name in actual.Keys.Intersect(expected.Keys).OrderBy(n => n, StringComparer.Ordinal))
            if (actual[name] != expected[name]) report.Append(name).Append(" differs:\n").Append(LineDiff(expected[name], actual[name]));
        if (report.Length > 0)
            throw new XunitException($"Generated code does not match the baselines in {folder}.\n{report}Run with UPDATE_BASELINES=1 to accept the new output, then read the diff.");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    /// <summary>A readable line diff: the first differing lines with their numbers (- expected, + actual).</summary>
    internal static string LineDiff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var diff = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < Math.Max(e.Length, a.Length) && shown < 20; i++)
        {
            string? left = i < e.Length ? e[i] : null, right = i < a.Length ? a[i] : null;
            if (left == right) continue;
            if (left is not null) diff.Append($"  {i + 1,4} - {left}\n");
            if (right is not null) diff.Append($"  {i + 1,4} + {right}\n");
            shown++;
        }
        return diff.ToString();
    }

    private static string FindProjectDirectory(string callerPath)
    {
        for (var dir = Path.GetDirectoryName(callerPath); dir is not null; dir = Path.GetDirectoryName(dir))
            if (Directory.GetFiles(dir, "*.csproj").Length > 0) return dir;
        throw new InvalidOperationException("No test project directory above " + callerPath);
    }
}
