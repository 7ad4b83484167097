using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NpasDsl.Families;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using NpasDsl.Training;
using NpasDsl.Unsharing;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Training;

/// <summary>Coefficient unsharing run by the trainer: the split at the end of the watched epoch, the rebuilt model and optimizer, and resumption.</summary>
public sealed class TrainerUnsharingTests : ScratchDirectoryTest
{
    public TrainerUnsharingTests() : base("trainer-unsharing") { }

    // Threshold 1 separates every pair (every cosine is at most 1), so the split always happens.
    private static readonly TrainerOptions Unsharing = new()
    {
        Epochs = 3, BatchSize = 16, LearningRate = 0.01, UnshareAtEpoch = 1, UnshareThreshold = 1.0, WeightDecay = 0.01,
    };

    private static NpasModule Rebuild(NpasOptions o) => new SharedCoefficientNet(o);

    private static SharedCoefficientNet Model(long seed = 5) => new(new NpasOptions { Seed = seed });

    private static IEnumerable<(double, double, double, double)> Curve(IEnumerable<EpochRecord> history)
        => history.Select(r => (r.TrainLoss, r.TrainAccuracy, r.TestAccuracy, r.LearningRate));

    [Fact]
    public void The_split_at_the_end_of_the_watched_epoch_gives_each_layer_its_own_vector_and_training_goes_on_with_the_rebuilt_model()
    {
        using var model = Model();
        var lines = new List<string>();
        var trainer = new Trainer(model, TrainerTests.Data(), Unsharing, log: lines.Add, rebuild: Rebuild);
        var history = trainer.Run();

        Assert.Equal(3, history.Count);
        Assert.Contains(lines, l => l.StartsWith("epoch 1: summing the coefficient gradients of 3 layers"));
        Assert.Contains(lines, l => l.StartsWith("coefficient unsharing after 6 steps (cosine ≤ 1 splits): 2 vectors added"));
        var trained = Assert.IsType<SharedCoefficientNet>(trainer.Model);
        using var _ = trained;
        Assert.NotSame(model, trained);
        Assert.Equal(new string?[] { null, null, null }, trained.Allocation.Layers.Where(l => l.Path.StartsWith("Body.")).Select(l => l.CoefficientsFrom));
        Assert.Equal(model.TrainableParameters + 2 * model.Allocation.Layer("Body.0").Templates, trained.TrainableParameters);
        Assert.True(trained.TrainableParameters <= trained.Allocation.Budget);
        // Trained apart for two epochs, the three vectors have moved apart: the new optimizer steps the rebuilt model.
        var state = trained.state_dict();
        Assert.False(state["Body.1.coefficients"].allclose(state["Body.0.coefficients"], rtol: 0, atol: 0));
    }

    [Fact]
    public void Where_every_layer_agrees_nothing_is_split_and_the_model_given_trains_on()
    {
        using var model = Model();
        var lines = new List<string>();
        // No cosine is at or below -1 between gradient sums that are not exact opposites.
        var trainer = new Trainer(model, TrainerTests.Data(), Unsharing with { UnshareThreshold = -1 }, log: lines.Add, rebuild: Rebuild);
        trainer.Run();

        Assert.Same(model, trainer.Model);
        Assert.Contains(lines, l => l.Contains(": 0 vectors added"));
        Assert.DoesNotContain(lines, l => l.StartsWith("continuing with the split allocation"));
    }

