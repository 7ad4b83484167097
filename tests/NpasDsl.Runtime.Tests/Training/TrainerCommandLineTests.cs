using System;
using System.Linq;
using NpasDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Training;

/// <summary>The trainer options every example shares: parsed once, with the same checks and messages everywhere.</summary>
public sealed class TrainerCommandLineTests
{
    private static TrainerCommandLine Read(TrainerOptions defaults, params string[] args)
    {
        var line = new TrainerCommandLine(defaults);
        line.Read(args, (_, _) => false);
        return line;
    }

    [Fact]
    public void Every_trainer_option_reaches_the_options()
    {
        var line = Read(new TrainerOptions(),
            "--epochs", "7", "--seed", "-3", "--batch-size", "64", "--lr", "0.05", "--optimizer", "sgd", "--weight-decay", "5e-4",
            "--label-smoothing", "0.1", "--warmup-epochs", "2", "--schedule-per", "epoch", "--gradient-clip", "1.5", "--train-batches", "9",
            "--checkpoint-dir", "runs/x", "--checkpoint-every", "11", "--resume", "--plot", "--device", "cpu", "--threads", "2");
        var o = line.Finish();
        Assert.Equal(7, o.Epochs);
        Assert.Equal(-3, o.Seed);
        Assert.Equal(64, o.BatchSize);
        Assert.Equal(0.05, o.LearningRate);
        Assert.Equal(OptimizerKind.SgdNesterov, o.Optimizer);
        Assert.Equal(5e-4, o.WeightDecay);
        Assert.Equal(0.1, o.LabelSmoothing);
        Assert.Equal(2, o.WarmupEpochs);
        Assert.Equal(ScheduleInterval.Epoch, o.Interval);
        Assert.Equal(1.5, o.GradientClip);
        Assert.Equal(9, o.BatchesPerEpoch);
        Assert.Equal("runs/x", o.CheckpointDirectory);
        Assert.Equal(11, o.CheckpointEverySteps);
        Assert.True(o.Resume);
        Assert.True(o.Plot);
        Assert.Equal("cpu", line.DeviceName);
        Assert.Equal(2, line.Threads);
        Assert.True(line.Given("--lr"));
        Assert.False(line.Given("--model"));
    }

