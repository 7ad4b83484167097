using System.Linq;
using NpasDsl.Banks;
using NpasDsl.Planning;
using Xunit;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>
/// The bank's initial spread: every entry takes the Kaiming scale of the member layer that reads it most often,
/// so the layers that use the bank most start with s ≈ 1 and train at the optimizer's own step size.
/// </summary>
public sealed class BankInitializationTests
{
    private static NetworkSpec FashionNet(double budget) => new("FashionNet", BudgetSpec.Fraction(budget), new[]
    {
        LayerSpec.Conv2d("Stem", 1, 64, 3, 3, padding: 1), LayerSpec.BatchNorm2d("StemNorm", 64),
        LayerSpec.Conv2d("Body", 64, 64, 3, 3, padding: 1, repeat: 4), LayerSpec.BatchNorm2d("BodyNorms", 64, repeat: 4),
        LayerSpec.Linear("Head", 64, 10),
    }, SharingSpec.Default);

    [Fact]
    public void In_a_small_bank_the_tiled_body_sets_the_scale_of_every_entry()
    {
        var plan = BudgetPlanner.Plan(FashionNet(0.1));
        var group = plan.Groups.Single();
        var body = plan.Layer("Body.0").Spec.InitialStd;
        // The head and the stem read the start of the bank once; each body layer reads all of it more than twice.
        Assert.True(plan.Layer("Head").ReadLength < group.BankSize && plan.Layer("Body.0").ReadLength > 2 * group.BankSize, plan.ToString());
        var runs = BankInitializer.Scales(plan, group).ToList();
        Assert.Equal(0, runs[0].Start);
        Assert.Equal(group.BankSize, runs[^1].End);
        Assert.All(runs.Zip(runs.Skip(1)), p => Assert.Equal(p.First.End, p.Second.Start));
        Assert.All(runs, r => Assert.Equal(body, r.Std));
    }

    [Fact]
    public void Where_every_layer_reads_an_entry_once_the_scale_most_of_them_want_wins()
    {
        // At 2x the budget the stem, the head and each of the four body layers read the start of the bank once:
        // four of the six reads want the body's scale, so it wins over the head's and the stem's.
        var plan = BudgetPlanner.Plan(FashionNet(2.0));
        var group = plan.Groups.Single();
        var runs = BankInitializer.Scales(plan, group).ToList();
        double StdAt(long entry) => runs.Single(r => r.Start <= entry && entry < r.End).Std;
        var head = plan.Layer("Head");
        Assert.Equal(0, head.Offset);
        Assert.NotEqual(head.Spec.InitialStd, plan.Layer("Body.0").Spec.InitialStd);
        Assert.Equal(plan.Layer("Body.0").Spec.InitialStd, StdAt(0));
        Assert.Equal(plan.Layer("Body.0").Spec.InitialStd, StdAt(head.ReadLength - 1));
        Assert.Equal(group.BankSize, runs.Sum(r => r.End - r.Start));
    }

    [Fact]
    public void The_tiled_body_of_the_10_percent_cnn_needs_no_scale_correction()
    {
        // s_l multiplies every step of the layer's weight: with the body's scale in the whole bank it is about 1
        // (it was about 0.5 when the head's scale covered a third of the bank).
        using var model = new NpasDsl.Examples.FashionMnist.FashionNet(new NpasOptions { Seed = 1 });
        foreach (var (path, layer) in model.SharedLayers().Where(l => l.Path.StartsWith("Body.", System.StringComparison.Ordinal)))
        {
            var scale = layer.named_buffers().Single(b => b.name == "scale").buffer.item<float>();
            var alpha = layer.named_parameters().Single(p => p.name == "coefficients").parameter.abs().item<float>();
            Assert.InRange(scale * alpha, 0.9f, 1.1f);
        }
    }
}
