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
/// The validation split (<c>--validation N</c>): the trainer trains on all but the last N training examples and reports
/// its accuracy on those, labelled as validation everywhere, and a checkpoint cannot be resumed on another split.
/// </summary>
public sealed class ValidationSplitTests : ScratchDirectoryTest
{
    public ValidationSplitTests() : base("validation") { }

    /// <summary>Training example i has every pixel equal to i, so a split can be read off its values.</summary>
    private static TrainingData Numbered(int train = 40, int test = 8)
    {
        var trainInputs = arange(train, dtype: float32).view(train, 1, 1, 1).expand(train, 1, 8, 8).contiguous();
        var testInputs = full(new long[] { test, 1, 8, 8 }, -1f);
        return new TrainingData(trainInputs, arange(train, dtype: int64) % 4, testInputs, zeros(test, dtype: int64));
    }

    [Fact]
    public void Hold_out_trains_on_the_first_examples_and_evaluates_on_the_last_ones()
    {
        var data = Numbered();
        var split = data.HoldOut(10);
        Assert.Equal("test", data.Evaluation);
        Assert.Equal("validation", split.Evaluation);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (float)i), split.TrainInputs[.., 0, 0, 0].data<float>().ToArray());
        Assert.Equal(Enumerable.Range(30, 10).Select(i => (float)i), split.TestInputs[.., 0, 0, 0].data<float>().ToArray());
        Assert.Equal(Enumerable.Range(30, 10).Select(i => (long)(i % 4)), split.TestLabels.data<long>().ToArray());
        Assert.Equal(30, split.TrainLabels.shape[0]);
        Assert.Equal(8, data.TestInputs.shape[0]); // the test set is left alone
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40)]
    public void Hold_out_refuses_to_leave_nothing_on_either_side(long count)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Numbered().HoldOut(count));
        Assert.Contains("between 1 and 39 of the 40 training examples", e.Message);
    }

    [Fact]
    public void Hold_out_of_training_tensors_that_are_missing_says_which_is_missing()
    {
        var data = Numbered();
        var e = Assert.Throws<InvalidOperationException>(() => (data with { TrainLabels = null! }).HoldOut(8));
        Assert.Equal("No validation split can be held out: TrainLabels is null; give a tensor with one entry per example along dimension 0.", e.Message);
        Assert.Contains("TrainInputs is a single number", Assert.Throws<InvalidOperationException>(() => (data with { TrainInputs = TorchSharp.torch.tensor(1f) }).HoldOut(8)).Message);
    }

    [Fact]
    public void The_command_line_holds_out_what_validation_asks_and_names_the_evaluation_set()
    {
        var line = new TrainerCommandLine(new TrainerOptions());
        line.Read(new[] { "--validation", "12" }, (_, _) => false);
        Assert.Equal(12, line.Validation);
        var split = line.Prepare(Numbered());
        Assert.Equal(28, split.TrainInputs.shape[0]);
        Assert.Equal("validation", split.Evaluation);
        Assert.Contains("the last 12 training examples", line.EvaluationSet);

        var none = new TrainerCommandLine(new TrainerOptions());
        none.Read(Array.Empty<string>(), (_, _) => false);
        var data = Numbered();
        Assert.Same(data, none.Prepare(data));
        Assert.Equal("test set", none.EvaluationSet);

        var all = new TrainerCommandLine(new TrainerOptions());
        all.Read(new[] { "--validation", "40" }, (_, _) => false);
        Assert.Equal("--validation 40 holds out every one of the 40 training examples; give at most 39.", Assert.Throws<ArgumentException>(() => all.Prepare(Numbered())).Message);
        Assert.Contains("--validation needs a positive integer", Assert.Throws<ArgumentException>(() => all.Read(new[] { "--validation", "0" }, (_, _) => false)).Message);

        // What the programs call: no exception, the message to print, and the evaluation line on success.
        var logged = new List<string>();
        Assert.False(all.TryPrepare(Numbered(), logged.Add, out _, out var problem));
        Assert.Equal("--validation 40 holds out every one of the 40 training examples; give at most 39.", problem);
        Assert.Empty(logged);
        Assert.True(line.TryPrepare(Numbered(), logged.Add, out var prepared, out problem));
        Assert.Null(problem);
        Assert.Equal(28, prepared.TrainInputs.shape[0]);
        Assert.Equal(new[] { "evaluation: " + line.EvaluationSet }, logged);
    }

    [Fact]
    public void The_trainer_labels_a_validation_accuracy_as_such_in_its_log_metrics_and_final_line()
    {
        using var model = new TinyCnn(new NpasOptions { Seed = 2 });
        var lines = new List<string>();
        var options = new TrainerOptions { Epochs = 1, BatchSize = 16, CheckpointDirectory = Scratch };
        var split = Numbered().HoldOut(8);
        var history = new Trainer(model, split, options, log: lines.Add).Run();
        Assert.Contains(lines, l => l.Contains("validation_accuracy=", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("test_accuracy", StringComparison.Ordinal));
        Assert.Equal("epoch,train_loss,train_accuracy,validation_accuracy,learning_rate,seconds", File.ReadLines(Path.Combine(Scratch, "metrics.csv")).First());
        Assert.EndsWith(" evaluated_on=validation", FinalLine.For(model, history, split.Evaluation));
        Assert.DoesNotContain("evaluated_on", FinalLine.For(model, history));
    }

    [Fact]
    public void A_checkpoint_is_not_resumed_on_another_training_set()
    {
        var options = new TrainerOptions { Epochs = 2, BatchSize = 16, CheckpointDirectory = Scratch, Names = SettingNames.CommandLine };
        using (var first = new TinyCnn(new NpasOptions { Seed = 3 }))
            new Trainer(first, Numbered(), options with { Epochs = 1 }, log: _ => { }).Run();

        using var resumed = new TinyCnn(new NpasOptions { Seed = 99 });
        using var untouched = new TinyCnn(new NpasOptions { Seed = 99 });
        var e = Assert.Throws<CheckpointMismatchException>(() => new Trainer(resumed, Numbered().HoldOut(8), options with { Resume = true }, log: _ => { }).Run());
        Assert.Contains("trained on 40 examples but this run has 32", e.Message);
        Assert.Contains("--validation", e.Message);
        // Refused before loading: the model keeps its own weights.
        var before = untouched.state_dict();
        Assert.All(resumed.state_dict(), p => Assert.True(p.Value.eq(before[p.Key]).all().item<bool>(), p.Key));

        // Found by a review: other data of the same count (another data set of as many images) was resumed on.
        var d = Numbered();
        var e2 = Assert.Throws<CheckpointMismatchException>(() => new Trainer(resumed, d with { TrainInputs = d.TrainInputs.flip(0) }, options with { Resume = true }, log: _ => { }).Run());
        Assert.Contains("was trained on other examples than this run's (as many, 40, but other inputs or labels", e2.Message);
        Assert.Contains("--overwrite", e2.Message);

        // The same data resumes.
        var history = new Trainer(resumed, Numbered(), options with { Resume = true }, log: _ => { }).Run();
        Assert.Equal(2, history.Count);
    }

    [Fact]
    public void The_training_data_digest_is_stable_and_tells_apart_a_changed_label_pixel_or_shape()
    {
        var d = Numbered();
        string digest = TrainingDataFingerprint.Of(d.TrainInputs, d.TrainLabels);
        Assert.Matches("^[0-9a-f]{16}$", digest);
        Assert.Equal(digest, TrainingDataFingerprint.Of(d.TrainInputs.clone(), d.TrainLabels.clone()));
        var labels = d.TrainLabels.clone();
        labels[7] = (labels[7] + 1) % 4;
        Assert.NotEqual(digest, TrainingDataFingerprint.Of(d.TrainInputs, labels));
        var inputs = d.TrainInputs.clone();
        inputs[39, 0, 0, 0] = -1f; // the last element is always sampled; so is every one of a set this small
        Assert.NotEqual(digest, TrainingDataFingerprint.Of(inputs, d.TrainLabels));
        Assert.NotEqual(digest, TrainingDataFingerprint.Of(d.TrainInputs.reshape(40, 64), d.TrainLabels)); // the same values as other images
    }
}
