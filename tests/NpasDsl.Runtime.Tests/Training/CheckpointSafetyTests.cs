using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NpasDsl.Runtime.Tests.Models;
using NpasDsl.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Training;

/// <summary>
/// Nothing is lost and nothing is continued wrongly: a fresh run does not replace a checkpoint it was not told to,
/// an unusable directory is refused before training, and a resume that could not end like the uninterrupted run
/// (other settings, fewer epochs, a damaged checkpoint) stops with a message naming the fix.
/// </summary>
public sealed class CheckpointSafetyTests : ScratchDirectoryTest
{
    public CheckpointSafetyTests() : base("safety") { }

    private static TrainingData Data()
    {
        var g = new Generator(5);
        var train = randn(new long[] { 48, 1, 8, 8 }, generator: g);
        return new TrainingData(train, randint(0, 4, new long[] { 48 }, generator: g), train.narrow(0, 0, 16), randint(0, 4, new long[] { 16 }, generator: g));
    }

    // The options a command line produces (TrainerCommandLine.Finish), so the messages name the options a user typed;
    // Options_built_in_code_get_messages_that_name_their_properties checks the other vocabulary.
    private TrainerOptions Options => new() { Epochs = 1, BatchSize = 16, CheckpointDirectory = Scratch, Names = SettingNames.CommandLine };

    private IReadOnlyList<EpochRecord> Train(TrainerOptions options, long seed = 1, List<string>? log = null)
    {
        using var model = new TinyCnn(new NpasOptions { Seed = seed });
        return new Trainer(model, Data(), options, log: log is null ? _ => { } : log.Add).Run();
    }

    [Fact]
    public void Checkpoints_every_as_many_steps_as_an_epoch_has_or_more_are_noted_as_saving_at_epoch_ends_only()
    {
        // Found by a review: such a run saved nothing within an epoch and said nothing. Data() makes 3 batches of 16.
        var log = new List<string>();
        Train(Options with { CheckpointEverySteps = 3 }, log: log);
        Assert.Contains("note: --checkpoint-every 3 is at least the 3 batches of an epoch, so checkpoints are written at the end of each epoch only; " +
            "give a number below 3 for saves within an epoch", log);
        log.Clear();
        Train(Options with { CheckpointEverySteps = 2, Overwrite = true }, log: log);
        Assert.DoesNotContain(log, l => l.Contains("--checkpoint-every", StringComparison.Ordinal));
    }

    [Fact]
    public void A_batch_size_or_batch_limit_past_the_data_is_noted_not_clamped_silently()
    {
        // Found by a review: --batch-size 100000 and --train-batches above an epoch's batches were used as far as they go
        // without a word. Data() has 48 training examples.
        var log = new List<string>();
        Train(Options with { BatchSize = 100, BatchesPerEpoch = 5 }, log: log);
        Assert.Contains("note: --batch-size 100 is more than the 48 training examples, so every epoch is one batch of 48", log);
        Assert.Contains("note: --train-batches 5 is more than the 1 batch of an epoch, so every epoch is whole", log);
        log.Clear();
        Train(Options with { BatchesPerEpoch = 3, Overwrite = true }, log: log); // 3 batches of 16: exactly an epoch
        Assert.DoesNotContain(log, l => l.StartsWith("note: --batch-size", StringComparison.Ordinal) || l.StartsWith("note: --train-batches", StringComparison.Ordinal));
    }

