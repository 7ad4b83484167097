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

    [Fact]
    public void A_budget_in_parameters_may_pass_two_to_the_31()
    {
        // Found by a review: it was read as an int, so 3,000,000,000 was "not a positive integer".
        Assert.Equal(3_000_000_000L, TrainingOptions.Parse(new[] { "--budget-parameters", "3000000000" }).BudgetParameters);
        Assert.Equal("--budget-parameters needs a positive whole number, not '0'.", Assert.Throws<System.ArgumentException>(() => TrainingOptions.Parse(new[] { "--budget-parameters", "0" })).Message);
    }

    [Fact]
    public void Unshared_is_read_and_refused_beside_the_options_that_set_sharing()
    {
        Assert.True(TrainingOptions.Parse(new[] { "--unshared" }).Unshared);
        Assert.False(TrainingOptions.Parse(System.Array.Empty<string>()).Unshared);
        foreach (var (args, named) in new[]
        {
            (new[] { "--unshared", "--budget", "0.5" }, "--budget"),
            (new[] { "--unshared", "--budget-parameters", "1000" }, "--budget-parameters"),
            (new[] { "--unshared", "--coefficient-sharing", "by-shape" }, "--coefficient-sharing"),
            (new[] { "--unshared", "--group-search", "learned" }, "--group-search"),
        })
        {
            var error = Assert.Throws<System.ArgumentException>(() => TrainingOptions.Parse(args));
            Assert.Equal($"--unshared trains FashionNet with every weight its own, so {named} has nothing to set; drop one of them.", error.Message);
        }
        var allocation = Assert.Throws<System.ArgumentException>(() => TrainingOptions.Parse(new[] { "--unshared", "--allocation", "saved.json" })).Message;
        Assert.Contains("drop --unshared", allocation);
        // Found by a review: it offered "or search again with --group-search and --unshared", which is refused above.
        Assert.DoesNotContain("--group-search", allocation);
        Assert.Contains("--unshared leaves no shared coefficients to split", Assert.Throws<System.ArgumentException>(() => TrainingOptions.Parse(new[] { "--unshared", "--unshare-at", "1" })).Message);
    }

    [Fact]
    public void Device_cuda_without_cuda_is_refused_before_the_data_is_read()
    {
        // Found by a review: the example read the whole data set first, so a missing --data was reported instead, and with the
        // data there the refusal came only after it was loaded.
        if (TorchSharp.torch.cuda.is_available()) return; // the refusal is for machines without CUDA
        var missing = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"npas-no-data-{System.Guid.NewGuid():N}");
        var (exitCode, _, error) = ExampleProcess.Refusal(ExampleProcess.Start("FashionMnist", "--data", missing, "--device", "cuda"));
        Assert.Equal(NpasDsl.Training.ExitCodes.BadArguments, exitCode);
        Assert.Contains("error: --device cuda was given but CUDA is not available", error);
        Assert.DoesNotContain("not found", error);
    }
}
