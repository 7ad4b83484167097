using System;
using NpasDsl.Families;
using NpasDsl.Runtime.Tests.Models;
using NpasDsl.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Training;

/// <summary>
/// What a program calling the trainer's public API gets for arguments no run can use: an exception that names the argument
/// and the fix, not a NullReferenceException, an IndexOutOfRangeException or a silently different run. Found by a review.
/// </summary>
public sealed class TrainerArgumentTests
{
    [Fact]
    public void A_null_model_data_or_options_is_an_argument_null_exception_naming_it()
    {
        using var model = new TinyCnn();
        var data = TrainerTests.Data();
        Assert.Equal("model", Assert.Throws<ArgumentNullException>(() => new Trainer((NpasModule)null!, data, new TrainerOptions())).ParamName);
        Assert.Equal("family", Assert.Throws<ArgumentNullException>(() => new Trainer((ModelFamily)null!, data, new TrainerOptions())).ParamName);
        Assert.Equal("data", Assert.Throws<ArgumentNullException>(() => new Trainer(model, null!, new TrainerOptions())).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new Trainer(model, data, null!)).ParamName);
    }

    [Fact]
    public void Data_with_a_null_or_dimensionless_tensor_is_refused_naming_it()
    {
        using var model = new TinyCnn();
        var d = TrainerTests.Data();
        string Refused(TrainingData data) => Assert.Throws<ArgumentException>(() => new Trainer(model, data, new TrainerOptions())).Message;
        Assert.Contains("TrainInputs is null; give a tensor with one entry per example along dimension 0", Refused(d with { TrainInputs = null! }));
        Assert.Contains("TestLabels is null", Refused(d with { TestLabels = null! }));
        Assert.Contains("TrainInputs is a single number (a tensor of no dimensions)", Refused(d with { TrainInputs = tensor(1f), TrainLabels = tensor(1L) }));
    }

    [Fact]
    public void An_undefined_optimizer_a_blank_checkpoint_directory_and_null_names_are_refused()
    {
        // The optimizer 9 trained silently with AdamW; "" failed in Path.GetFullPath naming a parameter 'path'; "  " checkpointed
        // into a folder named by the blanks; Names = null threw "Delegate to an instance method cannot have null 'this'".
        Assert.Equal("Optimizer is 9 but must be one of AdamW, SgdNesterov", new TrainerOptions { Optimizer = (OptimizerKind)9 }.Validate());
        Assert.Equal("CheckpointDirectory is \"\", which names no directory; give a directory path, or null for no checkpoints", new TrainerOptions { CheckpointDirectory = "" }.Validate());
        Assert.StartsWith("CheckpointDirectory is \"  \", which names no directory", new TrainerOptions { CheckpointDirectory = "  " }.Validate());
        Assert.Equal("Names is null; leave it out for SettingNames.Properties", new TrainerOptions { Names = null! }.Validate());
        using var model = new TinyCnn();
        var e = Assert.Throws<ArgumentException>(() => new Trainer(model, TrainerTests.Data(), new TrainerOptions { CheckpointDirectory = " " }));
        Assert.Equal("options", e.ParamName);
    }

    [Fact]
    public void A_checkpoint_store_needs_a_directory()
    {
        Assert.Equal("directory", Assert.Throws<ArgumentException>(() => new CheckpointStore("")).ParamName);
        Assert.Equal("directory", Assert.Throws<ArgumentException>(() => new CheckpointStore(null!)).ParamName);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    [InlineData(5)]
    public void The_rate_of_an_epoch_outside_the_run_is_refused(int epoch)
    {
        // Epoch -1 gave a rate of 0 and an epoch past the end a cosine rising again, without a word.
        var options = new TrainerOptions { Epochs = 3 };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.At(options, epoch));
        Assert.Equal("epoch", e.ParamName);
        Assert.Contains("must be in [0, 3)", e.Message);
        Assert.Throws<ArgumentNullException>(() => LearningRateSchedule.At(null!, 0));
    }

    [Fact]
    public void Augmentation_refuses_a_batch_of_another_rank_and_a_negative_padding()
    {
        // An [C, H, W] image threw an IndexOutOfRangeException; a negative padding a native error.
        using var image = ones(1, 4, 4);
        Assert.Equal("images", Assert.Throws<ArgumentException>(() => Augmentation.RandomCropAndFlip(image, new Generator(1))).ParamName);
        using var batch = ones(2, 1, 4, 4);
        Assert.Equal("padding", Assert.Throws<ArgumentOutOfRangeException>(() => Augmentation.RandomCropAndFlip(batch, new Generator(1), padding: -1)).ParamName);
        Assert.Equal(new long[] { 2, 1, 4, 4 }, Augmentation.RandomCropAndFlip(batch, new Generator(1), padding: 0).shape);
    }
}
