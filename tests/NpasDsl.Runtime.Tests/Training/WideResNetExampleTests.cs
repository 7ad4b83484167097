using System;
using System.IO;
using NpasDsl.Data;
using NpasDsl.Runtime.Tests.Data;
using Xunit;

namespace NpasDsl.Runtime.Tests.Training;

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
    public void Missing_data_is_a_clear_error()
    {
        using var process = ExampleProcess.Start("WideResNet", "--data", Path.Combine(Scratch, "nowhere"));
        var (exitCode, _, error) = ExampleProcess.Refusal(process);
        Assert.Equal(3, exitCode);
        Assert.Contains("cifar-10-binary.tar.gz", error);
    }
}