    [Fact]
    public void The_schedule_and_momentum_options_reach_the_options_and_bad_values_are_named()
    {
        var o = Read(new TrainerOptions { Epochs = 200 }, "--schedule", "multi-step", "--milestones", "60, 120,160", "--gamma", "0.2", "--momentum", "0.8", "--optimizer", "sgd").Finish();
        Assert.Equal((ScheduleKind.MultiStep, 0.2, 0.8), (o.Schedule, o.Gamma, o.Momentum));
        Assert.Equal(new[] { 60, 120, 160 }, o.Milestones);
        var step = Read(new TrainerOptions { Epochs = 90 }, "--schedule", "step", "--step-size", "30", "--gamma", "0.5").Finish();
        Assert.Equal((ScheduleKind.Step, 30), (step.Schedule, step.StepSize));
        Assert.Equal(new[] { ScheduleKind.Constant, ScheduleKind.Cosine }, new[] { "constant", "cosine" }.Select(n => Read(new TrainerOptions(), "--schedule", n).Finish().Schedule));

        string Error(params string[] args) => Assert.Throws<ArgumentException>(() => Read(new TrainerOptions(), args).Finish()).Message;
        // A decay schedule asked for that never decays in this run is refused, as a milestone past the end is.
        Assert.Equal("--schedule step decays every 30 epochs (--step-size, its default), but the run ends after epoch 3, so it never decays: give --step-size below --epochs.",
            Error("--schedule", "step"));
        Assert.Contains("decays every 5 epochs (--step-size), but the run ends after epoch 5", Error("--schedule", "step", "--step-size", "5", "--epochs", "5"));
        Assert.Equal("--schedule multi-step decays at the epochs --milestones names, but none are given, so it never decays: add --milestones, such as --milestones 5,7.",
            Error("--schedule", "multi-step", "--epochs", "10"));
        // A one-epoch run has no boundary to decay at: no step size or milestone is offered as the fix.
        foreach (var schedule in new[] { "step", "multi-step" })
            Assert.Equal($"--schedule {schedule} decays between epochs, and a one-epoch run has none: give --epochs 2 or more, or another --schedule (constant or cosine).",
                Error("--schedule", schedule, "--epochs", "1"));
        Assert.EndsWith("such as --milestones 1.", Error("--schedule", "multi-step", "--epochs", "2"));
        Assert.EndsWith("such as --milestones 1,2.", Error("--schedule", "multi-step", "--epochs", "3"));
        Assert.EndsWith("such as --milestones 2,3.", Error("--schedule", "multi-step", "--epochs", "4"));
        Assert.EndsWith("such as --milestones 2,3.", Error("--schedule", "multi-step", "--epochs", "5"));
        // A milestone given for a one-epoch run is told the same, not to give a milestone below 1.
        Assert.StartsWith("--schedule multi-step decays between epochs, and a one-epoch run has none", Error("--schedule", "multi-step", "--milestones", "1", "--epochs", "1"));
        // A program's own default schedule is not the user's request: WideResNet's one-epoch run has no milestones left.
        Assert.Empty(Read(new TrainerOptions { Schedule = ScheduleKind.MultiStep }, "--epochs", "1").Finish().Milestones);
        Assert.Equal("--schedule must be constant, step, multi-step or cosine, not 'multistep'.", Error("--schedule", "multistep"));
        Assert.Equal("--milestones needs increasing positive epoch counts separated by commas (e.g. 60,120,160), not '120,60'.", Error("--milestones", "120,60"));
        Assert.Contains("not '0,5'", Error("--milestones", "0,5"));
        Assert.Contains("--gamma needs a finite positive number", Error("--schedule", "step", "--gamma", "0"));
        Assert.Equal("--momentum needs a number above 0 and below 1, not '1'.", Error("--optimizer", "sgd", "--momentum", "1"));
        Assert.Equal("--milestones sets the multi-step schedule's decays, but the schedule is cosine: add --schedule multi-step, or leave --milestones out.", Error("--milestones", "3"));
        Assert.Contains("--step-size sets the step schedule's decays, but the schedule is multi-step", Error("--schedule", "multi-step", "--step-size", "3"));
        Assert.Contains("--gamma is the factor of the step and multi-step decays, but the schedule is constant", Error("--schedule", "constant", "--gamma", "0.5"));
        Assert.Equal("--momentum is SGD's; AdamW keeps its own moment estimates: add --optimizer sgd, or leave --momentum out.", Error("--momentum", "0.5"));
        // Found by a review: without cosine or warm-up the interval changes no rate, and was silently accepted.
        Assert.Equal("--schedule-per sets how often the cosine and the warm-up are recomputed, but the schedule is constant with no warm-up, " +
            "whose rate changes only between epochs either way: leave --schedule-per out, or add --schedule cosine or --warmup-epochs N.",
            Error("--schedule", "constant", "--schedule-per", "epoch"));
        Assert.Contains("the schedule is multi-step with no warm-up", Error("--schedule", "multi-step", "--milestones", "2", "--schedule-per", "step"));
        Assert.Equal("StepSize is 0 but must be at least 1", new TrainerOptions { StepSize = 0 }.Validate());
        Assert.Equal("Milestones are 3,3 but must be increasing epoch counts of at least 1", new TrainerOptions { Milestones = new[] { 3, 3 } }.Validate());
    }

    [Fact]
    public void Options_not_given_keep_the_programs_defaults()
    {
        var defaults = new TrainerOptions { Epochs = 20, LearningRate = 0.01, WeightDecay = 0.01, WarmupEpochs = 2, CheckpointDirectory = "runs/d" };
        var read = Read(defaults).Finish();
        Assert.True(read.Names.AreOptions); // its messages name options
        Assert.Equal(defaults with { Names = read.Names }, read);
        Assert.Equal("this run: 20, the default", read.Names.ThisRun(nameof(TrainerOptions.Epochs), 20));
        Assert.Null(Read(defaults).DeviceName);
    }

    [Fact]
    public void Other_options_are_left_to_the_program()
    {
        var line = new TrainerCommandLine(new TrainerOptions());
        bool asked = false;
        Assert.False(line.TryRead("--model", () => { asked = true; return "x"; }));
        Assert.False(asked); // the program's own option keeps its value for the program
        Assert.Equal(new TrainerOptions(), line.Options);
    }