    [Fact]
    public void The_rebuilt_optimizer_keeps_every_parameters_state_and_a_new_vector_starts_with_the_state_of_the_one_its_layer_read()
    {
        using var model = Model();
        var optimizer = optim.AdamW(model.parameters(), 0.01);
        using var tracker = CoefficientUnsharing.Track(model);
        Runtime.Tests.Unsharing.TrackedSteps.Run(model, tracker, steps: 3, optimizer);
        using var next = tracker.Split(threshold: 1.0).Rebuild(model, o => new SharedCoefficientNet(o));
        var nextOptimizer = optim.AdamW(next.parameters(), 0.01);
        CoefficientSplit.CarryOptimizerState(model, optimizer, next, nextOptimizer); // the public door to what the trainer does

        var before = model.named_parameters().Select(p => p.name).Zip(optimizer.state_dict().State.Cast<AdamW.State>()).ToDictionary(p => p.First, p => p.Second);
        var after = next.named_parameters().Select(p => p.name).Zip(nextOptimizer.state_dict().State.Cast<AdamW.State>()).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(before.Count + 2, after.Count);
        foreach (var (name, state) in after)
        {
            var source = before.TryGetValue(name, out var same) ? same : before["Body.0.coefficients"]; // Body.1 and Body.2 read Body.0's vector before
            Assert.Equal(3, state.step);
            Assert.True(state.exp_avg.eq(source.exp_avg).all().item<bool>(), name);
            Assert.True(state.exp_avg_sq.eq(source.exp_avg_sq).all().item<bool>(), name);
        }
        Assert.Contains("Body.2.coefficients", after.Keys);
        Assert.True(after["Body.0.coefficients"].exp_avg.abs().sum().item<float>() > 0, "three steps leave a moment to carry over");

        // Whatever the order of parameters and states: the two models compute the same function with the same banks,
        // so with the carried state one more step moves the banks of both alike.
        var (images, labels) = TestData.Images();
        foreach (var (m, o) in new (NpasModule, OptimizerHelper)[] { (model, optimizer), (next, nextOptimizer) })
        {
            using var scope = NewDisposeScope();
            o.zero_grad();
            nn.functional.cross_entropy(m.call(images), labels).backward();
            o.step();
        }
        using var fresh = Model();
        var banks = model.state_dict().Keys.Where(k => k.StartsWith("banks.")).ToList();
        Assert.NotEmpty(banks);
        foreach (var bank in banks)
        {
            Assert.True(next.state_dict()[bank].allclose(model.state_dict()[bank], rtol: 1e-5, atol: 1e-7), bank);
            Assert.False(fresh.state_dict()[bank].allclose(next.state_dict()[bank], rtol: 1e-5, atol: 1e-7), "four steps move " + bank);
        }
    }

    /// <summary>
    /// Trains <see cref="Unsharing"/> straight through, then again killed at <paramref name="stop"/> and resumed from its last
    /// checkpoint (every 2 steps) by a model with other weights: both curves, the resumed run's log and its trainer, and the
    /// gradient-sum files the killed run left.
    /// </summary>
    private (IReadOnlyList<EpochRecord> Expected, IReadOnlyList<EpochRecord> Actual, List<string> StraightLines, List<string> Lines, Trainer Resumed, int SumFiles) KillAndResume(
        SharedCoefficientNet resumed, TrainerTests.StopAt stop)
    {
        using var straight = Model();
        var straightLines = new List<string>();
        var expected = new Trainer(straight, TrainerTests.Data(), Unsharing, log: straightLines.Add, rebuild: Rebuild).Run();
        var checkpointed = Unsharing with { CheckpointDirectory = Scratch, CheckpointEverySteps = 2 };
        using (var first = Model())
            Assert.Throws<OperationCanceledException>(() => new Trainer(first, TrainerTests.Data(), checkpointed, log: _ => { }, rebuild: Rebuild, progress: stop).Run());
        int sumFiles = Directory.GetFiles(Scratch, "unsharing-*.bin").Length;
        var lines = new List<string>();
        var trainer = new Trainer(resumed, TrainerTests.Data(), checkpointed with { Resume = true }, log: lines.Add, rebuild: Rebuild);
        return (expected, trainer.Run(), straightLines, lines, trainer, sumFiles);
    }

