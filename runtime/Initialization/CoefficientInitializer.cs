using System.Collections.Generic;
using NpasDsl.Planning;
using static TorchSharp.torch;

namespace NpasDsl.Initialization;

/// <summary>
/// Initial combiner mixtures: rows of random orthogonal matrices, one row per layer among the layers with
/// the same row size (methods.md section 4), so layers that read the same templates start with different,
/// unit-norm mixtures. The (n+1)-th layer of a row size n starts a fresh orthogonal matrix.
/// </summary>
internal static class CoefficientInitializer
{
    /// <summary>
    /// The initial mixture of every layer that owns one: α_l (K entries) for the weighted average, the fixed
    /// embedding φ_l (24 entries) for the embedding combiner, nothing for the others.
    /// </summary>
    public static Dictionary<string, Tensor> Create(AllocationPlan plan, Generator generator)
    {
        var result = new Dictionary<string, Tensor>();
        var combiner = plan.Network.Sharing.Combiner;
        if (combiner is not (Combiner.WeightedAverage or Combiner.Embedding)) return result;
        var current = new Dictionary<int, (Tensor Matrix, int NextRow)>();
        using var _ = no_grad();
        using var scope = NewDisposeScope(); // the QR temporaries go; the rows handed out are detached
        foreach (var layer in plan.Layers)
        {
            if (layer.Source != WeightSource.Bank || layer.SharesWeightsWith is not null || layer.CoefficientsFrom is not null) continue; // one row per vector
            int size = combiner == Combiner.Embedding ? CoefficientCost.EmbeddingSize : layer.Templates;
            if (!current.TryGetValue(size, out var state) || state.NextRow == size)
                state = (RandomOrthogonal(size, generator), 0);
            result[layer.Path] = state.Matrix[state.NextRow].clone().DetachFromDisposeScope();
            current[size] = (state.Matrix, state.NextRow + 1);
        }
        return result;
    }

    /// <summary>A Haar-distributed orthogonal matrix: QR of a Gaussian matrix with the signs of R's diagonal folded into Q.</summary>
    private static Tensor RandomOrthogonal(int size, Generator generator)
    {
        var gaussian = randn(new long[] { size, size }, dtype: float32, generator: generator);
        var (q, r) = linalg.qr(gaussian);
        return q * r.diagonal().sign().unsqueeze(0);
    }
}
