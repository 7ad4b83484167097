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
    public void Two_unshared_models_of_one_seed_are_identical()
    {
        using var a = new TinyCnn(new NpasOptions { Unshared = true, Seed = 5 });
        using var b = new TinyCnn(new NpasOptions { Unshared = true, Seed = 5 });
        foreach (var (x, y) in a.parameters().Zip(b.parameters())) Assert.True(x.eq(y).all().item<bool>());
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
