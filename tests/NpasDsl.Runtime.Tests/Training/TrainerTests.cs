using System;
using System.IO;
using System.Linq;
using System.Threading;
using NpasDsl.Runtime.Tests.Models;
using NpasDsl.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Training;

/// <summary>The reusable trainer: schedules, weight decay selection, checkpoints, resumption and divergence.</summary>
public sealed class TrainerTests : ScratchDirectoryTest
{
    public TrainerTests() : base("trainer") { }

    internal static TrainingData Data()
    {
        var g = new Generator(21);
        var train = randn(new long[] { 96, 1, 8, 8 }, generator: g);
        var test = randn(new long[] { 32, 1, 8, 8 }, generator: g);
        // A learnable rule: the class is the quadrant with the largest mean.
        Tensor Labels(Tensor x) => stack(new[] { x[.., 0, ..4, ..4].mean(new long[] { 1, 2 }), x[.., 0, ..4, 4..].mean(new long[] { 1, 2 }), x[.., 0, 4.., ..4].mean(new long[] { 1, 2 }), x[.., 0, 4.., 4..].mean(new long[] { 1, 2 }) }, 1).argmax(1);
        return new TrainingData(train, Labels(train), test, Labels(test));
    }

    [Theory]
    [InlineData(ScheduleKind.Constant, 0, new[] { 1.0, 1.0, 1.0, 1.0 })]
    [InlineData(ScheduleKind.Step, 0, new[] { 1.0, 1.0, 0.1, 0.1 })]
    [InlineData(ScheduleKind.MultiStep, 0, new[] { 1.0, 1.0, 1.0, 0.1 })]
    // The step decays count epochs from the start, warm-up included (as PyTorch's StepLR and MultiStepLR): after 2 and after 3.
    [InlineData(ScheduleKind.Step, 1, new[] { 0.5, 1.0, 0.1, 0.1 })]
    [InlineData(ScheduleKind.MultiStep, 1, new[] { 0.5, 1.0, 1.0, 0.1 })]
    [InlineData(ScheduleKind.Cosine, 0, new[] { 1.0, 0.8535533905932737, 0.5, 0.14644660940672627 })]
    [InlineData(ScheduleKind.Constant, 2, new[] { 1.0 / 3, 2.0 / 3, 1.0, 1.0 })]
    public void Learning_rate_schedules(ScheduleKind schedule, int warmup, double[] expected)
    {
        var options = new TrainerOptions { Epochs = 4, LearningRate = 1, Schedule = schedule, WarmupEpochs = warmup, StepSize = 2, Milestones = new[] { 3 }, Interval = ScheduleInterval.Epoch };
        for (int epoch = 0; epoch < 4; epoch++)
        {
            Assert.Equal(expected[epoch], LearningRateSchedule.At(options, epoch), 12);
            Assert.Equal(expected[epoch], LearningRateSchedule.At(options, epoch, 3, 5), 12); // held through the epoch
        }
    }

