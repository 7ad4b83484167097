using System.IO;
using System.Linq;
using NpasDsl.Allocation;
using NpasDsl.Runtime.Tests.Data;
using Xunit;

namespace NpasDsl.Runtime.Tests.Examples;

/// <summary>
/// The Fashion-MNIST example with SSN's learned grouping from the command line, as real processes: the search runs
/// before training and writes its allocation, a resumed run trains on the same groups without searching again, and
/// --allocation builds the same model from the written file.
/// </summary>
public sealed class FashionMnistGroupSearchExampleTests : ScratchDirectoryTest
{
    public FashionMnistGroupSearchExampleTests() : base("example-group-search")
    {
        Directory.CreateDirectory(Scratch);
        IdxTestFiles.WriteFashionLike(Path.Combine(Scratch, "data"), train: 128, test: 32, seed: 8);
    }

    private string Run(string directory, params string[] options) => ExampleProcess.Finish(ExampleProcess.Start("FashionMnist",
        new[] { "--data", Path.Combine(Scratch, "data"), "--batch-size", "64", "--checkpoint-dir", Path.Combine(Scratch, directory) }.Concat(options).ToArray()));

    [Fact]
    public void A_learned_grouping_is_searched_once_reused_on_resume_and_rebuilt_from_its_file()
    {
        var searched = Run("run", "--epochs", "1", "--group-search", "learned", "--search-steps", "2", "--groups", "2");
        Assert.Contains("group_search=learned search_steps=2 groups=2", searched);
        Assert.Contains("group search: learned, 2 warm-up steps in batches of 64 from the 128 training examples", searched);
        Assert.Contains("groups from learned grouping (SSN, k-means into 2 groups after 2 warm-up steps)", searched);
        string file = Path.Combine(Scratch, "run", "group-search.allocation.json");
        var allocation = AllocationFile.Load(file);
        Assert.InRange(allocation.Groups.Count, 1, 2);
        string finalLine = searched.Trim().Split('\n')[^1];
        Assert.StartsWith("final: accuracy=", finalLine);

        var resumed = Run("run", "--epochs", "2", "--group-search", "learned", "--search-steps", "2", "--groups", "2", "--resume");
        Assert.Contains("group search: not run again; the groups of the run being resumed are read from its checkpoint", resumed);
        Assert.DoesNotContain("warm-up steps in batches", resumed);
        Assert.Contains("resumed from", resumed);
        Assert.StartsWith("final: accuracy=", resumed.Trim().Split('\n')[^1]);

        // The written file builds the same model in another run: same groups, same parameter count.
        var rebuilt = Run("rebuilt", "--epochs", "1", "--allocation", file);
        Assert.Contains($"allocation: {file} (learned grouping", rebuilt);
        Assert.Contains(" parameters=" + finalLine.Split(" parameters=")[1].Split(' ')[0] + " ", rebuilt.Trim().Split('\n')[^1]);
    }

    [Fact]
    public void An_allocation_with_a_budget_is_refused_as_a_contradiction()
    {
        using var process = ExampleProcess.Start("FashionMnist", "--data", Path.Combine(Scratch, "data"), "--allocation", "a.json", "--budget", "0.2");
        var (exitCode, _, error) = ExampleProcess.Refusal(process);
        Assert.Equal(2, exitCode);
        Assert.Contains("--allocation carries its own budget, groups and sharing options; drop --budget", error);
    }
}