    [Fact]
    public void A_run_killed_inside_the_watched_epoch_resumes_with_its_gradient_sums_and_ends_like_an_uninterrupted_one()
    {
        using var resumed = Model(seed: 99); // the checkpoint replaces every weight, and the sums come from it
        var (expected, actual, straightLines, lines, trainer, sumFiles) = KillAndResume(resumed, new TrainerTests.StopAt(1, 5));
        using var _ = trainer.Model;

        Assert.Equal(1, sumFiles); // the killed run's last checkpoint (batch 4) saved its sums; batch 2's were removed
        Assert.Contains(lines, l => l.StartsWith("resumed from") && l.Contains("epoch 1, batch 4"));
        // 4 steps summed before the kill and 2 after: the same sums, so the same cosines of every pair, as without the kill.
        static string Split(List<string> log) => log.Single(l => l.StartsWith("coefficient unsharing after"));
        Assert.StartsWith("coefficient unsharing after 6 steps", Split(lines));
        Assert.Equal(Split(straightLines), Split(lines));
        Assert.Equal(Curve(expected), Curve(actual));
        Assert.Empty(Directory.GetFiles(Scratch, "unsharing-*.bin")); // the end-of-epoch checkpoint is past the split
    }

    [Fact]
    public void A_run_killed_after_the_split_resumes_into_the_split_allocation_and_ends_like_an_uninterrupted_one()
    {
        using var resumed = Model(seed: 99); // built with the declared (unsplit) vectors
        var (expected, actual, _, lines, trainer, sumFiles) = KillAndResume(resumed, new TrainerTests.StopAt(2, 3));
        using var _ = trainer.Model;

        Assert.Equal(0, sumFiles); // checkpoints after the split hold no sums

        Assert.Contains(lines, l => l.StartsWith("the checkpoint's coefficient vectors were split at epoch 1"));
        Assert.DoesNotContain(lines, l => l.StartsWith("coefficient unsharing after"));
        Assert.NotSame(resumed, trainer.Model);
        Assert.Equal(Curve(expected), Curve(actual));
    }

    [Fact]
    public void A_split_checkpoint_is_not_taken_up_by_a_model_of_another_budget()
    {
        var checkpointed = Unsharing with { CheckpointDirectory = Scratch };
        using (var first = Model())
            Assert.Throws<OperationCanceledException>(() => new Trainer(first, TrainerTests.Data(), checkpointed, log: _ => { }, rebuild: Rebuild,
                progress: new TrainerTests.StopAt(2, 1)).Run());
        using var other = new SharedCoefficientNet(new NpasOptions { Seed = 5, Budget = BudgetSpec.Fraction(0.6) });
        var e = Assert.Throws<CheckpointMismatchException>(() => new Trainer(other, TrainerTests.Data(), checkpointed with { Resume = true }, log: _ => { }, rebuild: Rebuild).Run());
        Assert.Contains("is of another model or allocation", e.Message);
        Assert.Contains("the budget is", e.Message);
    }

    [Fact]
    public void A_checkpoint_of_a_run_with_unsharing_is_not_continued_without_it()
    {
        using (var first = Model())
            Assert.Throws<OperationCanceledException>(() => new Trainer(first, TrainerTests.Data(), Unsharing with { CheckpointDirectory = Scratch }, log: _ => { },
                rebuild: Rebuild, progress: new TrainerTests.StopAt(3, 1)).Run());
        using var resumed = Model();
        var e = Assert.Throws<CheckpointMismatchException>(() => new Trainer(resumed, TrainerTests.Data(),
            Unsharing with { UnshareAtEpoch = null, CheckpointDirectory = Scratch, Resume = true }, log: _ => { }).Run());
        // Options built in code: the message names the properties to set.
        Assert.Contains("UnshareAtEpoch = 1 (this run: null)", e.Message);
        Assert.DoesNotContain("UnshareThreshold", e.Message); // a run that does not unshare records no threshold
    }

