using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using NpasDsl.Runtime.Tests.Data;
using Xunit;

namespace NpasDsl.Runtime.Tests.Examples;

/// <summary>
/// The Fashion-MNIST example as a real process: killed in the middle of an epoch and started again with
/// --resume, it ends with exactly the metrics of a run that was never interrupted.
/// </summary>
public sealed class ExampleResumeTests : ScratchDirectoryTest
{
    public ExampleResumeTests() : base("example")
    {
        Directory.CreateDirectory(Scratch);
        // 256 training examples: 8 batches of 32 an epoch (a checkpoint every 4 lies inside one), 16 batches of 16. Two epochs,
        // so that a run interrupted in the first resumes across an epoch boundary.
        IdxTestFiles.WriteFashionLike(Path.Combine(Scratch, "data"), train: 256, test: 64, seed: 4);
    }

    /// <summary>
    /// The example on the small data set. <paramref name="checkpointEvery"/> null checkpoints only at epoch ends, so that a
    /// checkpoint inside an epoch can only be the one an interruption wrote.
    /// </summary>
    private const int Epochs = 2;

    private Process Start(string checkpoints, bool resume, string? checkpointEvery = "4", string batchSize = "32")
    {
        var arguments = new System.Collections.Generic.List<string> { "--data", Path.Combine(Scratch, "data"), "--epochs", Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--batch-size", batchSize, "--seed", "3",
            "--lr", "0.003", "--checkpoint-dir", checkpoints };
        if (checkpointEvery is not null) arguments.AddRange(new[] { "--checkpoint-every", checkpointEvery });
        if (resume) arguments.Add("--resume");
        return ExampleProcess.Start("FashionMnist", arguments.ToArray());
    }

    private static string Finish(Process process) => ExampleProcess.Finish(process);

    private static string[] Metrics(string checkpoints)
        => File.ReadAllLines(Path.Combine(checkpoints, "metrics.csv")).Select(l => string.Join(",", l.Split(',')[..^1])).ToArray(); // without the seconds

