using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using NpasDsl.Bench;

// Memory of the shared models at budgets 0.1, 1.0 and 2.0 against the same network built from TorchSharp's ordinary
// layers. Each configuration runs in a process of its own (this program, started with --measure), because resident
// memory only grows within a process: a configuration measured after another would inherit its peak.
const string Usage = """
    MemoryUse: the memory of shared models against the unshared network, each measured in a process of its own.
      --networks LIST        fashion-net, wrn-16-4, wrn-28-10 (default: all three)
      --configurations LIST  unshared and budget fractions (default: unshared,0.1,1,2)
      --steps N              AdamW steps per configuration (default: 3)
    """;

try
{
    if (args.Length > 0 && args[0] == "--measure")
    {
        Console.WriteLine(Measurement.Take(NetworkNamed(args[1]), args[2], int.Parse(args[3], CultureInfo.InvariantCulture)).ToLine());
        return 0;
    }
    var networks = Network.All.ToList();
    var configurations = new List<string> { "unshared", "0.1", "1", "2" };
    int steps = 3;
    for (int i = 0; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
        switch (args[i])
        {
            case "--networks": networks = Value().Split(',').Select(NetworkNamed).ToList(); break;
            case "--configurations": configurations = Value().Split(',').Select(Configuration).ToList(); break;
            case "--steps": steps = int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : throw new ArgumentException("--steps needs a positive integer."); break;
            case "--help" or "-h" or "help": Console.WriteLine(Usage); return 0;
            default: throw new ArgumentException($"unknown option '{args[i]}'.\n{Usage}");
        }
    }
    if (!configurations.Contains("unshared")) configurations.Insert(0, "unshared"); // every ratio is against it

    Console.WriteLine($"{steps} AdamW steps per configuration, each in its own process; MiB = 2^20 bytes; ratios are against the unshared network");
    Console.WriteLine();
    Console.WriteLine("| network | batch | configuration | trainable parameters | saved model (MiB) | ratio | held after the steps (MiB) | ratio | peak during the steps (MiB) | ratio |");
    Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var network in networks)
    {
        var measured = configurations.ToDictionary(c => c, c => MeasureInOwnProcess(network, c, steps));
        var baseline = measured["unshared"];
        foreach (var (configuration, m) in measured)
        {
            string MiB(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
            string Ratio(long value, long against) => (value / (double)against).ToString("0.00", CultureInfo.InvariantCulture);
            var name = configuration == "unshared" ? "unshared (TorchSharp layers)" : $"shared, budget {configuration}";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {network.Name} | {network.Batch} | {name} | {m.Parameters:N0} | {MiB(m.SavedBytes)} | {Ratio(m.SavedBytes, baseline.SavedBytes)} | {MiB(m.HeldBytes)} | {Ratio(m.HeldBytes, baseline.HeldBytes)} | {MiB(m.PeakBytes)} | {Ratio(m.PeakBytes, baseline.PeakBytes)} |"));
        }
    }
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

static Network NetworkNamed(string name) => Network.All.FirstOrDefault(n => n.Name == name)
    ?? throw new ArgumentException($"no network '{name}': choose from {string.Join(", ", Network.All.Select(n => n.Name))}.");

static string Configuration(string text) => text == "unshared"
    || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var b) && b > 0 && b <= NpasDsl.Planning.BudgetSpec.MaxFraction
    ? text
    : throw new ArgumentException($"'{text}' is no configuration: give 'unshared' or a budget fraction above 0 and at most {NpasDsl.Planning.BudgetSpec.MaxFraction.ToString(CultureInfo.InvariantCulture)}.");

static Measurement MeasureInOwnProcess(Network network, string configuration, int steps)
{
    // Started as an apphost (dotnet run) or as `dotnet MemoryUse.dll`: in the second case the dll is the first argument.
    var self = Environment.ProcessPath!;
    var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
    // Every allocation of 128 KiB or more (every tensor that matters here) gets pages of its own that go back to the
    // system when it is freed. With glibc's default, freed tensors stay in its heap for reuse, and the resident peak
    // then depends on how the sizes of earlier allocations happened to fragment it, not on the tensors alive.
    start.Environment["MALLOC_MMAP_THRESHOLD_"] = "131072";
    if (System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(Measurement).Assembly.Location);
    foreach (var a in new[] { "--measure", network.Name, configuration, steps.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var errors = process.StandardError.ReadToEnd();
    process.WaitForExit();
    return Measurement.FromOutput(output.Result) is { } m && process.ExitCode == 0
        ? m
        : throw new InvalidOperationException($"measuring {network.Name} {configuration} failed (exit code {process.ExitCode}):\n{output.Result}{errors}");
}
