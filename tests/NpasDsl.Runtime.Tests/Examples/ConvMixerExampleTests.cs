using System;
using System.IO;
using System.Linq;
using NpasDsl.Data;
using NpasDsl.Examples.ConvMixer;
using NpasDsl.Runtime.Tests.Data;
using NpasDsl.Training;
using Xunit;

namespace NpasDsl.Runtime.Tests.Examples;

/// <summary>The ConvMixer example: SPIN's parameter saving, and pretrain-then-fuse as real processes.</summary>
public sealed class ConvMixerExampleTests : ScratchDirectoryTest
{
    public ConvMixerExampleTests() : base("convmixer") { }

    [Fact]
    public void Spin_at_rate_2_saves_four_pointwise_layers_and_uses_its_whole_budget()
    {
        using var unshared = new ConvMixerNet();
        using var spin = new ConvMixerSpin();
        Assert.Equal(594_186, unshared.TrainableParameters);
        Assert.Equal(594_186 - 4 * (65_536 + 256), spin.TrainableParameters); // four weights and their biases
        Assert.Equal(0, spin.Allocation.Breakdown.Unused);
        Assert.Equal(4, spin.Allocation.Group("pointwise").Members.Count);
    }

    [Fact]
    public void Pretrain_unshared_then_start_spin_from_it_by_fusion()
    {
        var data = Path.Combine(Scratch, "cifar");
        CifarTestFiles.Write(data, CifarVariant.Cifar10, train: 4, test: 4, seed: 6);
        var pretrained = Path.Combine(Scratch, "pretrained");
        ExampleProcess.Finish(ExampleProcess.Start("ConvMixer", "--model", "unshared", "--data", data, "--epochs", "1", "--batch-size", "8",
            "--train-batches", "1", "--checkpoint-dir", pretrained));
        var checkpoint = Directory.GetFiles(pretrained, "model-*.bin").Single();

        var output = ExampleProcess.Finish(ExampleProcess.Start("ConvMixer", "--model", "spin", "--data", data, "--epochs", "1", "--batch-size", "8",
            "--train-batches", "1", "--checkpoint-dir", Path.Combine(Scratch, "spin"), "--fuse-from", checkpoint, "--fusion", "mean"));
        Assert.Contains("fusion (mean)", output);
        Assert.Contains("fused 4 weight sets", output);
        Assert.Matches(@"final: accuracy=0\.\d{4} parameters=331,018 budget=331,018 unshared=594,186\s*$", output);
    }

    [Fact]
    public void A_fuse_from_file_that_is_cut_short_is_refused_as_a_wrong_argument_not_a_crash()
    {
        var data = Path.Combine(Scratch, "cifar");
        CifarTestFiles.Write(data, CifarVariant.Cifar10, train: 4, test: 4, seed: 6);
        Directory.CreateDirectory(Scratch);
        var whole = Path.Combine(Scratch, "whole.bin");
        using (var pretrained = new ConvMixerNet()) pretrained.SaveCheckpoint(whole);
        var half = Path.Combine(Scratch, "model-000000001.bin"); // a half-copied checkpoint
        File.WriteAllBytes(half, File.ReadAllBytes(whole)[..(int)(new FileInfo(whole).Length / 2)]);

        var (exitCode, _, error) = ExampleProcess.Refusal(ExampleProcess.Start("ConvMixer", "--model", "spin", "--data", data, "--epochs", "1",
            "--batch-size", "8", "--train-batches", "1", "--checkpoint-dir", Path.Combine(Scratch, "spin"), "--fuse-from", half));
        Assert.Equal(ExitCodes.BadArguments, exitCode);
        Assert.Contains($"--fuse-from {half} is not a readable checkpoint of --model unshared", error);
        Assert.DoesNotContain("Unhandled exception", error);
    }

