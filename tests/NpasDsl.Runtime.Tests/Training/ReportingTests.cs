using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NpasDsl.Runtime.Tests.Models;
using NpasDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Training;

/// <summary>What a person sees of a run: the live display's choice and reports, the CSV and the PNG plot.</summary>
public sealed class ReportingTests : ScratchDirectoryTest
{
    public ReportingTests() : base("report") { }

    [Theory]
    [InlineData(false, null, true)]
    [InlineData(false, "", true)]
    [InlineData(true, null, false)]
    [InlineData(false, "true", false)]
    public void A_live_display_only_for_a_terminal_outside_ci(bool redirected, string? ci, bool interactive)
        => Assert.Equal(interactive, ConsoleProgress.IsInteractive(redirected, ci));

    [Fact]
    public void Every_step_is_reported_and_the_plot_is_a_png()
    {
        var g = new Generator(2);
        var data = new TrainingData(randn(new long[] { 40, 1, 8, 8 }, generator: g), randint(0, 4, new long[] { 40 }, generator: g),
            randn(new long[] { 8, 1, 8, 8 }, generator: g), randint(0, 4, new long[] { 8 }, generator: g));
        var reports = new List<TrainingProgress>();
        using var model = new TinyCnn();
        var options = new TrainerOptions { Epochs = 2, BatchSize = 10, CheckpointDirectory = Scratch, Plot = true };
        new Trainer(model, data, options, log: _ => { }, progress: new Collect(reports)).Run();

        Assert.Equal(8, reports.Count); // 4 batches x 2 epochs
        Assert.Equal(Enumerable.Range(1, 4).Concat(Enumerable.Range(1, 4)), reports.Select(r => r.Batch));
        Assert.Equal(TimeSpan.Zero, reports[^1].Remaining);
        var png = File.ReadAllBytes(Path.Combine(Scratch, "metrics.png"));
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        Assert.True(png.Length > 5000, $"the plot is only {png.Length} bytes");
    }

    private sealed class Collect(List<TrainingProgress> into) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => into.Add(value);
    }
}
