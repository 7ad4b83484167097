using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace NpasDsl.Bench.BudgetSweep;

/// <summary>
/// Results shared by the processes of one sweep (<c>--results FILE</c>): on a machine with more cores than one
/// process uses well, the configurations are split between processes with <c>--only</c>, each appends one line per
/// measured configuration, and each rewrites the report from every line of the same settings, so the last process to
/// finish writes the whole table. A line is tab-separated: settings, label, budget (empty for a baseline),
/// parameters, accuracy, seconds, and (since session 21) the TorchSharp thread count and the commit of the code that
/// measured it, which the key leaves out, so a report can say when it merges lines that differ in them. Lines of other settings are kept but ignored; a configuration
/// measured twice with the same settings counts once, by its last line (<see cref="Caveats"/> names those, so a report
/// can say so). Callers hold <see cref="Locked"/> around each append, read and report.
/// </summary>
public static class SweepResultsFile
{
    private static readonly char[] Separators = { '\t', '\n', '\r' };

    /// <summary>
    /// Runs <paramref name="action"/> while holding <c>FILE.lock</c> exclusively, so that one process's append, read
    /// and report are not interleaved with another's (.NET appends at the end it saw on opening, not atomically).
    /// </summary>
    public static void Locked(string path, Action action)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory) Directory.CreateDirectory(directory);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            FileStream gate;
            try
            {
                gate = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                System.Threading.Thread.Sleep(100);
                continue;
            }
            using (gate) action();
            return;
        }
    }

    /// <summary>
    /// Appends <paramref name="result"/>, measured under <paramref name="settings"/> with <paramref name="threads"/> TorchSharp
    /// threads by the code at <paramref name="commit"/>, as one line (one short append: whole lines even when processes append at once).
    /// </summary>
    public static void Append(string path, string settings, SweepResult result, int threads, string commit)
    {
        if (settings.IndexOfAny(Separators) >= 0 || result.Label.IndexOfAny(Separators) >= 0 || commit.IndexOfAny(Separators) >= 0)
            throw new ArgumentException("Settings, labels and the commit must not contain tabs or line breaks.");
        var line = string.Join('\t', settings, result.Label, result.Budget?.ToString("R", CultureInfo.InvariantCulture) ?? "",
            result.Parameters.ToString(CultureInfo.InvariantCulture), result.Accuracy.ToString("R", CultureInfo.InvariantCulture),
            result.Seconds.ToString("R", CultureInfo.InvariantCulture), threads.ToString(CultureInfo.InvariantCulture), commit) + "\n";
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory) Directory.CreateDirectory(directory);
        // A file that does not end in a line break ends in a line cut short (a process stopped while appending, a disk
        // that filled) or written by hand without one: appended to it, this result would be glued onto that line, and the
        // only way to read the file again would be to remove the glued line, this result with it. It starts a line of its own.
        File.AppendAllText(path, (EndsWithoutLineBreak(path) ? "\n" : "") + line);
    }

    private static bool EndsWithoutLineBreak(string path)
    {
        if (!File.Exists(path)) return false;
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (file.Length == 0) return false;
        file.Seek(-1, SeekOrigin.End);
        return file.ReadByte() != '\n';
    }

    /// <summary>
    /// Every seed a line of <paramref name="path"/> was measured with (the <c>seed=N</c> of its settings), in increasing
    /// order: the seeds a report over seeds looks results up by, whatever they are.
    /// </summary>
    public static IReadOnlyList<long> Seeds(string path)
    {
        if (!File.Exists(path)) return Array.Empty<long>();
        var seeds = new SortedSet<long>();
        foreach (var line in File.ReadLines(path))
        {
            var settings = line.Split('\t')[0];
            foreach (var word in settings.Split(' '))
                if (word.StartsWith("seed=", StringComparison.Ordinal) && long.TryParse(word["seed=".Length..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long seed))
                {
                    seeds.Add(seed);
                    break;
                }
        }
        return seeds.ToList();
    }

    /// <summary>The results recorded under <paramref name="settings"/>, in the order first measured, each configuration by its last line.</summary>
    public static IReadOnlyList<SweepResult> Read(string path, string settings) => Lines(path, settings).Results;

    /// <summary>
    /// What a report of <paramref name="settings"/> should say about the lines it merges: each configuration recorded more
    /// than once (only its last line counts), and the thread counts and commits of the lines that count, where more than
    /// one ("unrecorded" for lines written before they were).
    /// </summary>
    public static IReadOnlyList<string> Caveats(string path, string settings)
    {
        var (_, repeated, provenance) = Lines(path, settings);
        var caveats = repeated.Select(r => $"{r.Label} was measured {r.Times} times with these settings; the last result counts").ToList();
        var threads = provenance.Select(p => p.Threads).Distinct().ToList();
        var commits = provenance.Select(p => p.Commit).Distinct().ToList();
        if (threads.Count > 1) caveats.Add($"the results merged ran with different TorchSharp thread counts ({string.Join(", ", threads)}), which move accuracies in their last digits");
        if (commits.Count > 1) caveats.Add($"the results merged were measured by different code ({string.Join(", ", commits)})");
        return caveats;
    }

    private static (IReadOnlyList<SweepResult> Results, IReadOnlyList<(string Label, int Times)> Repeated, IReadOnlyList<(string Threads, string Commit)> Provenance) Lines(string path, string settings)
    {
        if (!File.Exists(path)) return (Array.Empty<SweepResult>(), Array.Empty<(string, int)>(), Array.Empty<(string, string)>());
        var byLabel = new Dictionary<string, SweepResult>(StringComparer.Ordinal);
        var provenanceOf = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        var times = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        int number = 0;
        foreach (var line in File.ReadAllLines(path))
        {
            number++;
            if (line.Length == 0) continue;
            var fields = line.Split('\t');
            if (fields.Length is not (6 or 8)) // lines before session 21 have no thread count or commit
                throw new InvalidDataException($"{path}, line {number}: expected 6 or 8 tab-separated fields, found {fields.Length}; remove the line or the file.");
            if (fields[0] != settings) continue;
            try
            {
                var result = new SweepResult(fields[1], fields[2].Length == 0 ? null : double.Parse(fields[2], CultureInfo.InvariantCulture),
                    long.Parse(fields[3], CultureInfo.InvariantCulture), double.Parse(fields[4], CultureInfo.InvariantCulture), double.Parse(fields[5], CultureInfo.InvariantCulture));
                if (!byLabel.ContainsKey(result.Label)) order.Add(result.Label);
                byLabel[result.Label] = result;
                times[result.Label] = times.GetValueOrDefault(result.Label) + 1;
                provenanceOf[result.Label] = fields.Length == 8 ? (fields[6], fields[7]) : ("unrecorded", "unrecorded");
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"{path}, line {number}: {e.Message} Remove the line or the file.", e);
            }
        }
        return (order.Select(l => byLabel[l]).ToList(), order.Where(l => times[l] > 1).Select(l => (l, times[l])).ToList(), order.Select(l => provenanceOf[l]).ToList());
    }
}