    /// <summary>Starts a fresh run into <paramref name="checkpoints"/> and returns it once its first checkpoint is written, still running.</summary>
    private Process StartAndAwaitFirstCheckpoint(Process run, string checkpoints, string stoppedHow)
    {
        var manifest = Path.Combine(checkpoints, "trainer.json");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(manifest) && clock.Elapsed < TimeSpan.FromMinutes(2) && !run.HasExited) Thread.Sleep(20);
        Assert.False(run.HasExited, $"the run finished before it could be {stoppedHow}");
        return run;
    }

    /// <summary>
    /// Whether this process ignores SIGINT (bit 2 of SigIgn in /proc/self/status): a shell without job control starts a
    /// background command so, and the disposition passes to every child, the example included.
    /// </summary>
    private static bool SigIntIgnored()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return false;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 0x2) != 0;
    }

    [Fact]
    public void A_killed_run_resumes_and_ends_exactly_like_an_uninterrupted_run()
    {
        var straight = Path.Combine(Scratch, "straight");
        var straightOutput = Finish(Start(straight, resume: false));

        var interrupted = Path.Combine(Scratch, "interrupted");
        var victim = StartAndAwaitFirstCheckpoint(Start(interrupted, resume: false), interrupted, "killed");
        var manifest = Path.Combine(interrupted, "trainer.json");
        victim.Kill(entireProcessTree: true);
        victim.WaitForExit();
        using (var state = JsonDocument.Parse(File.ReadAllText(manifest)))
        {
            var training = state.RootElement.GetProperty("state");
            Assert.True(training.GetProperty("epoch").GetInt32() < Epochs, "the checkpoint at kill time must be of an unfinished run");
            // The first checkpoint is written inside epoch 1 (--checkpoint-every 4), so the kill is mid-epoch.
            Assert.True(training.GetProperty("step").GetInt32() > 0, "the checkpoint at kill time must be inside an epoch");
        }

        var resumedOutput = Finish(Start(interrupted, resume: true));
        Assert.Contains("resumed from", resumedOutput);
        Assert.Equal(Metrics(straight), Metrics(interrupted));
        Assert.Equal(straightOutput.Trim().Split('\n')[^1], resumedOutput.Trim().Split('\n')[^1]);
    }

    [Fact]
    public void Ctrl_c_during_a_group_search_warm_up_stops_it_with_exit_code_130_and_leaves_nothing_written()
    {
        Assert.False(SigIntIgnored(), "SIGINT is ignored in the test process (started in the background by a non-interactive shell, 'cmd &'?): run the tests in the foreground.");
        var checkpoints = Path.Combine(Scratch, "searching");
        // A warm-up far longer than the test: only the interruption can end it.
        var run = ExampleProcess.Start("FashionMnist", "--data", Path.Combine(Scratch, "data"), "--epochs", "1", "--batch-size", "32", "--seed", "3",
            "--checkpoint-dir", checkpoints, "--group-search", "learned", "--search-steps", "1000000");
        try
        {
            // The line announcing the warm-up is written once the first Ctrl+C already stops it.
            string? line;
            while ((line = run.StandardOutput.ReadLine()) is not null && !line.StartsWith("group search: learned, 1,000,000 warm-up steps", StringComparison.Ordinal)) { }
            Assert.NotNull(line);
            using (var signal = Process.Start("kill", new[] { "-INT", run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })) signal.WaitForExit();
            var (code, output, error) = ExampleProcess.Outcome(run);
            Assert.Equal(130, code);
            Assert.Contains(NpasDsl.Training.ConsoleProgress.InterruptingSearch, error);
            Assert.Matches(@"error: The group search was interrupted after [\d,]+ of its 1,000,000 warm-up steps; it found no groups and wrote nothing; the same command searches again", error);
            Assert.DoesNotContain("Unhandled exception", error);
            Assert.DoesNotContain("group search: saved", output);
            Assert.False(File.Exists(Path.Combine(checkpoints, NpasDsl.Training.AllocationCommandLine.SearchFileName)));
            Assert.False(File.Exists(Path.Combine(checkpoints, "trainer.json")));
        }
        finally
        {
            if (!run.HasExited) run.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void Ctrl_c_stops_a_real_run_with_a_checkpoint_of_where_it_stopped_and_exit_code_130_and_it_resumes_exactly()
    {
        // 16 batches an epoch and no checkpoints inside one: the signal lands mid-epoch, where only the interruption saves.
        var straight = Path.Combine(Scratch, "straight");
        var straightOutput = Finish(Start(straight, resume: false, checkpointEvery: null, batchSize: "16"));

        // A signal between the end of epoch 1 and epoch 2's first batch stops at batch 0, where the epoch's own checkpoint
        // is the one kept and nothing shows the save on cancel: then the run is repeated (rarely more than once). So is a
        // run that finished before the signal landed.
        Assert.False(SigIntIgnored(), "SIGINT is ignored in the test process (started in the background by a non-interactive shell, 'cmd &'?), " +
            "and the example inherits that, so no Ctrl+C can reach it: run the tests in the foreground.");
        string interrupted = "";
        int epoch = 0, batch = 0;
        for (int attempt = 1; attempt <= 4 && batch == 0; attempt++)
        {
            interrupted = Path.Combine(Scratch, $"interrupted-{attempt}");
            var run = Start(interrupted, resume: false, checkpointEvery: null, batchSize: "16");
            var manifest = Path.Combine(interrupted, "trainer.json");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(manifest) && clock.Elapsed < TimeSpan.FromMinutes(2) && !run.HasExited) Thread.Sleep(20);
            // What a terminal sends on Ctrl+C.
            if (!run.HasExited)
                using (var signal = Process.Start("kill", new[] { "-INT", run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })) signal.WaitForExit();
            var (code, _, error) = ExampleProcess.Outcome(run);
            if (code == 0) continue;
            Assert.Equal(130, code);
            Assert.Contains("interrupt: stopping before the next batch", error);
            Assert.Contains("continue it with --resume", error);
            var where = System.Text.RegularExpressions.Regex.Match(error, @"error: Training was interrupted in epoch (\d+) of 2, after batch (\d+) of 16");
            Assert.True(where.Success, error);
            epoch = int.Parse(where.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            batch = int.Parse(where.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        Assert.True(batch is >= 1 and <= 15, $"no attempt was interrupted inside an epoch (the last stopped after batch {batch} of epoch {epoch}, or finished first)");
        // The checkpoint is of the very batch the message names: inside an epoch, only the interruption could have written it.
        using (var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(interrupted, "trainer.json"))))
        {
            var training = state.RootElement.GetProperty("state");
            Assert.Equal(epoch - 1, training.GetProperty("epoch").GetInt32());
            Assert.Equal(batch, training.GetProperty("step").GetInt32());
        }

        var resumedOutput = Finish(Start(interrupted, resume: true, checkpointEvery: null, batchSize: "16"));
        Assert.Contains("resumed from", resumedOutput);
        Assert.Equal(Metrics(straight), Metrics(interrupted));
        Assert.Equal(straightOutput.Trim().Split('\n')[^1], resumedOutput.Trim().Split('\n')[^1]);
    }
}
