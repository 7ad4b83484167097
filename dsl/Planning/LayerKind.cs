namespace NpasDsl.Planning;

/// <summary>The layer kinds the DSL can declare.</summary>
public enum LayerKind
{
    /// <summary>Fully connected, weight [out, in].</summary>
    Linear,
    /// <summary>1-D convolution, weight [out, in / groups, k].</summary>
    Conv1d,
    /// <summary>2-D convolution, weight [out, in / groups, kh, kw].</summary>
    Conv2d,
    /// <summary>Embedding table, weight [count, dim].</summary>
    Embedding,
    /// <summary>Batch norm over channels (never shared).</summary>
    BatchNorm2d,
    /// <summary>Layer norm over the last dimension (never shared).</summary>
    LayerNorm,
}

/// <summary>Helpers on <see cref="LayerKind"/>.</summary>
public static class LayerKinds
{
    /// <summary>Whether a layer of this kind has a weight that can be drawn from a bank.</summary>
    public static bool HasShareableWeight(this LayerKind kind) => kind is LayerKind.Linear or LayerKind.Conv1d or LayerKind.Conv2d or LayerKind.Embedding;

    /// <summary>The lower-case name used in summaries and group names.</summary>
    public static string DisplayName(this LayerKind kind) => kind switch
    {
        LayerKind.Linear => "linear",
        LayerKind.Conv1d => "conv1d",
        LayerKind.Conv2d => "conv2d",
        LayerKind.Embedding => "embedding",
        LayerKind.BatchNorm2d => "batchnorm2d",
        _ => "layernorm",
    };
}
