using System;
using System.IO;
using System.Linq;
using NpasDsl.Allocation;
using NpasDsl.Families;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary><see cref="NpasOptions.Unshared"/>: the declared class built as the ordinary network a budget is measured against.</summary>
public sealed class UnsharedTests : ScratchDirectoryTest
{
    public UnsharedTests() : base("unshared") { }

    [Fact]
    public void An_unshared_model_has_every_weight_its_own_and_the_architectures_parameter_count()
    {
        using var model = new TinyCnn(new NpasOptions { Unshared = true, Seed = 1 });
        Assert.Equal(TinyCnn.Declaration.UnsharedParameters, model.TrainableParameters);
        Assert.Empty(model.Allocation.Groups);
        Assert.All(model.Allocation.Layers.Where(l => l.Spec.Kind.HasShareableWeight()), l => Assert.Equal(WeightSource.Own, l.Source));
        Assert.DoesNotContain(model.named_parameters(), p => p.name.StartsWith("banks", StringComparison.Ordinal));
        // Kaiming-normal like a [NoShare] layer: the body's 3x3 convolutions over 8 channels have std √(2/72).
        using var body = model.named_parameters().Single(p => p.name == "Body.0.weight").parameter.detach();
        Assert.InRange(body.std().item<float>(), 0.6 * Math.Sqrt(2.0 / 72), 1.4 * Math.Sqrt(2.0 / 72));
        using var output = model.call(randn(2, 1, 8, 8));
        Assert.Equal(new long[] { 2, 4 }, output.shape);
    }

    [Fact]
    public void Exact_sharing_is_undone_too()
    {
        using var shared = new SpinNet();
        using var unshared = new SpinNet(new NpasOptions { Unshared = true });
        Assert.Contains(shared.Allocation.Layers, l => l.SharesWeightsWith is not null);
        Assert.All(unshared.Allocation.Layers, l => Assert.Null(l.SharesWeightsWith));
        Assert.Equal(SpinNet.Declaration.Layers.Sum(l => l.Count * (l.WeightSize + l.BiasSize)), unshared.TrainableParameters);
    }

    [Fact]
    public void Two_unshared_models_of_one_seed_are_identical_and_another_seed_differs()
    {
        using var a = new TinyCnn(new NpasOptions { Unshared = true, Seed = 5 });
        using var b = new TinyCnn(new NpasOptions { Unshared = true, Seed = 5 });
        foreach (var (x, y) in a.parameters().Zip(b.parameters())) Assert.True(x.eq(y).all().item<bool>());
        // Otherwise a seed that reached no initialiser (every model the same) would pass too.
        using var c = new TinyCnn(new NpasOptions { Unshared = true, Seed = 6 });
        Assert.Contains(a.parameters().Zip(c.parameters()), p => !p.First.eq(p.Second).all().item<bool>());
    }

    [Theory]
    [InlineData("budget")]
    [InlineData("sharing")]
    [InlineData("allocation")]
    public void Unshared_beside_an_option_it_replaces_is_refused_by_name(string other)
    {
        var options = other switch
        {
            "budget" => new NpasOptions { Unshared = true, Budget = BudgetSpec.Fraction(0.5) },
            "sharing" => new NpasOptions { Unshared = true, Sharing = SharingSpec.Default },
            _ => new NpasOptions { Unshared = true, Allocation = AllocationFile.From(new TinyCnn().Allocation) },
        };
        var error = Assert.Throws<ArgumentException>(() => new TinyCnn(options));
        Assert.Contains("NpasOptions." + char.ToUpperInvariant(other[0]) + other[1..], error.Message);
        Assert.Contains("Drop one of them", error.Message);
    }

    [Fact]
    public void An_unshared_checkpoint_comes_back_unshared_from_its_allocation_and_is_refused_by_a_shared_model()
    {
        Directory.CreateDirectory(Scratch);
        var path = Path.Combine(Scratch, "tiny.pt");
        using (var model = new TinyCnn(new NpasOptions { Unshared = true, Seed = 2 })) model.SaveCheckpoint(path);

        using var rebuilt = new TinyCnn(new NpasOptions { Allocation = AllocationFile.Load(NpasModule.AllocationPathFor(path)) });
        Assert.Equal(TinyCnn.Declaration.UnsharedParameters, rebuilt.TrainableParameters);
        rebuilt.LoadCheckpoint(path);
        using var original = new TinyCnn(new NpasOptions { Unshared = true, Seed = 2 });
        foreach (var (x, y) in original.parameters().Zip(rebuilt.parameters())) Assert.True(x.eq(y).all().item<bool>());

        using var shared = new TinyCnn();
        Assert.Throws<AllocationMismatchException>(() => shared.LoadCheckpoint(path));
    }