    [Fact]
    public void A_fresh_run_refuses_aScratch_holding_a_checkpoint_unless_told_to_overwrite_it()
    {
        Train(Options);
        var manifest = File.ReadAllText(Path.Combine(Scratch, "trainer.json"));
        var e = Assert.Throws<CheckpointException>(() => Train(Options));
        Assert.Contains("already holds a checkpoint (1 epoch done)", e.Message);
        Assert.Contains("--resume", e.Message);
        Assert.Contains("--overwrite", e.Message);
        Assert.Equal(manifest, File.ReadAllText(Path.Combine(Scratch, "trainer.json"))); // untouched

        var log = new List<string>();
        bool manifestGoneBeforeTraining = false;
        using (var model = new TinyCnn(new NpasOptions { Seed = 1 }))
            Assert.Single(new Trainer(model, Data(), Options with { Overwrite = true }, log: line =>
            {
                log.Add(line);
                if (line.StartsWith("--overwrite:")) manifestGoneBeforeTraining = !File.Exists(Path.Combine(Scratch, "trainer.json"));
            }).Run());
        Assert.Contains($"--overwrite: the checkpoint in {Scratch} is discarded; this run starts from epoch 1", log);
        Assert.True(manifestGoneBeforeTraining, "an old manifest left in place could name the new run's half-saved files");
        Assert.Contains("give one of them", Assert.Throws<ArgumentException>(() => Train(Options with { Overwrite = true, Resume = true })).Message);

        // Found by a review: the discarded run's plot stayed beside the new run's metrics when the new run had no --plot.
        Train(Options with { Overwrite = true, Plot = true });
        Assert.True(File.Exists(Path.Combine(Scratch, "metrics.png")));
        bool reportsGoneBeforeTraining = false;
        using (var model = new TinyCnn(new NpasOptions { Seed = 1 }))
            new Trainer(model, Data(), Options with { Overwrite = true }, log: line =>
            {
                if (line.StartsWith("--overwrite:")) reportsGoneBeforeTraining = !File.Exists(Path.Combine(Scratch, "metrics.png")) && !File.Exists(Path.Combine(Scratch, "metrics.csv"));
            }).Run();
        Assert.True(reportsGoneBeforeTraining, "the old run's metrics were kept after its checkpoint was discarded");
        Assert.False(File.Exists(Path.Combine(Scratch, "metrics.png")));
        Assert.True(File.Exists(Path.Combine(Scratch, "metrics.csv"))); // the new run's own
    }

    [Fact]
    public void A_checkpointScratch_that_is_a_file_is_refused_before_training()
    {
        File.WriteAllText(Scratch, "not a directory");
        using var model = new TinyCnn(new NpasOptions { Seed = 1 });
        var e = Assert.Throws<CheckpointException>(() => new Trainer(model, Data(), Options, log: _ => { }));
        Assert.Contains("is a file; give a directory", e.Message);
    }

