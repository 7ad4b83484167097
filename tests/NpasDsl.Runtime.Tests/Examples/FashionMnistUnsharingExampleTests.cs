using System.IO;
using System.Linq;
using NpasDsl.Runtime.Tests.Data;
using Xunit;

namespace NpasDsl.Runtime.Tests.Examples;

/// <summary>
/// The Fashion-MNIST example with SuperWeights' coefficient sharing and unsharing from the command line: the vectors
/// are split at the end of the watched epoch, and the final line counts the rebuilt model's parameters.
/// </summary>
public sealed class FashionMnistUnsharingExampleTests : ScratchDirectoryTest
{
    public FashionMnistUnsharingExampleTests() : base("example-unsharing")
    {
        Directory.CreateDirectory(Scratch);
        IdxTestFiles.WriteFashionLike(Path.Combine(Scratch, "data"), train: 128, test: 32, seed: 6);
    }

    private string Run(params string[] options) => ExampleProcess.Finish(ExampleProcess.Start("FashionMnist",
        new[] { "--data", Path.Combine(Scratch, "data"), "--epochs", "2", "--batch-size", "64", "--checkpoint-dir", Path.Combine(Scratch, "run"), "--overwrite" }
            .Concat(options).ToArray()));

    [Fact]
    public void Coefficient_unsharing_runs_from_the_command_line_and_the_final_line_counts_the_split_model()
    {
        // Threshold 1 separates every pair of the body's four convolutions, so the split adds three vectors.
        var output = Run("--coefficient-sharing", "by-shape", "--unshare-at", "1", "--unshare-threshold", "1", "--plot");
        // --plot through the example: the PNG of loss and accuracy beside metrics.csv, drawn for the rebuilt model too.
        var plot = new FileInfo(Path.Combine(Scratch, "run", "metrics.png"));
        Assert.True(plot.Exists && plot.Length > 0, "--plot draws metrics.png in the checkpoint directory");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(plot.FullName)[..4]);
        Assert.Contains("unshare_at=1 unshare_threshold=1", output);
        Assert.Contains("epoch 1: summing the coefficient gradients of 4 layers that share vectors", output);
        Assert.Contains("coefficient unsharing after 2 steps (cosine ≤ 1 splits): 3 vectors added", output);
        var lines = output.Trim().Split('\n');
        var continuing = lines.Single(l => l.StartsWith("continuing with the split allocation: "));
        string parameters = continuing["continuing with the split allocation: ".Length..].Split(' ')[0];
        Assert.StartsWith("final: accuracy=", lines[^1]);
        Assert.Contains($" parameters={parameters} ", lines[^1]);
    }

    [Fact]
    public void Unsharing_a_model_without_shared_coefficient_vectors_names_the_option_that_gives_them()
    {
        using var process = ExampleProcess.Start("FashionMnist", "--data", Path.Combine(Scratch, "data"), "--epochs", "2", "--unshare-at", "1",
            "--checkpoint-dir", Path.Combine(Scratch, "refused"));
        var (exitCode, output, error) = ExampleProcess.Refusal(process);
        Assert.Equal(2, exitCode);
        Assert.Contains("error: Coefficient unsharing (--unshare-at) splits shared coefficient vectors, but 'FashionNet' shares none", error);
        Assert.Contains("--coefficient-sharing by-shape", error);
        Assert.DoesNotContain("epoch 1/2", output);
    }
}