    [Fact]
    public void Read_gives_the_program_its_own_options_first_and_refuses_unknown_ones()
    {
        string? data = null;
        bool Own(string name, Func<string> value)
        {
            if (name != "--data") return false;
            data = value();
            return true;
        }
        var line = new TrainerCommandLine(new TrainerOptions());
        line.Read(new[] { "--data", "/d", "--epochs", "4" }, Own);
        Assert.Equal("/d", data);
        Assert.Equal(4, line.Finish().Epochs);
        Assert.False(line.HelpRequested);
        Assert.Equal("Unknown option '--model'.", Assert.Throws<CommandLineSyntaxException>(() => new TrainerCommandLine(new TrainerOptions()).Read(new[] { "--model", "x" }, Own)).Message);
    }

    [Fact]
    public void Help_ends_the_reading_whatever_follows()
    {
        var line = new TrainerCommandLine(new TrainerOptions());
        line.Read(new[] { "--epochs", "4", "--help", "--bogus" }, (_, _) => false);
        Assert.True(line.HelpRequested);
        Assert.Equal(4, line.Options.Epochs);
        Assert.Throws<CommandLineSyntaxException>(() => new TrainerCommandLine(new TrainerOptions()).Read(new[] { "--bogus", "-h" }, (_, _) => false));
    }

    [Fact]
    public void A_shorter_run_shortens_the_default_warmup_but_not_a_given_one()
    {
        var defaults = new TrainerOptions { Epochs = 10, WarmupEpochs = 2 };
        Assert.Equal(0, Read(defaults, "--epochs", "1").Finish().WarmupEpochs);
        Assert.Equal(1, Read(defaults, "--epochs", "2").Finish().WarmupEpochs);
        var e = Assert.Throws<ArgumentException>(() => Read(defaults, "--epochs", "2", "--warmup-epochs", "2").Finish());
        Assert.Contains("--warmup-epochs is 2 but must be below --epochs (2)", e.Message);
    }

    [Fact]
    public void Contradictions_are_reported_by_the_options_the_user_typed()
    {
        // The same checks as TrainerOptions.Validate, which names properties for callers of the API.
        Assert.Equal("--resume continues the checkpoint and --overwrite replaces it; give one of them.",
            Assert.Throws<ArgumentException>(() => Read(new TrainerOptions { CheckpointDirectory = "runs/x" }, "--resume", "--overwrite").Finish()).Message);
        Assert.Equal("Resume continues the checkpoint and Overwrite replaces it; give one of them",
            new TrainerOptions { CheckpointDirectory = "runs/x", Resume = true, Overwrite = true }.Validate());
        Assert.Contains("--plot needs a --checkpoint-dir", Assert.Throws<ArgumentException>(() => Read(new TrainerOptions(), "--plot").Finish()).Message);
    }

    [Fact]
    public void The_settings_line_uses_the_options_names_and_shows_only_what_the_run_reads()
    {
        var adamw = Read(new TrainerOptions { CheckpointDirectory = "runs/x" }, "--epochs", "3", "--lr", "0.012").Finish();
        string line = TrainerCommandLine.Describe(adamw, CPU);
        Assert.StartsWith("epochs=3 batch=128 optimizer=adamw lr=0.012 schedule=cosine per step warmup_epochs=0 weight_decay=0 label_smoothing=0 seed=", line);
        Assert.EndsWith(" device=cpu threads=" + get_num_threads().ToString(System.Globalization.CultureInfo.InvariantCulture) + " checkpoints=runs/x", line);
        Assert.DoesNotContain("momentum", line);
        Assert.DoesNotContain("gamma", line);

        var sgd = Read(new TrainerOptions { CheckpointDirectory = "runs/x" }, "--optimizer", "sgd", "--momentum", "0.9", "--schedule", "multi-step",
            "--milestones", "2,4", "--gamma", "0.2", "--epochs", "6", "--resume").Finish();
        Assert.Contains("optimizer=sgd momentum=0.9 lr=", TrainerCommandLine.Describe(sgd, CPU));
        Assert.Contains("schedule=multi-step per step milestones=2,4 gamma=0.2 ", TrainerCommandLine.Describe(sgd, CPU));
        Assert.EndsWith(" (resume)", TrainerCommandLine.Describe(sgd, CPU));
    }

