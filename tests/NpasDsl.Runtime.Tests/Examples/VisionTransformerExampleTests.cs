using System;
using System.IO;
using System.Linq;
using NpasDsl.Examples.VisionTransformer;
using NpasDsl.Runtime.Tests.Data;
using NpasDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Examples;

/// <summary>The vision transformer example: its sharing layout, a forward pass, and a short run as a process.</summary>
public sealed class VisionTransformerExampleTests : ScratchDirectoryTest
{
    public VisionTransformerExampleTests() : base("vit") { }

    [Fact]
    public void Attention_and_mlp_projections_each_share_a_bank()
    {
        using var model = new FashionVit(new NpasOptions { Seed = 1 });
        Assert.Equal(8, model.Allocation.Group("attention").Members.Count);
        Assert.Equal(8, model.Allocation.Group("mlp").Members.Count);
        Assert.Equal(model.Allocation.Breakdown.Total, model.TrainableParameters);
        model.eval();
        using var _ = no_grad();
        Assert.Equal(new long[] { 3, 10 }, model.call(randn(new long[] { 3, 1, 28, 28 }, generator: new Generator(2))).shape);
    }

    [Fact]
    public void Trains_a_few_steps_as_a_process_on_a_validation_split()
    {
        // The other examples' process tests evaluate on the test set; this one holds out 16 of the 64 training images.
        IdxTestFiles.WriteFashionLike(Path.Combine(Scratch, "data"), train: 64, test: 32, seed: 8);
        var output = ExampleProcess.Finish(ExampleProcess.Start("VisionTransformer", "--data", Path.Combine(Scratch, "data"), "--epochs", "1",
            "--batch-size", "16", "--train-batches", "2", "--validation", "16", "--checkpoint-dir", Path.Combine(Scratch, "runs")));
        Assert.Contains("evaluation: validation split (the last 16 training examples; the test set is not used)", output);
        Assert.Contains("validation_accuracy=", output);
        Assert.Matches(@"final: accuracy=0\.\d{4} parameters=[\d,]+ budget=[\d,]+ unshared=[\d,]+ evaluated_on=validation\s*$", output);
    }

    [Fact]
    public void A_resume_with_another_budget_names_only_options_the_example_has()
    {
        // Found by a review: the refusal said to resume with "--budget, sharing options and --group-search or --allocation",
        // and this example has neither --group-search nor --allocation.
        IdxTestFiles.WriteFashionLike(Path.Combine(Scratch, "data"), train: 32, test: 16, seed: 8);
        string[] Run(params string[] more) => new[] { "--data", Path.Combine(Scratch, "data"), "--epochs", "1", "--batch-size", "16", "--train-batches", "1",
            "--threads", "1", "--checkpoint-dir", Path.Combine(Scratch, "runs") }.Concat(more).ToArray();
        ExampleProcess.Finish(ExampleProcess.Start("VisionTransformer", Run()));
        var (exitCode, _, error) = ExampleProcess.Refusal(ExampleProcess.Start("VisionTransformer", Run("--resume", "--budget", "0.3")));
        Assert.Equal(ExitCodes.TrainingStopped, exitCode);
        Assert.Contains("is of another model or allocation (the budget is ", error);
        Assert.Contains("): resume with the --budget it was trained with, or start afresh with --overwrite or another --checkpoint-dir.", error);
        Assert.DoesNotContain("--group-search", error);
    }

    [Theory]
    [InlineData("--unshare-at")]
    [InlineData("--unshare-threshold")]
    public void Refuses_coefficient_unsharing_as_soon_as_the_command_line_is_read(string option)
    {
        var (exitCode, _, error) = ExampleProcess.Refusal(ExampleProcess.Start("VisionTransformer", "--data", Path.Combine(Scratch, "missing"), option, option == "--unshare-at" ? "1" : "0.5"));
        Assert.Equal(ExitCodes.BadArguments, exitCode);
        Assert.Contains($"error: {option} is coefficient unsharing, which this program cannot do: FashionVit gives every layer coefficients of its own", error);
        Assert.DoesNotContain("missing", error); // refused before the data is looked for
    }
}
