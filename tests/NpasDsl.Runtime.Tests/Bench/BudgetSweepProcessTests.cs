using System;
using System.Diagnostics;
using System.IO;
using NpasDsl.Runtime.Tests.Data;
using NpasDsl.Training;
using Xunit;

namespace NpasDsl.Runtime.Tests.Bench;

/// <summary>
/// The budget sweep run as a process, the way a user runs it: its failures are one <c>error:</c> line with the README's
/// exit code, never a stack trace, and a report is not replaced by an empty one.
/// </summary>
public sealed class BudgetSweepProcessTests : ScratchDirectoryTest
{
    public BudgetSweepProcessTests() : base("budget-sweep") => Directory.CreateDirectory(Scratch);

    /// <summary>The sweep's DLL, built with the same configuration as the tests (the solution builds it).</summary>
    private static string Dll()
    {
        // tests/NpasDsl.Runtime.Tests/bin/<Configuration>/<framework>/ → bench/BudgetSweep/bin/<Configuration>/<framework>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = output.Name, configuration = output.Parent!.Name;
        var root = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(root, "bench", "BudgetSweep", "bin", configuration, framework, "BudgetSweep.dll");
        Assert.True(File.Exists(dll), $"The budget sweep is not built at {dll}; build the solution first.");
        return dll;
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll());
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["CI"] = "true";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(240_000), "the sweep did not finish in 4 minutes");
        return (process.ExitCode, output.Result, error.Result);
    }

    private static void OneErrorLine(string error)
    {
        Assert.StartsWith("error: ", error);
        Assert.DoesNotContain("Unhandled exception", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void A_run_that_diverges_is_one_error_line_with_exit_code_5()
    {
        // Found by a review: the TrainingDivergedException surfaced as an unhandled exception (exit code 134).
        IdxTestFiles.WriteFashionLike(Path.Combine(Scratch, "data"), train: 384, test: 32, seed: 3);
        var (exitCode, _, error) = Run("--data", Path.Combine(Scratch, "data"), "--only", "reduced", "--epochs", "1", "--train-batches", "3",
            "--lr", "1e30", "--threads", "1", "--out", Path.Combine(Scratch, "out"));
        Assert.Equal(ExitCodes.TrainingStopped, exitCode);
        OneErrorLine(error);
        Assert.Contains("Lower the learning rate", error);
    }

    [Fact]
    public void A_malformed_results_file_is_refused_before_anything_trains()
    {
        // Found by a review: a results file with a foreign line ended the process with a stack trace, after training.
        string results = Path.Combine(Scratch, "results.tsv");
        File.WriteAllText(results, "not a results line\n");
        foreach (var report in new[] { "--report", null })
        {
            var arguments = new System.Collections.Generic.List<string> { "--results", results, "--data", Path.Combine(Scratch, "no-data"), "--only", "full" };
            if (report is not null) arguments.Add(report);
            var (exitCode, output, error) = Run(arguments.ToArray());
            Assert.Equal(ExitCodes.DataUnavailable, exitCode);
            OneErrorLine(error);
            Assert.Contains($"--results {results} cannot be read: {results}, line 1: expected 6 or 8 tab-separated fields, found 1", error);
            Assert.DoesNotContain("== full", output);
        }
        Assert.Equal("not a results line\n", File.ReadAllText(results));
    }

    [Theory]
    [InlineData("--report")]
    [InlineData("--seeds-report")]
    public void A_report_from_a_results_file_that_is_not_there_is_refused_and_writes_nothing(string report)
    {
        // Found by a review: it wrote an empty report (over the one in --out) and exited 0.
        string output = Path.Combine(Scratch, "out");
        var (exitCode, _, error) = Run("--results", Path.Combine(Scratch, "typo.tsv"), report, "--out", output);
        Assert.Equal(ExitCodes.BadArguments, exitCode);
        OneErrorLine(error);
        Assert.Contains($"typo.tsv does not exist, so {report} has no results to report", error);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_value_left_out_is_not_taken_from_the_next_option_and_an_option_given_twice_is_refused()
    {
        var (exitCode, _, error) = Run("--results", "--report");
        Assert.Equal(ExitCodes.BadArguments, exitCode);
        Assert.StartsWith("error: --results needs a value.\nusage: BudgetSweep", error);
        Assert.False(File.Exists("--report"));

        (exitCode, _, error) = Run("--lr", "0.01", "--lr", "0.02");
        Assert.Equal(ExitCodes.BadArguments, exitCode);
        Assert.StartsWith("error: --lr is given twice; give it once.\nusage: BudgetSweep", error);
    }

    [Theory]
    [InlineData("--report")]
    [InlineData(null)]
    public void A_results_file_that_is_a_directory_is_refused_before_anything_trains(string? report)
    {
        // Found by a review: a report called the directory missing, and a sweep trained its first configuration before
        // failing with "Access to the path is denied".
        string directory = Path.Combine(Scratch, "results");
        Directory.CreateDirectory(directory);
        IdxTestFiles.WriteFashionLike(Path.Combine(Scratch, "data"), train: 64, test: 16, seed: 3);
        var arguments = new System.Collections.Generic.List<string> { "--results", directory, "--data", Path.Combine(Scratch, "data"), "--only", "reduced",
            "--epochs", "1", "--train-batches", "1", "--threads", "1", "--out", Path.Combine(Scratch, "out") };
        if (report is not null) arguments.Add(report);
        var (exitCode, output, error) = Run(arguments.ToArray());
        Assert.Equal(ExitCodes.BadArguments, exitCode);
        OneErrorLine(error);
        Assert.Contains($"--results {directory} is a directory, not a results file; give a file path (such as {Path.Combine(directory, "results.tsv")})", error);
        Assert.DoesNotContain("does not exist", error);
        Assert.DoesNotContain("== ", output);
    }

    [Fact]
    public void Lr_of_may_be_given_again_but_a_configuration_only_once()
    {
        // Found by a review: --lr-of adds to the rates before it (a second one used to merge, and was refused as "given
        // twice"), while full=0.01,full=0.02 kept the last rate without a word.
        string results = Path.Combine(Scratch, "results.tsv");
        File.WriteAllText(results, "");
        string data = Path.Combine(Scratch, "data");
        IdxTestFiles.WriteFashionLike(data, train: 64, test: 16, seed: 3);
        var (exitCode, output, error) = Run("--seeds-report", "--results", results, "--data", data, "--lr-of", "full=0.01", "--lr-of", "reduced=0.02");
        Assert.True(exitCode == ExitCodes.Success, error);
        Assert.Contains("rates: full 0.01, reduced 0.02, 0.1 0.003, 2 0.003", output);

        foreach (var twice in new[] { new[] { "--lr-of", "full=0.01,full=0.02" }, new[] { "--lr-of", "full=0.01", "--lr-of", "full=0.02" } })
        {
            var arguments = new System.Collections.Generic.List<string> { "--seeds-report", "--results", results, "--data", data };
            arguments.AddRange(twice);
            (exitCode, _, error) = Run(arguments.ToArray());
            Assert.Equal(ExitCodes.BadArguments, exitCode);
            Assert.StartsWith("error: --lr-of gives full a rate twice (0.01 and 0.02); give each configuration one rate.", error);
        }
    }

    [Fact]
    public void A_seeds_report_pairs_every_seed_in_the_file_and_says_when_a_result_was_measured_twice()
    {
        // Found by a review: only seeds 1 to 100 were looked up, so results of --seed 0 or --seed 1000 were left out
        // without a word, and a configuration measured twice on a seed was replaced by its last line without a note.
        const string sharing = "strategy Single, combiner WeightedAverage, upsampler Repeat, coefficient sharing None";
        string results = Path.Combine(Scratch, "results.tsv");
        string Key(long seed) => NpasDsl.Bench.BudgetSweep.SweepSettings.Key(new TrainerOptions { Epochs = 2, Seed = seed }, sharing, null, null);
        foreach (var (seed, full, shared) in new[] { (0L, 0.9000, 0.8920), (1000L, 0.9010, 0.8900), (1000L, 0.9010, 0.8910) })
        {
            NpasDsl.Bench.BudgetSweep.SweepResultsFile.Append(results, Key(seed), new NpasDsl.Bench.BudgetSweep.SweepResult("full unshared (64 channels)", null, 149_642, full, 1), 1, "abc1234");
            NpasDsl.Bench.BudgetSweep.SweepResultsFile.Append(results, Key(seed), new NpasDsl.Bench.BudgetSweep.SweepResult("shared, budget 0.10", 0.1, 14_964, shared, 1), 1, "abc1234");
        }
        string data = Path.Combine(Scratch, "data");
        IdxTestFiles.WriteFashionLike(data, train: 64, test: 16, seed: 3);
        var (exitCode, output, error) = Run("--seeds-report", "--results", results, "--data", data);
        Assert.True(exitCode == ExitCodes.Success, error);
        Assert.Contains("Targets over the seeds in " + results + " (0, 1000)", output);
        Assert.Contains("| budget 0.1 within 1.0 point of the full model (threshold -1.00) | 2 | 0: -0.80, 1000: -1.00 | -0.90 |", output);
        Assert.Contains("note: seed 1000: full unshared (64 channels) was measured 2 times with these settings; the last result counts.", output);
        Assert.Contains("note: seed 1000: shared, budget 0.10 was measured 2 times with these settings; the last result counts.", output);
    }
}