    [Fact]
    public void The_usage_can_leave_out_options_a_program_never_uses()
    {
        string usage = TrainerCommandLine.UsageWithout("--unshare-at", "--unshare-threshold");
        Assert.DoesNotContain("unshare", usage);
        Assert.DoesNotContain("disagree vectors of their own", usage); // the continuation line goes with its option
        Assert.Equal(TrainerCommandLine.Usage.Split('\n').Length - 3, usage.Split('\n').Length);
        Assert.Contains("  --plot ", usage);
        Assert.Contains("  --weight-decay W ", usage);
        Assert.Contains("decoupled with adamw", usage); // another option's continuation stays
    }

    [Fact]
    public void A_given_milestone_the_run_never_reaches_is_refused()
    {
        var defaults = new TrainerOptions { Epochs = 10 };
        Assert.Equal(new[] { 3, 6 }, Read(defaults, "--schedule", "multi-step", "--milestones", "3,6").Finish().Milestones);
        var e = Assert.Throws<ArgumentException>(() => Read(defaults, "--schedule", "multi-step", "--milestones", "5,10", "--epochs", "4").Finish());
        Assert.Equal("--milestones 5,10 has a decay after epoch 5, but the run ends after epoch 4, so it never takes effect: give milestones below --epochs.", e.Message);
    }

    [Fact]
    public void Finish_completes_what_depends_on_the_programs_options_before_checking()
    {
        // WideResNet names its checkpoint directory after --model, so --resume alone must be accepted.
        var o = Read(new TrainerOptions(), "--resume").Finish(t => t with { CheckpointDirectory = t.CheckpointDirectory ?? "runs/wrn-16-4" });
        Assert.Equal("runs/wrn-16-4", o.CheckpointDirectory);
        Assert.Contains("--resume needs a --checkpoint-dir", Assert.Throws<ArgumentException>(() => Read(new TrainerOptions(), "--resume").Finish()).Message);
    }

    [Theory]
    [InlineData("--epochs", "0", "--epochs needs a positive integer, not '0'.")]
    [InlineData("--epochs", "two", "--epochs needs a positive integer, not 'two'.")]
    [InlineData("--seed", "1.5", "--seed needs an integer, not '1.5'.")]
    [InlineData("--lr", "-1", "--lr needs a finite positive number, not '-1'.")]
    [InlineData("--lr", "Infinity", "--lr needs a finite positive number, not 'Infinity'.")]
    [InlineData("--weight-decay", "-0.1", "--weight-decay needs a finite number of at least 0, not '-0.1'.")]
    [InlineData("--label-smoothing", "1.5", "--label-smoothing needs a number from 0 up to but not including 1, not '1.5'.")]
    [InlineData("--label-smoothing", "1", "--label-smoothing needs a number from 0 up to but not including 1, not '1'.")]
    [InlineData("--label-smoothing", "NaN", "--label-smoothing needs a number from 0 up to but not including 1, not 'NaN'.")]
    [InlineData("--momentum", "1", "--momentum needs a number above 0 and below 1, not '1'.")]
    [InlineData("--unshare-threshold", "1.2", "--unshare-threshold needs a number from -1 to 1, not '1.2'.")]
    [InlineData("--warmup-epochs", "-1", "--warmup-epochs needs an integer of at least 0, not '-1'.")]
    [InlineData("--optimizer", "adam", "--optimizer must be adamw or sgd, not 'adam'.")]
    [InlineData("--schedule-per", "batch", "--schedule-per must be step or epoch, not 'batch'.")]
    [InlineData("--device", "gpu", "--device must be cpu or cuda, not 'gpu'.")]
    [InlineData("--threads", "0", "--threads needs a positive integer, not '0'.")]
    public void Bad_values_are_named_with_the_option(string option, string value, string message)
        => Assert.Equal(message, Assert.Throws<ArgumentException>(() => Read(new TrainerOptions(), option, value)).Message);

