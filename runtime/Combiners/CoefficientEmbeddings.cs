using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Combiners;

/// <summary>
/// The embedding combiner's shared parameters (SSN "Emb"): for every template count K in use, a matrix A_K
/// (K x 24) and a vector b_K (K), registered as <c>combiner.A_K</c> and <c>combiner.b_K</c>. A layer with K
/// templates and fixed embedding φ_l mixes them with α_l = A_K φ_l + b_K, so the coefficients cost 25·K per
/// distinct K instead of K per layer.
/// </summary>
public sealed class CoefficientEmbeddings : nn.Module
{
    internal CoefficientEmbeddings(IEnumerable<int> templateCounts, Generator generator) : base("combiner")
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (int k in templateCounts.Distinct().OrderBy(k => k))
        {
            var a = new Parameter(randn(new long[] { k, Planning.CoefficientCost.EmbeddingSize }, generator: generator));
            var b = new Parameter(zeros(k));
            a.DetachFromDisposeScope();
            b.DetachFromDisposeScope();
            register_parameter(MatrixName(k), a);
            register_parameter(VectorName(k), b);
        }
    }

    /// <inheritdoc />
    protected override void RegisterComponents() { }

    /// <summary>α = A_K φ + b_K for a layer with <paramref name="templates"/> templates and embedding <paramref name="embedding"/>.</summary>
    public Tensor Mix(int templates, Tensor embedding)
        => get_parameter(MatrixName(templates))!.matmul(embedding) + get_parameter(VectorName(templates))!;

    private static string MatrixName(int k) => "A_" + k.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string VectorName(int k) => "b_" + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