    [Fact]
    public void A_trainer_runs_once_and_a_second_run_says_how_to_continue()
    {
        using var model = new TinyCnn();
        var trainer = new Trainer(model, Data(), new TrainerOptions { Epochs = 1, BatchSize = 32 }, log: _ => { });
        Assert.Single(trainer.Run());
        var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Run());
        Assert.Contains("already run", e.Message);
        Assert.Contains("create a new Trainer with Resume = true and a larger Epochs (its CheckpointDirectory keeps the run)", e.Message);
        // Refused before any step: the trained weights are as the first run left them.
        foreach (var (name, value) in model.state_dict()) Assert.True(value.allclose(before[name], 0, 0), name);
    }

    [Fact]
    public void A_per_step_cosine_anneals_smoothly_to_almost_zero_after_a_per_step_warm_up()
    {
        // 3 epochs of 4 batches, 1 of them warm-up: 4 warm-up steps, then a cosine over the 8 steps left.
        var options = new TrainerOptions { Epochs = 3, LearningRate = 2, Schedule = ScheduleKind.Cosine, WarmupEpochs = 1 };
        Assert.Equal(ScheduleInterval.Step, options.Interval);
        var rates = Enumerable.Range(0, 12).Select(t => LearningRateSchedule.At(options, t / 4, t % 4, 4)).ToArray();
        for (int t = 0; t < 4; t++) Assert.Equal(2.0 * (t + 1) / 5, rates[t], 12);
        for (int s = 0; s < 8; s++) Assert.Equal(2 * 0.5 * (1 + Math.Cos(Math.PI * s / 8)), rates[4 + s], 12);
        Assert.True(rates[^1] < 0.08, $"the last step runs at {rates[^1]}");
        for (int t = 5; t < 12; t++) Assert.True(rates[t] < rates[t - 1]);
    }

    [Fact]
    public void Step_decays_stay_at_epoch_boundaries_when_stepping_per_batch()
    {
        var options = new TrainerOptions { Epochs = 4, LearningRate = 1, Schedule = ScheduleKind.Step, StepSize = 2 };
        Assert.Equal(1.0, LearningRateSchedule.At(options, 1, 9, 10), 12);
        Assert.Equal(0.1, LearningRateSchedule.At(options, 2, 0, 10), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.At(options, 0, 10, 10));
    }

    [Fact]
    public void Weight_decay_applies_to_banks_and_own_weights_only()
    {
        using var model = new MixedNet();
        var decayed = WeightDecay.Selected(model).ToHashSet();
        var names = model.named_parameters().Where(p => decayed.Contains(p.parameter)).Select(p => p.name).OrderBy(n => n).ToList();
        Assert.Equal(new[] { "Classifier.weight", "banks.conv1d_16x16x3", "banks.embedding_50x16", "banks.mlp" }, names);
    }

    [Theory]
    [InlineData(OptimizerKind.SgdNesterov)]
    [InlineData(OptimizerKind.AdamW)]
    public void Weight_decay_is_an_l2_term_of_the_gradient_with_sgd_and_decoupled_with_adamw(OptimizerKind optimizer)
    {
        const double Rate = 0.1, Decay = 0.5, Momentum = 0.9;
        var options = new TrainerOptions { Epochs = 1, BatchesPerEpoch = 1, BatchSize = 16, LearningRate = Rate, Momentum = Momentum, Schedule = ScheduleKind.Constant, Optimizer = optimizer };
        System.Collections.Generic.Dictionary<string, Tensor> Parameters(double? decay)
        {
            using var model = new GradientPoisonNet(new NpasOptions { Seed = 3 });
            if (decay is { } d) new Trainer(model, Data(), options with { WeightDecay = d }, log: _ => { }).Run();
            return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        }
        using var probe = new GradientPoisonNet();
        var decayedNames = probe.named_parameters().Where(p => WeightDecay.Selected(probe).Contains(p.parameter)).Select(p => p.name).ToHashSet();
        var (initial, plain, decayed) = (Parameters(null), Parameters(0), Parameters(Decay));
        Assert.Single(decayedNames);
        Assert.Contains(initial.Keys, n => !decayedNames.Contains(n)); // the bias (and any coefficients), which are not decayed

        foreach (var (name, start) in initial)
        {
            // One step. Nesterov SGD's first update is (1 + μ)·rate·g, and g gains decay·p; AdamW shrinks the stepped weight by rate·decay.
            var expected = !decayedNames.Contains(name) ? plain[name]
                : optimizer == OptimizerKind.SgdNesterov ? plain[name] - Rate * (1 + Momentum) * Decay * start
                : plain[name] * (1 - Rate * Decay);
            Assert.True(decayed[name].allclose(expected, rtol: 1e-5, atol: 1e-6), $"{name}: {(decayed[name] - expected).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void The_trainer_feeds_the_device_the_model_is_on_and_refuses_another_before_anything_runs()
    {
        using var model = new TinyCnn(new NpasOptions { Seed = 1 });
        var options = new TrainerOptions { Epochs = 1, BatchSize = 32, LearningRate = 0.01 };
        // No device given: the model's (CPU here), as a model built with NpasOptions { Device = cuda } needs.
        Assert.Single(new Trainer(model, Data(), options, log: _ => { }).Run());
        // Another device than the model's fails at once, naming both, instead of inside the first step. (Naming a CUDA
        // device needs no GPU: nothing is moved there.)
        var e = Assert.Throws<ArgumentException>(() => new Trainer(model, Data(), options, new Device(DeviceType.CUDA), log: _ => { }));
        Assert.Contains("The model is on cpu but the trainer was given the device cuda", e.Message);
        Assert.Contains("NpasOptions { Device = ... }", e.Message);
        Assert.Single(new Trainer(model, Data(), options, CPU, log: _ => { }).Run());
    }

    [Fact]
    public void Training_improves_accuracy_writes_metrics_and_a_checkpoint()
    {
        using var model = new TinyCnn(new NpasOptions { Seed = 1 });
        var options = new TrainerOptions { Epochs = 3, BatchSize = 16, LearningRate = 0.01, CheckpointDirectory = Scratch };
        var history = new Trainer(model, Data(), options, log: _ => { }).Run();
        Assert.Equal(3, history.Count);
        Assert.True(history[^1].TrainLoss < history[0].TrainLoss);
        var csv = File.ReadAllLines(Path.Combine(Scratch, "metrics.csv"));
        Assert.Equal(MetricsCsv.Header, csv[0]);
        Assert.Equal(4, csv.Length);
        Assert.True(new CheckpointStore(Scratch).Exists);
        Assert.Single(Directory.GetFiles(Scratch, "model-*.bin"));
        Assert.Single(Directory.GetFiles(Scratch, "optimizer-*.bin"));

        // Files the store did not write survive its clean-up.
        File.WriteAllText(Path.Combine(Scratch, "model-best.bin"), "mine");
        new Trainer(model, Data(), options with { Epochs = 4, Resume = true }, log: _ => { }).Run();
        Assert.True(File.Exists(Path.Combine(Scratch, "model-best.bin")));
        Assert.Single(Directory.GetFiles(Scratch, "model-0*.bin"));
    }

    [Fact]
    public void A_resumed_run_ends_exactly_like_an_uninterrupted_one()
    {
        var options = new TrainerOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.01, Schedule = ScheduleKind.Constant, Optimizer = OptimizerKind.SgdNesterov, WeightDecay = 0.01 };
        using var straight = new TinyCnn(new NpasOptions { Seed = 5 });
        var expected = new Trainer(straight, Data(), options, log: _ => { }).Run();

        using (var first = new TinyCnn(new NpasOptions { Seed = 5 }))
            new Trainer(first, Data(), options with { Epochs = 1, CheckpointDirectory = Scratch }, log: _ => { }).Run();
        using var resumed = new TinyCnn(new NpasOptions { Seed = 99 }); // the checkpoint replaces every weight
        var lines = new System.Collections.Generic.List<string>();
        var actual = new Trainer(resumed, Data(), options with { CheckpointDirectory = Scratch, Resume = true }, log: lines.Add).Run();

        Assert.Contains(lines, l => l.StartsWith("resumed from"));
        Assert.Equal(expected.Select(r => (r.TrainLoss, r.TrainAccuracy, r.TestAccuracy)), actual.Select(r => (r.TrainLoss, r.TrainAccuracy, r.TestAccuracy)));
    }

    internal sealed class StopAt(int epoch, int batch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Epoch == epoch && value.Batch == batch) throw new OperationCanceledException("killed mid-epoch");
        }
    }

    [Fact]
    public void The_rate_moves_every_batch_and_a_run_resumed_mid_epoch_ends_like_an_uninterrupted_one()
    {
        // Cosine stepped per batch: the rates inside an epoch differ, so resuming mid-epoch must recompute them.
        var options = new TrainerOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.01, WeightDecay = 0.01 };
        using var straight = new TinyCnn(new NpasOptions { Seed = 5 });
        var trainer = new Trainer(straight, Data(), options, log: _ => { });
        var expected = trainer.Run();
        Assert.Equal(LearningRateSchedule.At(options, 1, 5, 6), trainer.Optimizer.ParamGroups.First().LearningRate, 12);
        Assert.Equal(LearningRateSchedule.At(options, 1, 5, 6), expected[^1].LearningRate, 12);
        Assert.True(expected[^1].LearningRate < 0.001, "the cosine ends near 0");

        var checkpointed = options with { CheckpointDirectory = Scratch, CheckpointEverySteps = 2 };
        using (var first = new TinyCnn(new NpasOptions { Seed = 5 }))
            Assert.Throws<OperationCanceledException>(() => new Trainer(first, Data(), checkpointed, log: _ => { }, progress: new StopAt(2, 4)).Run());
        using var resumed = new TinyCnn(new NpasOptions { Seed = 99 });
        var lines = new System.Collections.Generic.List<string>();
        var actual = new Trainer(resumed, Data(), checkpointed with { Resume = true }, log: lines.Add).Run();

        Assert.Contains(lines, l => l.StartsWith("resumed from") && l.Contains("epoch 2, batch 2"));
        Assert.Equal(expected.Select(r => (r.TrainLoss, r.TrainAccuracy, r.TestAccuracy, r.LearningRate)), actual.Select(r => (r.TrainLoss, r.TrainAccuracy, r.TestAccuracy, r.LearningRate)));
    }

    /// <summary>Cancels <paramref name="source"/> once the run has done <paramref name="batch"/> batches of <paramref name="epoch"/>.</summary>
    private sealed class CancelAt(CancellationTokenSource source, int epoch, int batch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Epoch == epoch && value.Batch == batch) source.Cancel();
        }
    }

    [Fact]
    public void A_cancelled_run_stops_between_batches_with_a_checkpoint_of_that_point_and_resumes_to_the_uninterrupted_result()
    {
        var options = new TrainerOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.01, WeightDecay = 0.01 };
        using var straight = new TinyCnn(new NpasOptions { Seed = 5 });
        var expected = new Trainer(straight, Data(), options, log: _ => { }).Run();

        var checkpointed = options with { CheckpointDirectory = Scratch };
        using (var first = new TinyCnn(new NpasOptions { Seed = 5 }))
        using (var interrupt = new CancellationTokenSource())
        {
            var trainer = new Trainer(first, Data(), checkpointed, log: _ => { }, progress: new CancelAt(interrupt, 2, 3));
            var stopped = Assert.Throws<TrainingInterruptedException>(() => trainer.Run(interrupt.Token));
            Assert.Equal((2, 3, true), (stopped.Epoch, stopped.Batch, stopped.Checkpointed));
            Assert.Contains("interrupted in epoch 2 of 2, after batch 3 of 6", stopped.Message);
            Assert.Contains($"the checkpoint in {Scratch} holds the run up to there: continue it with Resume = true", stopped.Message); // options built in code
            Assert.Equal(ExitCodes.Interrupted, ExitCodes.For(stopped));
        }
        Assert.Equal((1, 3), (new CheckpointStore(Scratch).ReadState().Epoch, new CheckpointStore(Scratch).ReadState().Step)); // no --checkpoint-every: saved on cancel
        using var resumed = new TinyCnn(new NpasOptions { Seed = 99 });
        var lines = new System.Collections.Generic.List<string>();
        var actual = new Trainer(resumed, Data(), checkpointed with { Resume = true }, log: lines.Add).Run();
        Assert.Contains(lines, l => l.StartsWith("resumed from") && l.Contains("epoch 2, batch 3"));
        Assert.Equal(expected.Select(r => (r.TrainLoss, r.TrainAccuracy, r.TestAccuracy, r.LearningRate)), actual.Select(r => (r.TrainLoss, r.TrainAccuracy, r.TestAccuracy, r.LearningRate)));
    }

    [Fact]
    public void A_cancelled_run_says_what_it_could_not_save()
    {
        var options = new TrainerOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.01 };
        using var model = new TinyCnn(new NpasOptions { Seed = 5 });
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var unsaved = Assert.Throws<TrainingInterruptedException>(() => new Trainer(model, Data(), options, log: _ => { }).Run(cancelled.Token));
        Assert.False(unsaved.Checkpointed);
        Assert.Contains("after batch 0 of 6; nothing was saved, because the run has no checkpoint directory", unsaved.Message);
        var notYet = Assert.Throws<TrainingInterruptedException>(() => new Trainer(model, Data(), options with { CheckpointDirectory = Scratch }, log: _ => { }).Run(cancelled.Token));
        Assert.Contains("nothing was saved yet", notYet.Message);
        Assert.False(new CheckpointStore(Scratch).Exists);
        // An uncancelled token changes nothing.
        Assert.Equal(2, new Trainer(model, Data(), options, log: _ => { }).Run(CancellationToken.None).Count);
    }

    [Fact]
    public void A_loss_that_is_not_finite_stops_training_and_keeps_the_last_good_checkpoint()
    {
        using var model = new GradientPoisonNet();
        var options = new TrainerOptions { Epochs = 3, BatchSize = 16, LearningRate = 0.01, CheckpointDirectory = Scratch };
        new Trainer(model, Data(), options with { Epochs = 1 }, log: _ => { }).Run(); // 6 batches
        var manifest = File.ReadAllText(Path.Combine(Scratch, "trainer.json"));

        // The same data (a resume refuses other data), with the loss of the first batch of epoch 2 NaN.
        model.NaNLossFromCall = 7;
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(model, Data(), options with { Resume = true }, log: _ => { }).Run());
        Assert.Contains("The loss became NaN at epoch 2, batch 1", e.Message);
        Assert.Contains("last good checkpoint", e.Message);
        Assert.Equal(manifest, File.ReadAllText(Path.Combine(Scratch, "trainer.json")));
    }

    [Fact]
    public void Inputs_that_are_not_finite_stop_training_with_the_data_named_rather_than_the_learning_rate()
    {
        // Found by review: a data set with NaN pixels was reported as divergence, "lower the learning rate".
        var data = Data();
        var damaged = data.TrainInputs.clone();
        damaged[5, 0, 2, 2] = tensor(float.NaN);
        damaged[40, 0, 7, 1] = tensor(float.PositiveInfinity);
        using var model = new TinyCnn();
        var options = new TrainerOptions { Epochs = 1, BatchSize = 96 };
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(model, new TrainingData(damaged, data.TrainLabels, data.TestInputs, data.TestLabels), options, log: _ => { }).Run());
        Assert.StartsWith("Batch 1 of epoch 1 holds 2 training examples with NaN or infinite values, so the loss could not be computed; training stopped before the optimizer step. " +
            "The data is damaged, not the training", e.Message);
        Assert.DoesNotContain("learning rate", e.Message);
        Assert.All(model.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
    }

    [Fact]
    public void Gradients_that_are_not_finite_stop_training_before_the_step_and_keep_the_last_good_checkpoint()
    {
        var options = new TrainerOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.01, CheckpointDirectory = Scratch, CheckpointEverySteps = 1 };
        using var model = new GradientPoisonNet { PoisonFromCall = 4 };
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(model, Data(), options, log: _ => { }).Run());
        Assert.Contains("The gradients became NaN or infinite (the loss was ", e.Message);
        Assert.Contains("at epoch 1, batch 4; training stopped before the optimizer step and the last good checkpoint", e.Message);
        // No step was taken with the NaN gradients, so the weights are still finite ...
        Assert.All(model.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));

        // ... and so is the checkpoint after batch 3, from which an unpoisoned run continues.
        using var resumed = new GradientPoisonNet();
        var lines = new System.Collections.Generic.List<string>();
        Assert.Equal(2, new Trainer(resumed, Data(), options with { Resume = true }, log: lines.Add).Run().Count);
        Assert.Contains(lines, l => l.StartsWith("resumed from") && l.Contains("epoch 1, batch 3"));
        Assert.All(resumed.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
    }

    [Theory]
    // Found by a review: each is a finite double that every check before training accepts, but a scalar of the update beyond
    // float32's range made libtorch throw an ExternalException, which the examples let surface with its stack trace (exit 134).
    [InlineData(OptimizerKind.AdamW, 1e38, 0, null)]          // AdamW's first step is the rate / (1 - 0.9): 1e39
    [InlineData(OptimizerKind.SgdNesterov, 1e300, 0, null)]
    [InlineData(OptimizerKind.SgdNesterov, 0.01, 1e300, null)] // SGD's L2 term
    [InlineData(OptimizerKind.AdamW, 0.01, 0, 1e300)]          // the clip norm
    public void An_update_beyond_float32_stops_training_with_the_settings_that_feed_it(OptimizerKind optimizer, double rate, double decay, double? clip)
    {
        using var model = new TinyCnn();
        var options = new TrainerOptions
        {
            Epochs = 2, BatchSize = 16, Optimizer = optimizer, LearningRate = rate, WeightDecay = decay, GradientClip = clip, CheckpointDirectory = Scratch,
            CheckpointEverySteps = 1, Names = SettingNames.CommandLine,
        };
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(model, Data(), options, log: _ => { }).Run());
        Assert.Contains("The optimizer's update overflowed float32 at epoch 1, batch 1 (value cannot be converted to type float without overflow): training stopped.", e.Message);
        Assert.Contains("--lr " + rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture), e.Message);
        if (decay > 0) Assert.Contains("--weight-decay 1E+300", e.Message);
        if (clip is not null) Assert.Contains("--gradient-clip 1E+300", e.Message);
        // Exit code 5 in the examples, as for a loss that stops being finite.
        Assert.Equal(ExitCodes.TrainingStopped, ExitCodes.For(e));
    }

    [Fact]
    public void Invalid_options_are_refused_with_the_reason()
    {
        using var model = new TinyCnn();
        var e = Assert.Throws<ArgumentException>(() => new Trainer(model, Data(), new TrainerOptions { Epochs = 0 }));
        Assert.Contains("Epochs is 0", e.Message);
        Assert.Contains("Resume needs a CheckpointDirectory", Assert.Throws<ArgumentException>(() => new Trainer(model, Data(), new TrainerOptions { Resume = true })).Message);
        Assert.Contains("BatchesPerEpoch is 0", Assert.Throws<ArgumentException>(() => new Trainer(model, Data(), new TrainerOptions { BatchesPerEpoch = 0 })).Message);
        string Refused(TrainerOptions options) => Assert.Throws<ArgumentException>(() => new Trainer(model, Data(), options)).Message;
        Assert.Contains("GradientClip is -1 but must be a finite positive gradient norm", Refused(new TrainerOptions { GradientClip = -1 }));
        Assert.Contains("GradientClip is 0 but", Refused(new TrainerOptions { GradientClip = 0 }));
        Assert.Contains("LabelSmoothing is NaN but must be in [0, 1)", Refused(new TrainerOptions { LabelSmoothing = double.NaN }));
        Assert.Contains("WeightDecay is NaN but must be a finite number", Refused(new TrainerOptions { WeightDecay = double.NaN }));
        Assert.Contains("Momentum is 1 but Nesterov SGD needs one above 0 and below 1", Refused(new TrainerOptions { Optimizer = OptimizerKind.SgdNesterov, Momentum = 1 }));
        // Found by a review: a negative warm-up was told it must be below Epochs, and these two were ignored without a directory.
        Assert.Contains("WarmupEpochs is -1 but must be 0 or more", Refused(new TrainerOptions { WarmupEpochs = -1 }));
        Assert.Contains("WarmupEpochs is 3 but must be below Epochs (3)", Refused(new TrainerOptions { WarmupEpochs = 3 }));
        Assert.Contains("Overwrite replaces the checkpoint in a CheckpointDirectory, and none is given", Refused(new TrainerOptions { Overwrite = true }));
        Assert.Contains("CheckpointEverySteps needs a CheckpointDirectory", Refused(new TrainerOptions { CheckpointEverySteps = 10 }));
    }

    [Fact]
    public void Unusable_data_is_refused_with_the_fix_before_any_step()
    {
        using var model = new TinyCnn();
        var d = Data();
        string Refused(TrainingData data) => Assert.Throws<ArgumentException>(() => new Trainer(model, data, new TrainerOptions())).Message;
        Assert.Contains("the training set has 96 inputs but 95 labels; give one label per input", Refused(d with { TrainLabels = d.TrainLabels.narrow(0, 0, 95) }));
        Assert.Contains("the test labels are Int32; class indices must be Int64", Refused(d with { TestLabels = d.TestLabels.to(ScalarType.Int32) }));
        Assert.Contains("the training labels must be one class index per example (shape [N]), not shape [96, 1]", Refused(d with { TrainLabels = d.TrainLabels.unsqueeze(1) }));
        Assert.Contains("the test set has no examples", Refused(d with { TestInputs = d.TestInputs.narrow(0, 0, 0), TestLabels = d.TestLabels.narrow(0, 0, 0) }));
        Assert.Contains("the training set has no examples", Refused(d with { TrainInputs = d.TrainInputs.narrow(0, 0, 0), TrainLabels = d.TrainLabels.narrow(0, 0, 0) }));
        Assert.Contains("training inputs have shape [N, 1, 8, 8] but test inputs [N, 1, 4, 8]", Refused(d with { TestInputs = d.TestInputs[.., .., ..4, ..] }));
        Assert.StartsWith("The data cannot be trained on: ", Refused(d with { TestLabels = d.TestLabels.to(ScalarType.Int32) }));
    }

    [Fact]
    public void Labels_the_model_has_no_output_for_are_refused_naming_the_largest_label_and_the_fix()
    {
        // Found by a review: labels 0 to 5 for TinyCnn's 4 outputs ended the run with libtorch's "Target 5 is out of bounds"
        // and its C++ frames; test labels beyond the outputs were never refused, only never right (a silently low accuracy).
        using var model = new TinyCnn();
        var d = Data();
        var options = new TrainerOptions { Epochs = 1, BatchSize = 32 };
        var train = Assert.Throws<ArgumentException>(() => new Trainer(model, d with { TrainLabels = d.TrainLabels + 2 }, options, log: _ => { }).Run());
        Assert.StartsWith("The labels go up to class 5, but 'TinyCnn' gives fewer outputs than that; give the last layer one output per class (at least 6)", train.Message);

        var test = Assert.Throws<ArgumentException>(() => new Trainer(model, d with { TestLabels = d.TestLabels * 3 }, options, log: _ => { }).Run());
        Assert.Equal("The labels go up to class 9, but 'TinyCnn' gives 4 outputs, one per class 0 to 3; give the last layer one output per class (at least 10), or number the classes from 0 (labels - 1 for labels counted from 1).", test.Message);

        var negative = Assert.Throws<ArgumentException>(() => new Trainer(model, d with { TrainLabels = d.TrainLabels - 1 }, options));
        Assert.Contains("the training labels include -1, but class indices start at 0", negative.Message);
    }

    [Fact]
    public void An_index_out_of_bounds_in_the_models_own_forward_is_not_reported_as_labels_beyond_the_outputs()
    {
        // Found by a review: every native "out of bounds" of the loss call was taken for cross_entropy's "Target N is out of
        // bounds", so a gather with a bad index in the model's forward was reported as labels the model has no output for,
        // with labels 0 to 3 and 4 outputs: the wrong fix. Only cross_entropy's refusal is translated.
        using var model = new OutOfBoundsGatherNet();
        var e = Assert.ThrowsAny<Exception>(() => new Trainer(model, Data(), new TrainerOptions { Epochs = 1, BatchSize = 32 }, log: _ => { }).Run());
        Assert.DoesNotContain("The labels go up to class", e.Message);
        Assert.Contains("out of bounds", e.Message);
    }
}

/// <summary>A TinyCnn-shaped head whose forward gathers with an index beyond its outputs: a defect of the model, not of the labels.</summary>
[SharedBudget(0.5)]
public sealed partial class OutOfBoundsGatherNet : NpasModule
{
    [Linear(64, 4)] private partial SharedLinear Head { get; }

    public override Tensor forward(Tensor x)
    {
        var logits = Head.call(x.flatten(1));
        return logits.gather(1, full(logits.shape, 7L, dtype: ScalarType.Int64));
    }
}
