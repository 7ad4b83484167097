using System;
using System.IO;
using NpasDsl.Data;
using NpasDsl.Runtime.Tests.Data;
using Xunit;

namespace NpasDsl.Runtime.Tests.Examples;

/// <summary>Smoke test of the WideResNet example: a real process trains a few steps on small CIFAR-10 files and prints its final line.</summary>
public sealed class WideResNetExampleTests : ScratchDirectoryTest
{
    public WideResNetExampleTests() : base("wrn") { }

    [Fact]
    public void Trains_a_few_steps_on_cifar10_files_and_reports()
    {
        CifarTestFiles.Write(Path.Combine(Scratch, "cifar"), CifarVariant.Cifar10, train: 8, test: 8, seed: 5);
        var output = ExampleProcess.Finish(ExampleProcess.Start("WideResNet", "--model", "wrn-16-4", "--data", Path.Combine(Scratch, "cifar"),
            "--epochs", "1", "--batch-size", "8", "--train-batches", "2", "--checkpoint-dir", Path.Combine(Scratch, "runs")));
        Assert.Contains("WideResNet: model=wrn-16-4", output);
        Assert.Matches(@"final: accuracy=0\.\d{4} parameters=[\d,]+ budget=[\d,]+ unshared=[\d,]+\s*$", output);
        Assert.True(File.Exists(Path.Combine(Scratch, "runs", "metrics.csv")));
    }

    [Fact]
    public void Searches_its_groups_by_gradient_conflict_before_training_when_asked()
    {
        CifarTestFiles.Write(Path.Combine(Scratch, "cifar"), CifarVariant.Cifar10, train: 8, test: 8, seed: 5);
        var output = ExampleProcess.Finish(ExampleProcess.Start("WideResNet", "--model", "wrn-16-4", "--data", Path.Combine(Scratch, "cifar"),
            "--epochs", "1", "--batch-size", "8", "--train-batches", "1", "--checkpoint-dir", Path.Combine(Scratch, "runs"),
            "--group-search", "gradient-conflict", "--search-steps", "1"));
        Assert.Contains("group_search=gradient-conflict search_steps=1", output);
        Assert.Contains("group search: gradient-conflict, 1 warm-up step in batches of 8 from the 40 training examples", output);
        Assert.Contains("groups from gradient-conflict grouping (SuperWeights, ", output); // at budget 0.1 no group holds a 256x256 convolution: one bank
        Assert.True(File.Exists(Path.Combine(Scratch, "runs", "group-search.allocation.json")));
        Assert.Matches(@"final: accuracy=0\.\d{4} parameters=[\d,]+ budget=[\d,]+ unshared=[\d,]+\s*$", output);
    }

    [Fact]
    public void Missing_data_is_a_clear_error()
    {
        using var process = ExampleProcess.Start("WideResNet", "--data", Path.Combine(Scratch, "nowhere"));
        var (exitCode, _, error) = ExampleProcess.Refusal(process);
        Assert.Equal(3, exitCode);
        Assert.Contains("cifar-10-binary.tar.gz", error);
    }
}