    [Fact]
    public void An_unshared_checkpoint_refused_by_a_shared_model_names_the_option_rather_than_the_budget()
    {
        // Found by a review: the difference was "the budget is 188 here but 1,884 there", and the trainer's fix for it
        // ("resume with the model, --budget, ... it was trained with") sent the user to a budget that plans banks again.
        Directory.CreateDirectory(Scratch);
        var path = Path.Combine(Scratch, "tiny.pt");
        using (var model = new TinyCnn(new NpasOptions { Unshared = true, Seed = 2 })) model.SaveCheckpoint(path);
        using var shared = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Parameters(TinyCnn.Declaration.UnsharedParameters) });
        var error = Assert.Throws<AllocationMismatchException>(() => shared.LoadCheckpoint(path));
        Assert.Equal("the model draws its weights from banks here but is unshared there (every weight its own, as NpasOptions.Unshared builds it)", error.Difference);

        var saved = AllocationFile.From(shared.Allocation);
        using var unshared = new TinyCnn(new NpasOptions { Unshared = true });
        Assert.Equal("the model draws its weights from banks there but is unshared here (every weight its own, as NpasOptions.Unshared builds it)",
            AllocationFile.From(unshared.Allocation).FirstDifference(saved));
    }

    [Fact]
    public void The_trainer_refusing_an_unshared_checkpoint_for_a_shared_model_names_the_option()
    {
        var options = new NpasDsl.Training.TrainerOptions { Epochs = 1, BatchSize = 16, BatchesPerEpoch = 1, CheckpointDirectory = Scratch, Names = NpasDsl.Training.SettingNames.CommandLine };
        using (var model = new TinyCnn(new NpasOptions { Unshared = true, Seed = 1 }))
            new NpasDsl.Training.Trainer(model, Training.TrainerTests.Data(), options, log: _ => { }).Run();
        using var shared = new TinyCnn(new NpasOptions { Seed = 1 });
        var e = Assert.Throws<NpasDsl.Training.CheckpointMismatchException>(() =>
            new NpasDsl.Training.Trainer(shared, Training.TrainerTests.Data(), options with { Epochs = 2, Resume = true }, log: _ => { }).Run());
        Assert.Contains("is of another model or allocation (the model draws its weights from banks here but is unshared there (every weight its own, as NpasOptions.Unshared builds it))", e.Message);
    }

    [Fact]
    public void Models_with_nothing_to_share_at_other_budgets_are_not_told_as_unshared_against_shared()
    {
        // Neither has a bank: the difference is the budget, as before.
        using var a = new OwnOnlyNet(new NpasOptions { Seed = 1 });
        using var b = new OwnOnlyNet(new NpasOptions { Seed = 1, Budget = BudgetSpec.Parameters(500) });
        Assert.Empty(a.Allocation.Groups);
        Assert.StartsWith("the budget is ", AllocationFile.From(a.Allocation).FirstDifference(AllocationFile.From(b.Allocation)));
        using var unshared = new OwnOnlyNet(new NpasOptions { Unshared = true });
        Assert.Null(AllocationFile.From(a.Allocation).FirstDifference(AllocationFile.From(unshared.Allocation)));
    }

    [Fact]
    public void A_family_checkpoint_saved_unshared_is_refused_by_the_shared_family_naming_the_option()
    {
        Directory.CreateDirectory(Scratch);
        var path = Path.Combine(Scratch, "family.pt");
        ModelFamily Build(bool unshared) => new(new[]
        {
            FamilyMember.Of(FamilyNarrow.Declaration, o => new FamilyNarrow(o)),
            FamilyMember.Of(FamilyWide.Declaration, o => new FamilyWide(o)),
        }, new NpasOptions { Seed = 3, Unshared = unshared });
        using (var separate = Build(unshared: true)) separate.SaveCheckpoint(path);
        using var shared = Build(unshared: false);
        var error = Assert.Throws<AllocationMismatchException>(() => shared.LoadCheckpoint(path));
        Assert.Contains("NpasOptions.Unshared", error.Message);
        using var again = Build(unshared: true);
        again.LoadCheckpoint(path);
    }

    [Fact]
    public void A_family_built_unshared_is_its_members_as_separate_networks()
    {
        using var family = new ModelFamily(new[]
        {
            FamilyMember.Of(FamilyNarrow.Declaration, o => new FamilyNarrow(o)),
            FamilyMember.Of(FamilyWide.Declaration, o => new FamilyWide(o), BudgetSpec.Fraction(0.5)),
        }, new NpasOptions { Seed = 3, Unshared = true });
        Assert.True(family.Unshared);
        Assert.Null(family.NarrowerOf(1));
        Assert.Contains("unshared", family.WhyStandalone(1));
        Assert.Equal(family.FullyParameterized, family.TrainableParameters);
        Assert.All(family.Members, m => Assert.Equal(m.Network.UnsharedParameters, m.TrainableParameters));
        Assert.StartsWith("2 separate unshared networks", family.ToString());
        using var logits = family.call(randn(3, 1, 8, 8));
        Assert.Equal(3, logits.shape[0]);
    }
}

/// <summary>A model with nothing to share: every weight layer [NoShare], beside a norm.</summary>
[SharedBudget(1.0)]
public sealed partial class OwnOnlyNet : NpasModule
{
    [Linear(4, 4), NoShare] public partial SharedLinear A { get; }
    [LayerNorm(4)] public partial TorchSharp.Modules.LayerNorm N { get; }
    [Linear(4, 4), NoShare] public partial SharedLinear B { get; }

    public override Tensor forward(Tensor x) => B.call(N.call(A.call(x)));
}
