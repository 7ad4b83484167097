using System.Linq;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>Generated weights train: gradients reach the banks, the loss falls, seeds reproduce, checkpoints round-trip.</summary>
public sealed class TrainingTests
{
    [Fact]
    public void Gradients_reach_the_bank_and_the_coefficients()
    {
        using var model = new TinyCnn();
        var (images, labels) = TestData.Images();
        nn.functional.cross_entropy(model.call(images), labels).backward();

        var bank = model.Banks["shared"];
        Assert.NotNull(bank.grad);
        Assert.True(bank.grad!.abs().sum().item<float>() > 0);
        var coefficients = model.named_parameters().Where(p => p.name.EndsWith(".coefficients")).ToList();
        Assert.Equal(5, coefficients.Count);
        Assert.All(coefficients, p => Assert.True(p.parameter.grad!.abs().sum().item<float>() > 0, p.name));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(2.0)]
    public void A_few_steps_on_a_fixed_batch_lower_the_loss(double fraction)
    {
        using var model = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(fraction), Seed = 2 });
        var (first, last) = TestData.LossesOnFixedBatch(model);
        Assert.True(last < 0.8f * first, $"loss went from {first} to {last}");
    }

    [Fact]
    public void Two_models_from_one_seed_are_identical_and_other_seeds_differ()
    {
        using var a = new MixedNet(new NpasOptions { Seed = 42 });
        using var b = new MixedNet(new NpasOptions { Seed = 42 });
        using var c = new MixedNet(new NpasOptions { Seed = 43 });
        var sa = a.state_dict();
        var sb = b.state_dict();
        Assert.Equal(sa.Keys.OrderBy(k => k), sb.Keys.OrderBy(k => k));
        foreach (var key in sa.Keys) Assert.True(Same(sa[key], sb[key]), key);
        Assert.False(Same(sa["banks.mlp"], c.state_dict()["banks.mlp"]));

        var tokens = TestData.Tokens();
        Assert.True(Same(a.call(tokens), b.call(tokens)));
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void State_dict_keys_are_stable_and_named_after_the_properties()
    {
        using var model = new TinyCnn();
        var keys = model.state_dict().Keys.OrderBy(k => k, System.StringComparer.Ordinal).ToArray();
        Assert.Equal(new[]
        {
            "Body.0.bias", "Body.0.coefficients", "Body.0.scale",
            "Body.1.bias", "Body.1.coefficients", "Body.1.scale",
            "Body.2.bias", "Body.2.coefficients", "Body.2.scale",
            "Head.bias", "Head.coefficients", "Head.scale",
            "Stem.bias", "Stem.coefficients", "Stem.scale",
            "StemNorm.bias", "StemNorm.num_batches_tracked", "StemNorm.running_mean", "StemNorm.running_var", "StemNorm.weight",
            "banks.shared",
        }, keys);
    }

    [Fact]
    public void Save_and_load_round_trip_restores_outputs()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"npas-{System.Guid.NewGuid():N}", "tiny.bin");
        try
        {
            using var trained = new TinyCnn(new NpasOptions { Seed = 1 });
            var (images, labels) = TestData.Images();
            var optimizer = optim.SGD(trained.parameters(), 0.1);
            nn.functional.cross_entropy(trained.call(images), labels).backward();
            optimizer.step();
            trained.eval();
            var expected = trained.call(images);
            trained.SaveAtomically(path);
            Assert.Empty(System.IO.Directory.GetFiles(System.IO.Path.GetDirectoryName(path)!, "*.tmp-*"));

            using var restored = new TinyCnn(new NpasOptions { Seed = 99 });
            restored.load(path);
            restored.eval();
            Assert.True(restored.call(images).allclose(expected, rtol: 0, atol: 0));
        }
        finally
        {
            System.IO.Directory.Delete(System.IO.Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void Moving_the_model_to_another_dtype_keeps_layers_reading_the_moved_bank()
    {
        using var model = new MixedNet();
        model.to(float64);
        Assert.Equal(ScalarType.Float64, model.Banks["mlp"].dtype);
        var output = model.call(TestData.Tokens());
        Assert.Equal(ScalarType.Float64, output.dtype);
    }

    [Fact]
    public void A_model_built_inside_a_dispose_scope_outlives_it()
    {
        MixedNet model;
        using (NewDisposeScope())
        {
            model = new MixedNet();
        }
        using (model)
        {
            var output = model.call(TestData.Tokens());
            Assert.Equal(new long[] { 4, 5 }, output.shape);
            Assert.All(model.parameters(), p => Assert.False(p.IsInvalid));
        }
    }

    [Fact]
    public void A_forward_pass_that_throws_leaves_no_stale_bank_pieces()
    {
        using var model = new TinyCnn();
        using (NewDisposeScope())
            Assert.ThrowsAny<System.Exception>(() => model.call(randn(new long[] { 2, 3, 8, 8 }))); // wrong channel count
        Assert.NotEmpty(model.ExportUnsharedStateDict());
        var (images, labels) = TestData.Images();
        nn.functional.cross_entropy(model.call(images), labels).backward();
        Assert.True(model.Banks["shared"].grad!.abs().sum().item<float>() > 0);
    }
}