    [Fact]
    public void A_thread_count_libtorch_cannot_start_is_refused_with_the_cores_named()
    {
        // 100000 threads made libtorch hang at start-up instead of failing.
        var error = Assert.Throws<ArgumentException>(() => Read(new TrainerOptions(), "--threads", "100000"));
        Assert.Equal(
            $"--threads 100000 is more threads than this machine can use: it has {Environment.ProcessorCount} CPU cores; give at most {TrainerCommandLine.MaxThreads} (one per core is usually fastest).",
            error.Message);
        Assert.Equal(TrainerCommandLine.MaxThreads, Read(new TrainerOptions(), "--threads", TrainerCommandLine.MaxThreads.ToString(System.Globalization.CultureInfo.InvariantCulture)).Threads);
    }

    [Theory]
    [InlineData("--label-smoothing", "0", 0.0)]
    [InlineData("--label-smoothing", "0.1", 0.1)]
    [InlineData("--unshare-threshold", "-1", -1.0)]
    [InlineData("--unshare-threshold", "1", 1.0)]
    public void Range_ends_that_belong_to_the_range_are_accepted(string option, string value, double expected)
    {
        var o = Read(new TrainerOptions(), option, value).Options;
        Assert.Equal(expected, option == "--label-smoothing" ? o.LabelSmoothing : o.UnshareThreshold);
    }

    [Fact]
    public void A_missing_value_says_so()
        => Assert.Equal("--lr needs a value.", Assert.Throws<CommandLineSyntaxException>(() => Read(new TrainerOptions(), "--lr")).Message);

    [Fact]
    public void The_cpu_device_is_always_available()
    {
        var device = Read(new TrainerOptions(), "--device", "cpu").Apply();
        Assert.Equal(TorchSharp.DeviceType.CPU, device.type);
    }

    [Fact]
    public void Asking_for_cuda_without_it_names_the_build_switch()
    {
        if (TorchSharp.torch.cuda.is_available()) return; // this machine can run CUDA; nothing to refuse
        var e = Assert.Throws<ArgumentException>(() => Read(new TrainerOptions(), "--device", "cuda").Apply());
        Assert.Contains("-p:TorchBackend=cuda", e.Message);
    }

    [Fact]
    public void An_option_given_twice_is_refused_instead_of_the_last_one_winning_silently()
    {
        // Found by a review: --epochs 1 --epochs 2 trained two epochs without a word, and --data a --data b read b.
        static bool Own(string name, Func<string> value) { if (name != "--data") return false; value(); return true; }
        foreach (var args in new[] { new[] { "--epochs", "1", "--epochs", "2" }, new[] { "--data", "a", "--data", "b" }, new[] { "--resume", "--resume" } })
        {
            var e = Assert.Throws<CommandLineSyntaxException>(() => new TrainerCommandLine(new TrainerOptions()).Read(args, Own));
            Assert.Equal($"{args[0]} is given twice; give it once.", e.Message);
        }
    }

    [Fact]
    public void A_word_that_is_no_option_is_told_as_a_value_the_option_before_it_does_not_take()
    {
        // Found by a review: --plot out.png said "Unknown option 'out.png'", which reads as if out.png were a misspelt option.
        var e = Assert.Throws<CommandLineSyntaxException>(() => new TrainerCommandLine(new TrainerOptions()).Read(new[] { "--plot", "out.png" }, (_, _) => false));
        Assert.Equal("Unexpected 'out.png': every argument is an option (--name) or the value of the option before it, and --plot takes no value.", e.Message);
        Assert.Equal("Unexpected 'x': every argument is an option (--name) or the value of the option before it.",
            Assert.Throws<CommandLineSyntaxException>(() => new TrainerCommandLine(new TrainerOptions()).Read(new[] { "x" }, (_, _) => false)).Message);
        Assert.Equal("Unknown option '--epoch'.", Assert.Throws<CommandLineSyntaxException>(() => new TrainerCommandLine(new TrainerOptions()).Read(new[] { "--epoch", "1" }, (_, _) => false)).Message);
    }

    [Fact]
    public void A_programs_model_options_name_the_fix_of_a_refused_resume()
    {
        var line = new TrainerCommandLine(new TrainerOptions()) { ModelSettings = "--budget and --separate" };
        line.Read(Array.Empty<string>(), (_, _) => false);
        Assert.Equal("--budget and --separate", line.Finish().Names.ModelSettings);
        var names = Read(new TrainerOptions()).Finish().Names;
        Assert.True(names.AreOptions);
        Assert.Null(names.ModelSettings);
    }
}
