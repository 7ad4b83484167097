using System.Collections.Generic;
using System.Linq;
using NpasDsl.Combiners;
using NpasDsl.Examples.FashionMnist;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>
/// A training pass combines a layer's templates without keeping them until the backward pass
/// (<see cref="WeightedAverageFunction"/>). It must compute what the ordinary operations (the pass's read of the bank
/// pieces, then matmul) compute: the same weights and the same gradients for the bank and the coefficients.
/// </summary>
public sealed class WeightedAverageFunctionTests
{
    public static TheoryData<string> Models => new() { "FashionNet at 1.0", "FashionNet at 2.0", nameof(EmbeddingNet) };

    private static NpasModule Create(string name) => name switch
    {
        "FashionNet at 1.0" => new FashionNet(new NpasOptions { Budget = BudgetSpec.Fraction(1.0) }),
        "FashionNet at 2.0" => new FashionNet(new NpasOptions { Budget = BudgetSpec.Fraction(2.0) }),
        _ => new EmbeddingNet(),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Weights_and_gradients_equal_those_of_cat_then_matmul(string name)
    {
        // Its own generator: the global one is drawn from by the tests running beside this one, so seeding it made nothing reproducible.
        using var random = new Generator(3);
        using var model = Create(name);
        var layers = model.modules().OfType<SharedLayer>().Where(l => l.Plan.Source == WeightSource.Bank).ToList();
        var targets = layers.Select(l => randn(l.Plan.GeneratedSize, generator: random)).ToList();

        Assert.True(layers.Any(l => l.Plan.Templates > 1), "no layer combines several templates: the test would not exercise the combination");
        // Both ways the bank's gradient is added: for a read that lies in one block, and in runs for one that wraps.
        Assert.Contains(layers, l => Wraps(model, l));
        Assert.Contains(layers, l => !Wraps(model, l));
        AssertSameAsOrdinaryOperations(model, layers, targets);
    }

    [Fact]
    public void A_layer_larger_than_its_bank_tiles_it_in_the_weights_and_in_the_gradient()
    {
        // At budget 0.1 each body convolution (36,864 weights) reads its bank of about 15,000 entries more than twice.
        using var random = new Generator(4);
        using var model = new FashionNet(new NpasOptions { Budget = BudgetSpec.Fraction(0.1) });
        var layers = model.modules().OfType<SharedLayer>().Where(l => l.Plan.Source == WeightSource.Bank).ToList();
        Assert.Contains(layers, l => l.Plan.ReadLength > 2 * model.Banks[l.Plan.Group!].shape[0]);
        AssertSameAsOrdinaryOperations(model, layers, layers.Select(l => randn(l.Plan.GeneratedSize, generator: random)).ToList());
    }

    private static void AssertSameAsOrdinaryOperations(NpasModule model, List<SharedLayer> layers, List<Tensor> targets)
    {
        var (combined, combinedGradients) = Pass(model, layers, targets, reference: false);
        var (ordinary, ordinaryGradients) = Pass(model, layers, targets, reference: true);
        for (int i = 0; i < layers.Count; i++)
            Assert.True(combined[i].eq(ordinary[i]).all().item<bool>(), $"{layers[i].Plan.Path}: the weights differ");
        foreach (var (parameter, gradient) in combinedGradients)
        {
            // The bank's gradient sums each entry's contributions in another order than autograd does, so an entry whose
            // contributions nearly cancel differs in its last bits: the tolerance is a float's rounding at the gradient's
            // scale (a backward perturbed by 0.1 % is four orders of magnitude beyond it).
            var reference = ordinaryGradients[parameter];
            double scale = reference.abs().max().item<float>();
            Assert.True(gradient.allclose(reference, rtol: 1e-5, atol: 1e-6 * scale),
                $"{parameter}: the gradients differ by up to {(gradient - reference).abs().max().item<float>()} (largest {scale})");
        }
    }

    private static bool Wraps(NpasModule model, SharedLayer layer)
    {
        long bankSize = model.Banks[layer.Plan.Group!].shape[0];
        return layer.Plan.Offset % bankSize + layer.Plan.ReadLength > bankSize;
    }

    // One forward pass of every layer's weight, inside the pass that splits the banks, and the gradients of Σ <W_l, target_l>.
    private static (List<Tensor> Weights, Dictionary<string, Tensor> Gradients) Pass(NpasModule model, List<SharedLayer> layers, List<Tensor> targets, bool reference)
    {
        model.zero_grad();
        var weights = new List<Tensor>();
        model.Banks.BeginPass();
        try
        {
            foreach (var layer in layers)
            {
                var scale = layer.get_buffer("scale")!;
                weights.Add(reference
                    ? WeightedAverageCombiner.Combine(TemplateReader.Read(model.Banks, layer.Plan), layer.Weights(), scale).reshape(-1)
                    : layer.Weight().reshape(-1));
            }
        }
        finally
        {
            model.Banks.EndPass();
        }
        weights.Zip(targets, (w, t) => (w * t).sum()).Aggregate((a, b) => a + b).backward();
        var gradients = model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        return (weights.Select(w => w.detach().clone()).ToList(), gradients);
    }
}
