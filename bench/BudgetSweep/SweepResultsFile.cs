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
/// parameters, accuracy, seconds. Lines of other settings are kept but ignored; a configuration measured twice
/// with the same settings counts once, by its last line. Callers hold <see cref="Locked"/> around each append, read and report.
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

    /// <summary>Appends <paramref name="result"/>, measured under <paramref name="settings"/>, as one line (one short append: whole lines even when processes append at once).</summary>
    public static void Append(string path, string settings, SweepResult result)
    {
        if (settings.IndexOfAny(Separators) >= 0 || result.Label.IndexOfAny(Separators) >= 0)
            throw new ArgumentException("Settings and labels must not contain tabs or line breaks.");
        var line = string.Join('\t', settings, result.Label, result.Budget?.ToString("R", CultureInfo.InvariantCulture) ?? "",
            result.Parameters.ToString(CultureInfo.InvariantCulture), result.Accuracy.ToString("R", CultureInfo.InvariantCulture),
            result.Seconds.ToString("R", CultureInfo.InvariantCulture)) + "\n";
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory) Directory.CreateDirectory(directory);
        File.AppendAllText(path, line);
    }

    /// <summary>The results recorded under <paramref name="settings"/>, in the order first measured, each configuration by its last line.</summary>
    public static IReadOnlyList<SweepResult> Read(string path, string settings)
    {
        if (!File.Exists(path)) return Array.Empty<SweepResult>();
        var byLabel = new Dictionary<string, SweepResult>(StringComparer.Ordinal);
        var order = new List<string>();
        int number = 0;
        foreach (var line in File.ReadAllLines(path))
        {
            number++;
            if (line.Length == 0) continue;
            var fields = line.Split('\t');
            if (fields.Length != 6)
                throw new InvalidDataException($"{path}, line {number}: expected 6 tab-separated fields, found {fields.Length}; remove the line or the file.");
            if (fields[0] != settings) continue;
            try
            {
                var result = new SweepResult(fields[1], fields[2].Length == 0 ? null : double.Parse(fields[2], CultureInfo.InvariantCulture),
                    long.Parse(fields[3], CultureInfo.InvariantCulture), double.Parse(fields[4], CultureInfo.InvariantCulture), double.Parse(fields[5], CultureInfo.InvariantCulture));
                if (!byLabel.ContainsKey(result.Label)) order.Add(result.Label);
                byLabel[result.Label] = result;
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"{path}, line {number}: {e.Message} Remove the line or the file.", e);
            }
        }
        return order.Select(l => byLabel[l]).ToList();
    }
}
