using System.Collections.Generic;
using System.Linq;

namespace NpasDsl.Planning;

/// <summary>
/// How many trainable coefficients a combiner needs: per layer (the weighted average's α_l) and shared by the
/// whole model (the embedding combiner's A_K, b_K, one pair per distinct K). Every one counts in the budget.
/// </summary>
public static class CoefficientCost
{
    /// <summary>Size of the embedding combiner's fixed per-layer embedding φ_l (methods.md section 4).</summary>
    public const int EmbeddingSize = 24;

    /// <summary>Coefficients a layer with <paramref name="templates"/> templates owns.</summary>
    public static long PerLayer(Combiner combiner, int templates) => combiner == Combiner.WeightedAverage ? templates : 0;

    /// <summary>Coefficients shared by layers with the template counts <paramref name="templates"/>: A_K is K x 24 and b_K has K entries.</summary>
    public static long Shared(Combiner combiner, IEnumerable<int> templates)
        => combiner == Combiner.Embedding ? templates.Distinct().Sum(k => (long)k * (EmbeddingSize + 1)) : 0;

    /// <summary>All coefficients of layers with the template counts <paramref name="templates"/>.</summary>
    public static long Total(Combiner combiner, IReadOnlyCollection<int> templates)
        => templates.Sum(k => PerLayer(combiner, k)) + Shared(combiner, templates);
}
