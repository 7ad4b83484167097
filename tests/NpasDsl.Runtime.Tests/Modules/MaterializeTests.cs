using System.Linq;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>Inference with weights computed once: bit-identical outputs, and an export that loads into an ordinary model.</summary>
public sealed class MaterializeTests
{
    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Theory]
    [InlineData(0.1)]
    [InlineData(2.0)]
    public void Materialized_outputs_are_bit_identical_to_on_the_fly_outputs(double fraction)
    {
        using var model = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(fraction), Seed = 5 });
        var (images, _) = TestData.Images();
        model.eval();
        var onTheFly = model.call(images);
        model.Materialize();
        Assert.All(model.SharedLayers(), l => Assert.True(l.Layer.IsMaterialized, l.Path));
        using (no_grad()) Assert.True(Same(onTheFly, model.call(images))); // the cached weights
        Assert.True(Same(onTheFly, model.call(images))); // with autograd on: generated again, the same outputs
    }

    [Fact]
    public void Fine_tuning_in_eval_mode_after_materializing_still_trains_the_banks()
    {
        using var model = new TinyCnn(new NpasOptions { Seed = 5 });
        model.Materialize(); // eval mode, e.g. to keep the batch norms' statistics frozen while fine-tuning
        var (images, labels) = TestData.Images();
        cross_entropy(model.call(images), labels).backward();
        Assert.True(model.Banks["shared"].grad is { } grad && grad.abs().sum().item<float>() > 0, "the bank got no gradient through the cached weight");
    }

    [Fact]
    public void Loading_a_checkpoint_into_a_materialized_model_computes_its_weights_again()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"npas-materialized-{System.Guid.NewGuid():N}.bin");
        try
        {
            using (var other = new TinyCnn(new NpasOptions { Seed = 9 })) other.SaveCheckpoint(path);
            using var model = new TinyCnn(new NpasOptions { Seed = 5 });
            using var loaded = new TinyCnn(new NpasOptions { Seed = 1 });
            loaded.LoadCheckpoint(path);
            loaded.eval();
            model.Materialize();
            model.LoadCheckpoint(path);
            var (images, _) = TestData.Images();
            using var _ = no_grad();
            Assert.True(model.SharedLayers().All(l => l.Layer.IsMaterialized));
            Assert.True(Same(loaded.call(images), model.call(images)), "the materialized weights are still those of the model before the load");
        }
        finally
        {
            System.IO.File.Delete(path);
            System.IO.File.Delete(NpasModule.AllocationPathFor(path));
        }
    }

    [Fact]
    public void A_materialized_model_moved_to_another_dtype_keeps_its_weights_materialized_and_moved()
    {
        using var model = new TinyCnn(new NpasOptions { Seed = 5 });
        var (images, _) = TestData.Images();
        model.eval();
        model.Materialize();
        model.to(ScalarType.Float64);
        Assert.All(model.SharedLayers(), l => Assert.True(l.Layer.IsMaterialized, l.Path));
        Tensor materialized;
        using (no_grad()) materialized = model.call(images.to(ScalarType.Float64)); // the cached weights: one left in float32 would fail here
        Assert.Equal(ScalarType.Float64, materialized.dtype);
        model.train();
        model.eval(); // on the fly again, from the float64 bank: bit-identical (found by a review: the cached weight was a cast of the float32 one)
        using (no_grad()) Assert.True(Same(model.call(images.to(ScalarType.Float64)), materialized));
    }

    [Fact]
    public void A_forward_with_autograd_on_drops_the_materialized_weights_so_none_go_stale()
    {
        // Found by a review: fine-tuning in eval mode trained the banks, and a later no_grad pass used the old weights.
        using var model = new TinyCnn(new NpasOptions { Seed = 6 });
        var (images, labels) = TestData.Images();
        model.Materialize();
        using var optimizer = optim.SGD(model.parameters(), 0.5);
        nn.functional.cross_entropy(model.call(images), labels).backward(); // eval mode, autograd on
        optimizer.step();
        Assert.All(model.SharedLayers(), l => Assert.False(l.Layer.IsMaterialized, l.Path));
        Tensor after;
        using (no_grad()) after = model.call(images);
        model.Materialize();
        using (no_grad()) Assert.True(Same(model.call(images), after), "the no_grad pass after the step used the stepped banks");

        // Frozen parameters cannot be stepped: a forward with autograd on keeps the materialized weights.
        foreach (var p in model.parameters()) p.requires_grad = false;
        model.call(images);
        Assert.All(model.SharedLayers(), l => Assert.True(l.Layer.IsMaterialized, l.Path));
    }

    [Fact]
    public void Training_again_drops_the_materialized_weights_so_the_bank_learns()
    {
        using var model = new TinyCnn();
        model.Materialize();
        model.train();
        Assert.All(model.SharedLayers(), l => Assert.False(l.Layer.IsMaterialized, l.Path));
        var (images, labels) = TestData.Images();
        cross_entropy(model.call(images), labels).backward();
        Assert.True(model.Banks["shared"].grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void The_export_loads_into_an_ordinary_model_with_the_same_outputs()
    {
        using var shared = new TinyCnn(new NpasOptions { Seed = 8 });
        var export = shared.ExportUnsharedStateDict();
        Assert.DoesNotContain(export.Keys, k => k.StartsWith("banks.") || k.EndsWith(".coefficients") || k.EndsWith(".scale"));

        using var plain = new PlainTinyCnn();
        Assert.Equal(plain.state_dict().Keys.OrderBy(k => k), export.Keys.OrderBy(k => k));
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"npas-export-{System.Guid.NewGuid():N}.bin");
        try
        {
            shared.SaveUnshared(path);
            plain.load(path);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
        shared.eval();
        plain.eval();
        var (images, _) = TestData.Images();
        Assert.True(shared.call(images).allclose(plain.call(images), rtol: 0, atol: 1e-6));
    }

    /// <summary>TinyCnn written with TorchSharp's ordinary layers and the same names.</summary>
    private sealed class PlainTinyCnn : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d Stem = nn.Conv2d(1, 8, 3, padding: 1);
        private readonly BatchNorm2d StemNorm = nn.BatchNorm2d(8);
        private readonly ModuleList<Conv2d> Body = new(nn.Conv2d(8, 8, 3, padding: 1), nn.Conv2d(8, 8, 3, padding: 1), nn.Conv2d(8, 8, 3, padding: 1));
        private readonly Linear Head = nn.Linear(8, 4);

        public PlainTinyCnn() : base(nameof(PlainTinyCnn)) => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            x = relu(StemNorm.call(Stem.call(x)));
            foreach (var conv in Body) x = relu(conv.call(x));
            return Head.call(x.mean(new long[] { 2, 3 }));
        }
    }
}
