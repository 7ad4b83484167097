using System.IO;
using System.Linq;
using NpasDsl.Runtime.Tests.Models;
using NpasDsl.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Training;

/// <summary>Tests that use TorchSharp's global generator, which a test running beside them would draw from too.</summary>
[CollectionDefinition(nameof(GlobalRandomCollection), DisableParallelization = true)]
public sealed class GlobalRandomCollection { }

/// <summary>What a checkpoint holds beyond model and optimizer: the global random state; and what its clean-up removes.</summary>
[Collection(nameof(GlobalRandomCollection))]
public sealed class CheckpointContentsTests : ScratchDirectoryTest
{
    public CheckpointContentsTests() : base("contents") { }

    private TrainerOptions Options => new() { Epochs = 1, BatchSize = 16, CheckpointDirectory = Scratch };

    [Fact]
    public void A_resumed_run_draws_from_the_global_generator_what_the_uninterrupted_run_would()
    {
        random.manual_seed(17);
        using (var model = new TinyCnn())
            new Trainer(model, TrainerTests.Data(), Options, log: _ => { }).Run();
        var uninterrupted = rand(6).data<float>().ToArray(); // the next draws after the save

        random.manual_seed(99); // a restarted program seeds afresh, as the examples do
        using var resumed = new TinyCnn();
        new Trainer(resumed, TrainerTests.Data(), Options with { Resume = true }, log: _ => { }).Run();
        Assert.Equal(uninterrupted, rand(6).data<float>().ToArray());
    }

    [Fact]
    public void A_save_removes_the_temporaries_a_killed_save_left_and_nothing_else()
    {
        Directory.CreateDirectory(Scratch);
        string[] left = { "model-000000002.bin.tmp-41", "model-000000002.bin.allocation.json.tmp-41", "trainer.json.tmp-41", "optimizer-000000002.bin.tmp-7" };
        string[] mine = { "notes.tmp-41", "trainer.json.bak", "model-best.bin" };
        foreach (var name in left.Concat(mine)) File.WriteAllText(Path.Combine(Scratch, name), "x");

        using (var model = new TinyCnn())
            new Trainer(model, TrainerTests.Data(), Options, log: _ => { }).Run();
        var files = Directory.GetFiles(Scratch).Select(Path.GetFileName).ToHashSet();
        Assert.All(left, name => Assert.DoesNotContain(name, files));
        Assert.All(mine, name => Assert.Contains(name, files));
        Assert.Contains("trainer.json", files);
    }
}
