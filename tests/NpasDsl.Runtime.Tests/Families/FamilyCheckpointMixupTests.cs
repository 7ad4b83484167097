using System.IO;
using NpasDsl.Allocation;
using NpasDsl.Families;
using NpasDsl.Runtime.Tests.Models;
using NpasDsl.Runtime.Tests.Training;
using NpasDsl.Training;
using Xunit;

namespace NpasDsl.Runtime.Tests.Families;

/// <summary>
/// A family's checkpoint given to a single model, and a single model's given to a family: whole checkpoints of something
/// else, told as such. Found by a review: both were "damaged or incomplete", and a resume advised overwriting the run.
/// </summary>
public sealed class FamilyCheckpointMixupTests : ScratchDirectoryTest
{
    public FamilyCheckpointMixupTests() : base("family-mixup") => Directory.CreateDirectory(Scratch);

    private static ModelFamily Family() => new(new[]
    {
        FamilyMember.Of(FamilyNarrow.Declaration, o => new FamilyNarrow(o)),
        FamilyMember.Of(FamilyWide.Declaration, o => new FamilyWide(o)),
    });

    [Fact]
    public void Loading_a_familys_checkpoint_into_a_model_and_back_names_what_saved_it()
    {
        var familyPath = Path.Combine(Scratch, "family.bin");
        using (var family = Family()) family.SaveCheckpoint(familyPath);
        using var narrow = new FamilyNarrow();
        var e = Assert.Throws<AllocationMismatchException>(() => narrow.LoadCheckpoint(familyPath));
        Assert.StartsWith($"The checkpoint {familyPath} was saved from a family of networks (FamilyNarrow+FamilyWide), not a 'FamilyNarrow'", e.Message);

        var singlePath = Path.Combine(Scratch, "narrow.bin");
        narrow.SaveCheckpoint(singlePath);
        using var other = Family();
        var back = Assert.Throws<AllocationMismatchException>(() => other.LoadCheckpoint(singlePath));
        Assert.StartsWith($"The checkpoint {singlePath} was saved from a single 'FamilyNarrow', not a family", back.Message);
    }

    [Fact]
    public void Resuming_a_familys_run_with_a_single_model_is_a_mismatch_not_a_damaged_checkpoint()
    {
        var options = new TrainerOptions { Epochs = 1, BatchSize = 48, BatchesPerEpoch = 1, CheckpointDirectory = Scratch };
        using (var family = Family()) new Trainer(family, TrainerTests.Data(), options, log: _ => { }).Run();
        using var narrow = new FamilyNarrow();
        var e = Assert.Throws<CheckpointMismatchException>(() => new Trainer(narrow, TrainerTests.Data(), options with { Epochs = 2, Resume = true }, log: _ => { }).Run());
        Assert.Contains("is of another model or allocation (it was saved from a family of networks (FamilyNarrow+FamilyWide), not a 'FamilyNarrow')", e.Message);
        Assert.DoesNotContain("damaged", e.Message);
        // No allocation makes a family's checkpoint fit one model: the fix is a trainer of the family.
        Assert.Contains(": resume it with a Trainer of what saved it (a family of networks (FamilyNarrow+FamilyWide)), or start afresh", e.Message);
        Assert.DoesNotContain("NpasOptions { Allocation", e.Message);
    }
}