    [Fact]
    public void A_checkpoint_written_before_the_unsharing_settings_were_recorded_resumes()
    {
        var options = new TrainerOptions { Epochs = 2, BatchSize = 16, CheckpointDirectory = Scratch, Names = SettingNames.CommandLine };
        using (var first = new TinyCnn())
            new Trainer(first, TrainerTests.Data(), options with { Epochs = 1 }, log: _ => { }).Run();
        var manifest = Path.Combine(Scratch, "trainer.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!;
        var settings = json["state"]!["settings"]!.AsObject();
        Assert.True(settings.Remove("unshareAtEpoch") && settings.Remove("unshareThreshold"), "the settings record the unsharing options");
        File.WriteAllText(manifest, json.ToJsonString());

        using var resumed = new TinyCnn();
        var lines = new List<string>();
        Assert.Equal(2, new Trainer(resumed, TrainerTests.Data(), options with { Resume = true }, log: lines.Add).Run().Count);
        Assert.Contains(lines, l => l.StartsWith("resumed from") && l.Contains("epoch 2, batch 0"));
    }

    [Fact]
    public void Unsharing_is_refused_where_it_cannot_run_with_the_fix_named()
    {
        var data = TrainerTests.Data();
        using var plain = new TinyCnn();
        Assert.Contains("'TinyCnn' shares none: declare [Sharing(CoefficientSharing = CoefficientSharing.ByShape)]",
            Assert.Throws<UnsharingUnavailableException>(() => new Trainer(plain, data, Unsharing, rebuild: o => new TinyCnn(o))).Message);
        using var model = Model();
        Assert.Contains("give the trainer rebuild: o => new SharedCoefficientNet(o)", Assert.Throws<UnsharingUnavailableException>(() => new Trainer(model, data, Unsharing)).Message);
        using var family = new ModelFamily(new[]
        {
            FamilyMember.Of(MaskedNarrow.Declaration, o => new MaskedNarrow(o)),
            FamilyMember.Of(MaskedWide.Declaration, o => new MaskedWide(o)),
        });
        Assert.Contains("'MaskedWide' is a family member extending MaskedNarrow",
            Assert.Throws<UnsharingUnavailableException>(() => new Trainer(family.Members[1], data, Unsharing, rebuild: o => new MaskedWide(o))).Message);
        Assert.Contains("UnshareAtEpoch is 3 but must be from 1 to 2", Assert.Throws<ArgumentException>(() => new Trainer(model, data, Unsharing with { UnshareAtEpoch = 3 }, rebuild: Rebuild)).Message);
        Assert.Contains("UnshareThreshold is 1.5 but must be a cosine", Assert.Throws<ArgumentException>(() => new Trainer(model, data, Unsharing with { UnshareThreshold = 1.5 }, rebuild: Rebuild)).Message);
    }

    [Fact]
    public void The_command_line_reads_the_unsharing_options_and_refuses_a_threshold_alone()
    {
        var line = new TrainerCommandLine(new TrainerOptions { Epochs = 4 });
        line.Read(new[] { "--unshare-at", "2", "--unshare-threshold", "-0.25" }, (_, _) => false);
        var options = line.Finish();
        Assert.Equal((2, -0.25), (options.UnshareAtEpoch!.Value, options.UnshareThreshold));

        var alone = new TrainerCommandLine(new TrainerOptions { Epochs = 4 });
        alone.Read(new[] { "--unshare-threshold", "0.5" }, (_, _) => false);
        Assert.Contains("give --unshare-at N as well", Assert.Throws<ArgumentException>(() => alone.Finish()).Message);
        var late = new TrainerCommandLine(new TrainerOptions { Epochs = 4 });
        late.Read(new[] { "--unshare-at", "4" }, (_, _) => false);
        Assert.Contains("--unshare-at is 4 but must be from 1 to 3", Assert.Throws<ArgumentException>(() => late.Finish()).Message);
        var single = new TrainerCommandLine(new TrainerOptions { Epochs = 1 });
        single.Read(new[] { "--unshare-at", "1" }, (_, _) => false);
        Assert.Contains("--unshare-at needs --epochs of at least 2 (--epochs is 1)", Assert.Throws<ArgumentException>(() => single.Finish()).Message);
        Assert.Equal(CoefficientSharing.ByShape, TrainerCommandLine.CoefficientSharingNamed("--coefficient-sharing", "by-shape"));
        Assert.Equal("--coefficient-sharing must be none or by-shape, not 'shape'.",
            Assert.Throws<ArgumentException>(() => TrainerCommandLine.CoefficientSharingNamed("--coefficient-sharing", "shape")).Message);
        Assert.Equal("--unshare-threshold needs a number from -1 to 1, not 'high'.", Assert.Throws<ArgumentException>(() =>
            new TrainerCommandLine(new TrainerOptions()).Read(new[] { "--unshare-threshold", "high" }, (_, _) => false)).Message);
    }
}
