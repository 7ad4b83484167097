using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using NpasDsl.Runtime.Tests.Models;
using NpasDsl.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Training;

/// <summary>Tests that use TorchSharp's global generator, which a test running beside them would draw from too.</summary>
[CollectionDefinition(nameof(GlobalRandomCollection), DisableParallelization = true)]
public sealed class GlobalRandomCollection { }

/// <summary>What a checkpoint holds beyond model and optimizer: the global random state; and what its clean-up removes.</summary>
[Collection(nameof(GlobalRandomCollection))]
public sealed class CheckpointContentsTests : ScratchDirectoryTest
{
    public CheckpointContentsTests() : base("contents") { }

    private TrainerOptions Options => new() { Epochs = 1, BatchSize = 16, CheckpointDirectory = Scratch };

    [Fact]
    public void A_resumed_run_draws_from_the_global_generator_what_the_uninterrupted_run_would()
    {
        random.manual_seed(17);
        using (var model = new TinyCnn())
            new Trainer(model, TrainerTests.Data(), Options, log: _ => { }).Run();
        var uninterrupted = rand(6).data<float>().ToArray(); // the next draws after the save

        random.manual_seed(99); // a restarted program seeds afresh, as the examples do
        using var resumed = new TinyCnn();
        new Trainer(resumed, TrainerTests.Data(), Options with { Resume = true }, log: _ => { }).Run();
        Assert.Equal(uninterrupted, rand(6).data<float>().ToArray());
    }

    [Fact]
    public void A_resumed_sgd_run_steps_with_its_own_momentum_not_the_one_saved()
    {
        // Found by a review: TorchSharp's optimizer load restores the saved momentum, so the changed one the note
        // announced was never used.
        var sgd = Options with { Optimizer = OptimizerKind.SgdNesterov, LearningRate = 0.01, BatchesPerEpoch = 2 };
        using (var model = new TinyCnn())
            new Trainer(model, TrainerTests.Data(), sgd, log: _ => { }).Run();
        var log = new List<string>();
        using var resumed = new TinyCnn();
        var trainer = new Trainer(resumed, TrainerTests.Data(), sgd with { Epochs = 2, Momentum = 0.5, Resume = true }, log: log.Add);
        trainer.Run();
        Assert.Contains(log, l => l.StartsWith("note:", System.StringComparison.Ordinal) && l.Contains("Momentum = 0.9 (this run: 0.5)", System.StringComparison.Ordinal));
        Assert.All(trainer.Optimizer.ParamGroups, g => Assert.Equal(0.5, Assert.IsAssignableFrom<optim.IMomentum>(g).Momentum));
    }