    [Fact]
    public void A_checkpoint_a_fresh_start_would_replace_is_refused_before_the_fusion_and_unsharing_before_anything()
    {
        // Found by a review: both refusals came only after the data was loaded and the learned fusion had run its steps.
        var data = Path.Combine(Scratch, "cifar");
        CifarTestFiles.Write(data, CifarVariant.Cifar10, train: 4, test: 4, seed: 6);
        var pretrained = Path.Combine(Scratch, "model-000000001.bin");
        using (var unshared = new ConvMixerNet()) unshared.SaveCheckpoint(pretrained);
        var spin = Path.Combine(Scratch, "spin");
        Directory.CreateDirectory(spin);
        File.WriteAllText(Path.Combine(spin, "trainer.json"), "{}"); // another run's checkpoint (unreadable here, kept all the same)

        var (exitCode, output, error) = ExampleProcess.Refusal(ExampleProcess.Start("ConvMixer", "--model", "spin", "--data", data, "--epochs", "1",
            "--batch-size", "4", "--checkpoint-dir", spin, "--fuse-from", pretrained, "--fusion", "scalar", "--fusion-steps", "2"));
        Assert.NotEqual(0, exitCode);
        Assert.Contains("already holds a checkpoint", error);
        Assert.DoesNotContain("fusion (scalar)", output);
        Assert.Equal("{}", File.ReadAllText(Path.Combine(spin, "trainer.json")));

        var (unsharing, _, why) = ExampleProcess.Refusal(ExampleProcess.Start("ConvMixer", "--model", "spin", "--data", Path.Combine(Scratch, "missing"), "--unshare-at", "1"));
        Assert.Equal(ExitCodes.BadArguments, unsharing);
        Assert.Contains("error: --unshare-at is coefficient unsharing, which this program cannot do: the SPIN model shares whole weights", why);
    }

    [Fact]
    public void A_folder_of_cifar_100_is_told_that_the_example_reads_cifar_10_only()
    {
        // Found by a review: the message offered "the example's option for a CIFAR-100 model", which ConvMixer does not have.
        var hundred = Path.Combine(Scratch, "hundred");
        NpasDsl.Runtime.Tests.Data.CifarTestFiles.Write(hundred, NpasDsl.Data.CifarVariant.Cifar100, train: 1, test: 1, seed: 6);
        var (exitCode, _, error) = ExampleProcess.Refusal(ExampleProcess.Start("ConvMixer", "--data", hundred, "--checkpoint-dir", Path.Combine(Scratch, "runs")));
        Assert.Equal(ExitCodes.DataUnavailable, exitCode);
        Assert.Contains("not CIFAR-10's: this program trains on CIFAR-10 only (the WideResNet example with --model wrn-28-10 trains on CIFAR-100)", error);
        Assert.DoesNotContain("option for a CIFAR-100 model", error);
    }

    [Theory]
    [InlineData("--fusion scalar", "--fusion sets how --fuse-from fuses a pretrained checkpoint, but none is given")]
    [InlineData("--model spin --fusion-steps 5", "--fusion-steps sets how --fuse-from fuses a pretrained checkpoint, but none is given")]
    public void Fusion_options_without_a_fusion_are_refused_not_ignored(string options, string message)
    {
        var (exitCode, _, error) = ExampleProcess.Refusal(ExampleProcess.Start("ConvMixer", new[] { "--data", Scratch }.Concat(options.Split(' ')).ToArray()));
        Assert.Equal(ExitCodes.BadArguments, exitCode);
        Assert.Contains(message, error);
        Assert.DoesNotContain("usage:", error); // a wrong value is answered in one line
    }

    [Fact]
    public void Fusion_steps_with_a_fusion_that_learns_nothing_are_refused()
    {
        Directory.CreateDirectory(Scratch);
        var checkpoint = Path.Combine(Scratch, "model-000000001.bin");
        File.WriteAllBytes(checkpoint, new byte[] { 0 }); // refused before it is read
        var (exitCode, _, error) = ExampleProcess.Refusal(ExampleProcess.Start("ConvMixer", "--data", Scratch, "--model", "spin", "--fuse-from", checkpoint, "--fusion-steps", "5"));
        Assert.Equal(ExitCodes.BadArguments, exitCode);
        Assert.Contains("--fusion-steps sets how long the scalar and channel fusions learn their weights, but --fusion is mean", error);
    }
}
