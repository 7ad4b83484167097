using System.Collections.Generic;
using NpasDsl.Planning;
using static TorchSharp.torch;

namespace NpasDsl.Initialization;

/// <summary>
/// Initial combiner coefficients: rows of random orthogonal matrices, one row per layer among the layers
/// with the same K (methods.md section 4), so layers that read the same templates start with different,
/// unit-norm mixtures. The (K+1)-th layer with a given K starts a fresh orthogonal matrix.
/// </summary>
internal static class CoefficientInitializer
{
    public static Dictionary<string, Tensor> Create(AllocationPlan plan, Generator generator)
    {
        var result = new Dictionary<string, Tensor>();
        var current = new Dictionary<int, (Tensor Matrix, int NextRow)>();
        using var _ = no_grad();
        using var scope = NewDisposeScope(); // the QR temporaries go; the rows handed out are detached
        foreach (var layer in plan.Layers)
        {
            if (layer.Source != WeightSource.Bank) continue;
            int k = layer.Templates;
            if (!current.TryGetValue(k, out var state) || state.NextRow == k)
                state = (RandomOrthogonal(k, generator), 0);
            result[layer.Path] = state.Matrix[state.NextRow].clone().DetachFromDisposeScope();
            current[k] = (state.Matrix, state.NextRow + 1);
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