    [Fact]
    public void A_run_resumed_from_a_checkpoint_older_than_the_seed_ranges_keeps_drawing_its_augmentations_the_old_way()
    {
        // Found by a review of the seed-range change: such a run would have drawn other crops after its resume.
        var seeds = new List<ulong>();
        Tensor Record(Tensor images, Generator generator)
        {
            seeds.Add((ulong)generator.initial_seed());
            return images;
        }
        var options = Options with { Seed = 2, BatchesPerEpoch = 2 };
        using (var model = new TinyCnn())
            new Trainer(model, TrainerTests.Data(), options, log: _ => { }, augment: Record).Run();
        Assert.Equal(new[] { Trainer.AugmentationSeed(2, 0), Trainer.AugmentationSeed(2, 1) }, seeds);
        Assert.Equal((1UL << 32) + 7_919, seeds[0]); // the seed range of seed 2

        var path = Path.Combine(Scratch, "trainer.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Equal(TrainingState.SeedRangeAugmentation, (int?)json["state"]!["augmentationSeeds"]);
        Assert.True(json["state"]!.AsObject().Remove("augmentationSeeds")); // as an older NpasDsl wrote it
        File.WriteAllText(path, json.ToJsonString());
        seeds.Clear();
        using var resumed = new TinyCnn();
        new Trainer(resumed, TrainerTests.Data(), options with { Epochs = 2, Resume = true }, log: _ => { }, augment: Record).Run();
        Assert.Equal(new ulong[] { 2 * 7_919 + 2, 2 * 7_919 + 3 }, seeds); // seed · 7,919 + step, steps 2 and 3
    }

    [Fact]
    public void A_save_removes_the_temporaries_a_killed_save_left_and_nothing_else()
    {
        Directory.CreateDirectory(Scratch);
        // Process ids above Linux's largest (2^22): no process that could still be writing them.
        string[] left = { "model-000000002.bin.tmp-99999999", "model-000000002.bin.allocation.json.tmp-99999999", "trainer.json.tmp-99999999", "optimizer-000000002.bin.tmp-88888888" };
        string[] mine = { "notes.tmp-41", "trainer.json.bak", "model-best.bin" };
        foreach (var name in left.Concat(mine)) File.WriteAllText(Path.Combine(Scratch, name), "x");

        using (var model = new TinyCnn())
            new Trainer(model, TrainerTests.Data(), Options, log: _ => { }).Run();
        var files = Directory.GetFiles(Scratch).Select(Path.GetFileName).ToHashSet();
        Assert.All(left, name => Assert.DoesNotContain(name, files));
        Assert.All(mine, name => Assert.Contains(name, files));
        // The checkpoint the manifest names is whole: a resume loads it.
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Scratch, "trainer.json")))!;
        Assert.Contains(manifest["model"]!.GetValue<string>(), files);
        Assert.Contains(manifest["optimizer"]!.GetValue<string>(), files);
        using var resumed = new TinyCnn();
        new Trainer(resumed, TrainerTests.Data(), Options with { Epochs = 2, Resume = true }, log: _ => { }).Run();
    }

    [Fact]
    public void A_temporary_of_a_save_still_running_in_another_process_is_left_alone()
    {
        using var other = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            string busy = $"trainer.json.tmp-{other.Id}";
            Directory.CreateDirectory(Scratch);
            File.WriteAllText(Path.Combine(Scratch, busy), "x");
            using (var model = new TinyCnn())
                new Trainer(model, TrainerTests.Data(), Options, log: _ => { }).Run();
            Assert.True(File.Exists(Path.Combine(Scratch, busy)));
        }
        finally
        {
            other.Kill();
        }
    }

    [Fact]
    public void The_manifest_names_its_enums_and_one_with_the_numbers_older_versions_wrote_still_resumes()
    {
        using (var model = new TinyCnn())
            new Trainer(model, TrainerTests.Data(), Options, log: _ => { }).Run();
        var path = Path.Combine(Scratch, "trainer.json");
        var state = JsonNode.Parse(File.ReadAllText(path))!["state"]!;
        Assert.Equal("AdamW", (string?)state["settings"]!["optimizer"]);
        Assert.Equal("Cosine", (string?)state["schedule"]!["schedule"]);
        Assert.Equal("Step", (string?)state["schedule"]!["interval"]);

        // Before names were written: "optimizer": 0, "schedule": 3, "interval": 0.
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["state"]!["settings"]!["optimizer"] = (int)OptimizerKind.AdamW;
        json["state"]!["schedule"]!["schedule"] = (int)ScheduleKind.Cosine;
        json["state"]!["schedule"]!["interval"] = (int)ScheduleInterval.Step;
        json["state"]!["schedule"]!["optimizer"] = (int)OptimizerKind.AdamW;
        File.WriteAllText(path, json.ToJsonString());
        var log = new List<string>();
        using var resumed = new TinyCnn();
        Assert.Equal(2, new Trainer(resumed, TrainerTests.Data(), Options with { Epochs = 2, Resume = true }, log: log.Add).Run().Count);
        // The numbers read back as the settings they stood for: the only difference noted is the longer run.
        Assert.Equal(new[] { "note: the checkpoint was written with Epochs = 1 (this run: 2); training goes on from it with this run's settings, " +
            "so it will not end as the uninterrupted run would" }, log.Where(l => l.StartsWith("note:", System.StringComparison.Ordinal)));
        // A number read as another member would be noted (or refused, for the optimizer) just the same.
        var finished = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        finished["state"]!["schedule"]!["schedule"] = (int)ScheduleKind.Step;
        File.WriteAllText(path, finished.ToJsonString());
        log.Clear();
        using var misread = new TinyCnn();
        new Trainer(misread, TrainerTests.Data(), Options with { Epochs = 3, Resume = true }, log: log.Add).Run();
        Assert.Contains(log, l => l.Contains("Schedule = ScheduleKind.Step (this run: ScheduleKind.Cosine)", System.StringComparison.Ordinal));
    }

    [Fact]
    public void A_checkpoint_without_a_random_state_or_schedule_still_resumes_and_a_damaged_state_is_refused()
    {
        using (var model = new TinyCnn())
            new Trainer(model, TrainerTests.Data(), Options, log: _ => { }).Run();
        var path = Path.Combine(Scratch, "trainer.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.True(json.Remove("randomState") && json["state"]!.AsObject().Remove("schedule"), "the checkpoint records both");
        File.WriteAllText(path, json.ToJsonString());
        var log = new List<string>();
        using (var resumed = new TinyCnn())
            Assert.Equal(2, new Trainer(resumed, TrainerTests.Data(), Options with { Epochs = 2, Resume = true }, log: log.Add).Run().Count);
        Assert.Contains(ScheduleSettings.UnrecordedNote, log);

        foreach (var damaged in new[] { "AAAA", "not base64!" })
        {
            json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            json["randomState"] = damaged;
            File.WriteAllText(path, json.ToJsonString());
            using var again = new TinyCnn();
            var e = Assert.Throws<CheckpointException>(() => new Trainer(again, TrainerTests.Data(), Options with { Epochs = 3, Resume = true }, log: _ => { }).Run());
            Assert.Contains("saved random state", e.Message);
            Assert.Contains("is damaged or incomplete", e.Message);
        }
    }
}
