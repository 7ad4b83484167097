using NpasDsl.Examples.FashionMnist;
using Xunit;

namespace NpasDsl.Runtime.Tests.Examples;

/// <summary>The Fashion-MNIST example's own defaults, which differ from the trainer's where a study chose them.</summary>
public sealed class FashionMnistOptionsTests
{
    [Fact]
    public void The_default_rate_is_the_validation_choice_and_lr_still_overrides_it()
    {
        var defaults = TrainingOptions.Parse(System.Array.Empty<string>()).Trainer;
        Assert.Equal(TrainingOptions.DefaultLearningRate, defaults.LearningRate);
        Assert.NotEqual(new NpasDsl.Training.TrainerOptions().LearningRate, defaults.LearningRate);
        Assert.Equal("runs/fashion-mnist", defaults.CheckpointDirectory);
        Assert.Equal(3, defaults.Epochs);

        Assert.Equal(0.003, TrainingOptions.Parse(new[] { "--lr", "0.003" }).Trainer.LearningRate);
        Assert.Contains("AdamW lr 0.012", TrainingOptions.Usage);
    }
}