    [Fact]
    public void Resume_without_a_checkpoint_says_it_starts_from_the_first_epoch()
    {
        var log = new List<string>();
        Train(Options with { Resume = true }, log: log);
        Assert.Contains(log, l => l.StartsWith($"no checkpoint in {Scratch} yet: starting from epoch 1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("batch", "--batch-size 16 (this run: 8)")]
    [InlineData("seed", "--seed 1 (this run: 2)")]
    [InlineData("optimizer", "--optimizer adamw (this run: sgd)")]
    [InlineData("batches", "no --train-batches (this run: 2)")]
    public void Resume_refuses_settings_that_change_the_batches_or_the_optimizer_before_loading_anything(string change, string named)
    {
        Train(Options);
        var resumed = (Options with { Epochs = 2, Resume = true }) switch
        {
            var o when change == "batch" => o with { BatchSize = 8 },
            var o when change == "seed" => o with { Seed = 2 },
            var o when change == "optimizer" => o with { Optimizer = OptimizerKind.SgdNesterov },
            var o => o with { BatchesPerEpoch = 2 },
        };
        using var model = new TinyCnn(new NpasOptions { Seed = 7 });
        using var untouched = new TinyCnn(new NpasOptions { Seed = 7 });
        var e = Assert.Throws<CheckpointMismatchException>(() => new Trainer(model, Data(), resumed, log: _ => { }).Run());
        Assert.Contains(named, e.Message);
        Assert.Contains("resume with those settings", e.Message);
        var before = untouched.state_dict();
        Assert.All(model.state_dict(), p => Assert.True(p.Value.eq(before[p.Key]).all().item<bool>(), p.Key));
    }

    [Fact]
    public void Resume_with_fewer_epochs_than_done_is_refused_and_a_complete_run_is_not_trained_again()
    {
        Train(Options with { Epochs = 2 });
        var fewer = Assert.Throws<CheckpointMismatchException>(() => Train(Options with { Epochs = 1, Resume = true }));
        Assert.Contains("has done 2 epochs, more than this run's --epochs 1: give --epochs 2 or more", fewer.Message);

        var log = new List<string>();
        var history = Train(Options with { Epochs = 2, Resume = true }, log: log);
        Assert.Equal(2, history.Count);
        Assert.Contains(log, l => l.Contains("is complete (2 epochs): nothing left to train", StringComparison.Ordinal));
        Assert.Equal(3, Train(Options with { Epochs = 3, Resume = true }).Count); // extending a finished run is a resume
    }

    [Fact]
    public void A_damaged_checkpoint_is_reported_with_itsScratch_and_the_fix()
    {
        Train(Options);
        var manifest = Path.Combine(Scratch, "trainer.json");
        var good = File.ReadAllText(manifest);

        File.WriteAllText(manifest, "{ not json");
        var unreadable = Assert.Throws<CheckpointException>(() => Train(Options with { Resume = true }));
        Assert.Contains($"The checkpoint in {Scratch} is damaged or incomplete", unreadable.Message);
        Assert.Contains("--overwrite", unreadable.Message);
        Assert.Contains("(unreadable)", Assert.Throws<CheckpointException>(() => Train(Options)).Message);

        // JSON null where a file name belongs: reported as damage, not a NullReferenceException, with or without --resume.
        var nulled = System.Text.RegularExpressions.Regex.Replace(good, "\"model\": \"[^\"]*\"", "\"model\": null");
        Assert.NotEqual(good, nulled);
        File.WriteAllText(manifest, nulled);
        Assert.Contains("does not name a model, an optimizer and a trainer state", Assert.Throws<CheckpointException>(() => Train(Options with { Resume = true })).Message);
        Assert.Contains("(unreadable)", Assert.Throws<CheckpointException>(() => Train(Options)).Message);

        File.WriteAllText(manifest, good);
        foreach (var file in Directory.GetFiles(Scratch, "model-*.bin")) File.Delete(file);
        var missing = Assert.Throws<CheckpointException>(() => Train(Options with { Resume = true }));
        Assert.Matches(@"names model-\d{9}\.bin, which is missing", missing.Message);
    }

    [Fact]
    public void Resuming_with_another_budget_says_what_to_resume_with_in_command_line_terms()
    {
        Train(Options with { Epochs = 2, BatchesPerEpoch = 1 });
        using var other = new TinyCnn(new NpasOptions { Seed = 1, Budget = NpasDsl.Planning.BudgetSpec.Fraction(0.9) });
        var e = Assert.Throws<CheckpointMismatchException>(() => new Trainer(other, Data(), Options with { Epochs = 2, BatchesPerEpoch = 1, Resume = true }, log: _ => { }).Run());
        Assert.Contains("is of another model or allocation (the budget is ", e.Message);
        Assert.Contains("): resume with the model, --budget, sharing options and --group-search or --allocation it was trained with", e.Message);
        Assert.DoesNotContain("new TinyCnn(", e.Message); // the programmer's fix is no use on a command line
        Assert.IsType<NpasDsl.Allocation.AllocationMismatchException>(e.InnerException);
    }

    [Fact]
    public void Resuming_another_model_names_the_programs_own_options_where_it_has_no_group_search()
    {
        // Found by a review: ConvMixer, Ensemble and VisionTransformer told a refused resume to give --budget, sharing options
        // and --group-search or --allocation, options they do not have (ConvMixer has no --budget either).
        Train(Options with { Epochs = 2, BatchesPerEpoch = 1 });
        using var other = new TinyCnn(new NpasOptions { Seed = 1, Budget = NpasDsl.Planning.BudgetSpec.Fraction(0.9) });
        var names = SettingNames.CommandLine.WithModelSettings("--model");
        var e = Assert.Throws<CheckpointMismatchException>(() => new Trainer(other, Data(), Options with { Epochs = 2, BatchesPerEpoch = 1, Resume = true, Names = names }, log: _ => { }).Run());
        Assert.Contains("): resume with --model it was trained with, or start afresh with --overwrite or another --checkpoint-dir.", e.Message);
        Assert.DoesNotContain("--group-search", e.Message);
        Assert.Equal("--resume", names.On(nameof(TrainerOptions.Resume))); // the rest of the names are the command line's
        Assert.Null(SettingNames.CommandLine.ModelSettings);
    }

    [Fact]
    public void An_option_value_that_is_left_out_is_not_taken_from_the_next_option()
    {
        static string Error(params string[] args)
            => Assert.Throws<CommandLineSyntaxException>(() => new TrainerCommandLine(new TrainerOptions()).Read(args, (_, _) => false)).Message;
        Assert.Equal("--checkpoint-dir needs a value.", Error("--checkpoint-dir", "--resume"));
        Assert.Equal("--checkpoint-dir needs a value, not an empty one.", Error("--checkpoint-dir", ""));
        var line = new TrainerCommandLine(new TrainerOptions());
        line.Read(new[] { "--seed", "-3", "--overwrite" }, (_, _) => false);
        Assert.Equal(-3, line.Options.Seed);
        Assert.True(line.Options.Overwrite);
    }

    [Fact]
    public void A_resume_with_another_schedule_goes_on_and_says_which_settings_changed()
    {
        Train(Options with { Epochs = 2, BatchesPerEpoch = 1 });
        var same = new List<string>();
        Train(Options with { Epochs = 2, BatchesPerEpoch = 1, Resume = true }, log: same);
        Assert.DoesNotContain(same, l => l.StartsWith("note:"));

        var changed = new List<string>();
        Assert.Equal(3, Train(Options with { Epochs = 3, BatchesPerEpoch = 1, Resume = true, LearningRate = 0.01, Schedule = ScheduleKind.MultiStep, Milestones = new[] { 2 } }, log: changed).Count);
        Assert.Contains("note: the checkpoint was written with --epochs 2 (this run: 3), --lr 0.003 (this run: 0.01), --schedule cosine (this run: multi-step), " +
            "no --milestones (this run: 2); training goes on from it with this run's settings, so it will not end as the uninterrupted run would", changed);
    }

    [Fact]
    public void A_resumes_note_tells_a_default_that_follows_epochs_from_a_setting_the_user_changed()
    {
        // Found by review: a one-epoch run of a program whose default warm-up is 2 epochs trains with none (a warm-up may
        // not outlast the run); resumed with --epochs 2 it warms up for 1, and the note read as if the user had changed it.
        var program = new TrainerOptions { Epochs = 20, BatchSize = 16, WarmupEpochs = 2, Schedule = ScheduleKind.Cosine, CheckpointDirectory = Scratch };
        TrainerOptions Line(params string[] args)
        {
            var line = new TrainerCommandLine(program);
            line.Read(args, (_, _) => false);
            return line.Finish() with { BatchesPerEpoch = 1 };
        }
        Train(Line("--epochs", "1", "--lr", "0.01"));
        var log = new List<string>();
        Train(Line("--epochs", "2", "--resume"), log: log);
        Assert.Contains("note: the checkpoint was written with --epochs 1 (this run: 2), --lr 0.01 (this run: 0.003, the default), " +
            "--warmup-epochs 0 (this run: 1, the default for --epochs 2); training goes on from it with this run's settings, so it will not end as the uninterrupted run would", log);
    }

    [Fact]
    public void A_save_that_cannot_be_written_stops_with_the_fix_and_leaves_the_last_checkpoint_to_resume_from()
    {
        Train(Options with { Epochs = 2, BatchesPerEpoch = 1 });
        var manifest = File.ReadAllText(Path.Combine(Scratch, "trainer.json"));
        // A directory where the save's temporary must go: the write fails as on a full disk or a read-only file.
        var blocker = Path.Combine(Scratch, $"trainer.json.tmp-{Environment.ProcessId}");
        Directory.CreateDirectory(blocker);
        var e = Assert.Throws<CheckpointException>(() => Train(Options with { Epochs = 3, BatchesPerEpoch = 1, Resume = true }));
        Assert.StartsWith($"Could not write the checkpoint in {Scratch} (", e.Message);
        Assert.Contains("The last complete checkpoint there is intact", e.Message);
        Assert.Contains("--resume", e.Message);
        Assert.Equal(manifest, File.ReadAllText(Path.Combine(Scratch, "trainer.json")));

        Directory.Delete(blocker);
        var metricsBlocker = Path.Combine(Scratch, $"metrics.csv.tmp-{Environment.ProcessId}");
        Directory.CreateDirectory(metricsBlocker);
        var metrics = Assert.Throws<CheckpointException>(() => Train(Options with { Epochs = 3, BatchesPerEpoch = 1, Resume = true }));
        Assert.StartsWith($"Could not write metrics.csv in {Scratch} (", metrics.Message);

        Directory.Delete(metricsBlocker);
        // Epoch 3 was saved before metrics.csv failed: the resume trains nothing and writes the reports it missed.
        Assert.Equal(3, File.ReadAllLines(Path.Combine(Scratch, "metrics.csv")).Length);
        Assert.Equal(3, Train(Options with { Epochs = 3, BatchesPerEpoch = 1, Resume = true, Plot = true }).Count);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(Scratch, "metrics.csv")).Length);
        Assert.True(File.Exists(Path.Combine(Scratch, "metrics.png")));
    }

    [Fact]
    public void Options_built_in_code_get_messages_that_name_their_properties()
    {
        // Found by a consumer audit: a program that set TrainerOptions was told to "continue it with --resume".
        var inCode = Options with { Names = SettingNames.Properties };
        Train(inCode);
        var e = Assert.Throws<CheckpointException>(() => Train(inCode with { Epochs = 2 }));
        Assert.Contains("continue it with Resume = true, replace it with Overwrite = true, or give another CheckpointDirectory", e.Message);
        Assert.DoesNotContain("--", e.Message);
        var fewer = Assert.Throws<CheckpointMismatchException>(() => Train(inCode with { Epochs = 2, Resume = true, Seed = 2 }));
        Assert.Contains("Seed = 1 (this run: 2)", fewer.Message);
        Assert.Contains("start afresh with Overwrite = true, or give another CheckpointDirectory", fewer.Message);
        var log = new List<string>();
        Train(inCode with { Epochs = 2, Resume = true, LearningRate = 0.001 }, log: log);
        Assert.Contains(log, l => l.StartsWith("note: the checkpoint was written with Epochs = 1 (this run: 2), LearningRate = 0.003 (this run: 0.001)", StringComparison.Ordinal));
        // Plain options default to these names; a command line's name its options.
        Assert.Same(SettingNames.Properties, new TrainerOptions().Names);
        Assert.Equal("--resume", SettingNames.CommandLine.On(nameof(TrainerOptions.Resume)));
        Assert.Equal("--epochs 5", SettingNames.CommandLine.Set(nameof(TrainerOptions.Epochs), 5));
        Assert.Equal("Epochs = 5", SettingNames.Properties.Set(nameof(TrainerOptions.Epochs), 5));
    }

    [Fact]
    public void Values_are_written_as_the_setter_writes_them_a_typed_option_or_a_csharp_expression()
    {
        var cli = SettingNames.CommandLine;
        var code = SettingNames.Properties;
        Assert.Equal("--optimizer sgd", cli.Set(nameof(TrainerOptions.Optimizer), OptimizerKind.SgdNesterov));
        Assert.Equal("Optimizer = OptimizerKind.SgdNesterov", code.Set(nameof(TrainerOptions.Optimizer), OptimizerKind.SgdNesterov));
        Assert.Equal("--schedule multi-step", cli.Set(nameof(TrainerOptions.Schedule), ScheduleKind.MultiStep));
        Assert.Equal("Schedule = ScheduleKind.MultiStep", code.Set(nameof(TrainerOptions.Schedule), ScheduleKind.MultiStep));
        Assert.Equal("step", cli.Value(ScheduleInterval.Step));
        Assert.Equal("ScheduleInterval.Step", code.Value(ScheduleInterval.Step));
        Assert.Equal("30,60", cli.Value(new[] { 30, 60 }));
        Assert.Equal("[30, 60]", code.Value(new[] { 30, 60 }));
        Assert.Equal("none", cli.Value(System.Array.Empty<int>()));
        Assert.Equal("[]", code.Value(System.Array.Empty<int>()));
        Assert.Equal("all", cli.Value(null, "all"));
        Assert.Equal("null", code.Value(null, "all"));
        Assert.Equal("CheckpointDirectory = \"/tmp/run\"", code.Set(nameof(TrainerOptions.CheckpointDirectory), "/tmp/run"));
        // A string is a literal that compiles when pasted: a Windows path's backslashes and a quote are escaped.
        Assert.Equal(@"CheckpointDirectory = ""C:\\runs\\x \""a\""""", code.Set(nameof(TrainerOptions.CheckpointDirectory), @"C:\runs\x ""a"""));
        // No value on a command line is the option left out: no word after it would parse.
        Assert.Equal("no --train-batches", cli.Set(nameof(TrainerOptions.BatchesPerEpoch), null, "all"));
        Assert.Equal("no --milestones", cli.Set(nameof(TrainerOptions.Milestones), System.Array.Empty<int>()));
        Assert.Equal("BatchesPerEpoch = null", code.Set(nameof(TrainerOptions.BatchesPerEpoch), null, "all"));
        // A number a damaged manifest holds that names no member is shown as the number, not as another member.
        Assert.Equal("7", cli.Value((OptimizerKind)7));
        Assert.Equal("7", code.Value((ScheduleKind)7));
        Assert.Equal("0.003", code.Value(0.003)); // round-trip text, not "0.0030000000000000001"
        // A schedule note in code names the enum members, not the command line's words.
        var saved = ScheduleSettings.Of(new TrainerOptions { Schedule = ScheduleKind.MultiStep, Milestones = [2], Optimizer = OptimizerKind.SgdNesterov });
        var now = ScheduleSettings.Of(new TrainerOptions { Schedule = ScheduleKind.Cosine, Optimizer = OptimizerKind.SgdNesterov, GradientClip = 1 });
        var notes = saved.Differences(now, code).ToList();
        Assert.Contains("Schedule = ScheduleKind.MultiStep (this run: ScheduleKind.Cosine)", notes);
        Assert.Contains("Milestones = [2] (this run: [])", notes);
        Assert.Contains("GradientClip = null (this run: 1)", notes);
        Assert.Contains("--schedule multi-step (this run: cosine)", saved.Differences(now, cli));
        Assert.Contains("no --gradient-clip (this run: 1)", saved.Differences(now, cli));
        Assert.Empty(saved.Differences(saved with { Milestones = [2] }, code));
        // The interval changes no rate of a schedule without cosine or warm-up, so changing it there is not noted.
        Assert.Empty(saved.Differences(saved with { Milestones = [2], Interval = ScheduleInterval.Epoch }, code));
        Assert.Contains("Interval = ScheduleInterval.Step (this run: ScheduleInterval.Epoch)", now.Differences(now with { Interval = ScheduleInterval.Epoch }, code));
        Assert.Contains("--schedule-per step (this run: epoch)", saved.Differences(saved with { Milestones = [2], WarmupEpochs = 1, Interval = ScheduleInterval.Epoch }, cli));
        var resume = ResumeSettings.Of(new TrainerOptions()).Differences(ResumeSettings.Of(new TrainerOptions { Optimizer = OptimizerKind.SgdNesterov, BatchesPerEpoch = 4 }), code).ToList();
        Assert.Contains("Optimizer = OptimizerKind.AdamW (this run: OptimizerKind.SgdNesterov)", resume);
        Assert.Contains("BatchesPerEpoch = null (this run: 4)", resume);
        Assert.Contains("no --train-batches (this run: 4)",
            ResumeSettings.Of(new TrainerOptions()).Differences(ResumeSettings.Of(new TrainerOptions { BatchesPerEpoch = 4 }), cli));
    }
}
