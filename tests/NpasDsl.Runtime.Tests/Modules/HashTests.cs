using System.Linq;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using Xunit;
using TorchSharp;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>
/// The Hash upsampler: a layer larger than its bank reads the Repeat tiling of the bank through a fixed, seeded
/// permutation with random signs; no parameters are added, layers that fit their bank are untouched, and the map
/// depends on the layer alone, so a checkpoint loads into any model with the same allocation.
/// </summary>
public sealed class HashTests
{
    private static SharedLayer Layer(NpasModule model, string path) => model.SharedLayers().Single(l => l.Path == path).Layer;

    /// <summary>The generated weight without its initial-scale correction: exactly the entries read from the bank.</summary>
    private static Tensor Unscaled(NpasModule model, string path)
    {
        var layer = Layer(model, path);
        var scale = layer.named_buffers().Single(b => b.name == "scale").buffer;
        var coefficients = layer.named_parameters().Single(p => p.name == "coefficients").parameter;
        return (layer.Weight() / (scale * coefficients)).flatten();
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static HashNet Repeat(long seed) => new(new NpasOptions { Seed = seed, Sharing = new SharingSpec(upsampler: Upsampler.Repeat) });

    [Fact]
    public void A_hashed_layer_is_a_signed_permutation_of_its_tiled_read_and_adds_no_parameters()
    {
        using var hashed = new HashNet(new NpasOptions { Seed = 3 });
        using var tiled = Repeat(3);
        var plan = hashed.Allocation;
        Assert.True(plan.Layer("Body.0").Spec.WeightSize > plan.Groups.Single().BankSize, plan.ToString());
        Assert.Equal(tiled.TrainableParameters, hashed.TrainableParameters);
        Assert.Equal(tiled.state_dict().Keys, hashed.state_dict().Keys);
        Assert.Contains("hashed (permuted, signed)", plan.ToString());

        using var _ = no_grad();
        var h = Unscaled(hashed, "Body.0");
        var t = Unscaled(tiled, "Body.0");
        Assert.False(h.allclose(t), "hashing must change the arrangement");
        Assert.True(h.abs().sort().Values.allclose(t.abs().sort().Values, rtol: 1e-5, atol: 1e-6), "the same bank entries, each used as often");
        // Signed, not only permuted: a permutation alone keeps the multiset of values, the signs change it.
        Assert.False(h.sort().Values.allclose(t.sort().Values, rtol: 1e-5, atol: 1e-6), "the signs must flip some entries");
    }

    [Fact]
    public void The_copies_of_the_bank_inside_a_layer_no_longer_repeat_each_other()
    {
        using var tiled = Repeat(4);
        using var hashed = new HashNet(new NpasOptions { Seed = 4 });
        long bank = tiled.Allocation.Groups.Single().BankSize;
        using var _ = no_grad();
        // Repeat: entry j and entry j + B of a tiled layer are the same bank entry; with Hash they almost never are.
        static double Repeats(Tensor w, long b) => w.narrow(0, b, w.numel() - b).eq(w.narrow(0, 0, w.numel() - b)).to_type(ScalarType.Float64).mean().item<double>();
        Assert.Equal(1.0, Repeats(Unscaled(tiled, "Body.0"), bank));
        Assert.True(Repeats(Unscaled(hashed, "Body.0"), bank) < 0.05);
        // Every layer gets its own map: two layers' hashed weights share no more structure than chance.
        var a = Unscaled(hashed, "Body.0");
        var b = Unscaled(hashed, "Body.1");
        float cosine = ((a * b).sum() / (a.norm() * b.norm())).item<float>();
        Assert.InRange(cosine, -0.2f, 0.2f);
    }

    [Fact]
    public void Layers_that_fit_their_bank_are_read_exactly_as_with_repeat()
    {
        using var hashed = new HashNet(new NpasOptions { Seed = 5, Budget = BudgetSpec.Fraction(1.5) });
        using var tiled = new HashNet(new NpasOptions { Seed = 5, Budget = BudgetSpec.Fraction(1.5), Sharing = new SharingSpec(upsampler: Upsampler.Repeat) });
        using var _ = no_grad();
        Assert.All(hashed.Allocation.Layers.Where(l => l.Source == WeightSource.Bank), l => Assert.True(l.Spec.WeightSize <= hashed.Allocation.Group(l.Group!).BankSize));
        foreach (var path in new[] { "Stem", "Body.0", "Body.2", "Head" })
            Assert.True(Same(Layer(hashed, path).Weight(), Layer(tiled, path).Weight()), path);
        Assert.DoesNotContain("hashed", hashed.Allocation.ToString());
    }

    [Fact]
    public void The_map_is_the_layers_own_so_a_state_dict_loads_into_a_model_built_with_another_seed()
    {
        using var first = new HashNet(new NpasOptions { Seed = 6 });
        using var second = new HashNet(new NpasOptions { Seed = 7 });
        var input = randn(new long[] { 2, 1, 6, 6 }, generator: new Generator(1));
        first.eval();
        second.eval();
        using var _ = no_grad();
        Assert.False(first.call(input).allclose(second.call(input)));
        second.load_state_dict(first.state_dict());
        Assert.True(Same(first.call(input), second.call(input)));
    }

    [Fact]
    public void The_gradient_reaches_every_bank_entry_and_materializing_keeps_the_outputs()
    {
        using var model = new HashNet(new NpasOptions { Seed = 8 });
        var input = randn(new long[] { 4, 1, 6, 6 }, generator: new Generator(2));
        model.call(input).square().sum().backward();
        var bank = model.Banks[model.Banks.GroupNames().Single()];
        Assert.Equal(0, bank.grad!.eq(0).sum().item<long>());

        model.eval();
        using var _ = no_grad();
        var onTheFly = model.call(input);
        model.Materialize();
        Assert.True(Same(onTheFly, model.call(input)));
    }

    [Fact]
    public void The_map_moves_with_the_model_and_not_lazily_inside_a_pass()
    {
        // Moved lazily on the first pass after .to(device), a map first used inside inference_mode would become an
        // inference tensor and break every later backward. The meta device stands in for a GPU on a CPU-only machine.
        using var model = new HashNet(new NpasOptions { Seed = 10 });
        var hashed = model.SharedLayers().Where(l => l.Layer.HashDevice is not null).ToList();
        Assert.NotEmpty(hashed);
        model.to(new Device(DeviceType.META));
        Assert.All(hashed, l => Assert.Equal(DeviceType.META, l.Layer.HashDevice!.type));
        // No pass ran: the move happened in .to() itself. (Nothing comes back from the meta device, so the test ends here.)
    }

    [Fact]
    public void A_layer_moved_away_from_its_bank_says_to_move_the_whole_model()
    {
        using var model = new HashNet(new NpasOptions { Seed = 11 });
        var layer = model.SharedLayers().First(l => l.Layer.HashDevice is not null);
        layer.Layer.to(new Device(DeviceType.META)); // the layer alone: its bank belongs to the model and stays on the CPU
        var e = Assert.Throws<System.InvalidOperationException>(() => layer.Layer.Weight());
        Assert.Contains($"Layer '{layer.Path}'", e.Message);
        Assert.Contains("move the whole model with .to(device)", e.Message);
    }

    [Fact]
    public void The_map_is_pinned_independently_of_libtorch()
    {
        // Values from an independent implementation of FNV-1a, SplitMix64 and Fisher–Yates: a change here would
        // silently give old checkpoints of hashed layers other weights.
        Assert.Equal(17184162530693506971UL, Combiners.HashedCopies.Seed("Body.0", 576, 321, 0));
        var (permutation, signs) = Combiners.HashedCopies.Map(12345, 10);
        Assert.Equal(new long[] { 8, 6, 7, 2, 1, 3, 9, 5, 0, 4 }, permutation);
        Assert.Equal(new float[] { -1, 1, 1, -1, -1, -1, 1, -1, -1, -1 }, signs);
    }

    [Fact]
    public void The_summary_does_not_call_hashed_layers_at_one_offset_the_same_templates()
    {
        // 339 parameters leave a bank of 288 entries: half a body layer, so every body layer starts at offset 0.
        var budget = BudgetSpec.Parameters(339);
        using var hashed = new HashNet(new NpasOptions { Seed = 9, Budget = budget });
        using var tiled = new HashNet(new NpasOptions { Seed = 9, Budget = budget, Sharing = new SharingSpec(upsampler: Upsampler.Repeat) });
        Assert.Equal(288, tiled.Allocation.Groups.Single().BankSize);
        Assert.Contains("Body.0 ~ Body.1: 288 entries (100.0 % of bank shared), same templates (one template each: one weight up to a scale)", tiled.Allocation.ToString());
        Assert.DoesNotContain("same templates", hashed.Allocation.ToString());
        Assert.Equal(tiled.Allocation.Layers.Select(l => l.Offset), hashed.Allocation.Layers.Select(l => l.Offset));
    }
}
