using System;
using NpasDsl.Planning;
using static TorchSharp.torch;

namespace NpasDsl.Combiners;

/// <summary>
/// The Hash upsampler at run time (HashedNets, Chen et al. 2015): entry j of a layer grown from a smaller bank is
/// sign_j · tiled[π(j)], where tiled is the layer's circular read of the bank (as <see cref="Upsampler.Repeat"/> reads
/// it), π a fixed permutation of its positions and sign_j = ±1. Every bank entry is still used ⌊|W|/B⌋ or ⌈|W|/B⌉
/// times, so no capacity is lost, but the copies no longer line up as shifted filters of each other, and layers
/// that read the same bank region get different maps instead of bit-identical weights.
/// <para>
/// π and the signs are drawn in managed code (Fisher–Yates driven by SplitMix64) from a seed made of the layer's path,
/// sizes and bank offset alone, never the model's seed or libtorch's generator. They are therefore rebuilt exactly on every
/// construction, on every platform and TorchSharp version: a checkpoint loads into any model with the same
/// allocation, and nothing needs storing (no parameters, no state-dict entries).
/// </para>
/// </summary>
internal sealed class HashedCopies : IDisposable
{
    private Tensor _permutation;
    private Tensor _signs;

    private HashedCopies(Tensor permutation, Tensor signs)
    {
        _permutation = permutation;
        _signs = signs;
    }

    /// <summary>The map of <paramref name="plan"/>'s layer, grown from a bank of <paramref name="bankSize"/> entries (see <see cref="SharingSpec.HashesLayer"/>).</summary>
    public static HashedCopies For(LayerPlan plan, long bankSize)
    {
        long size = plan.GeneratedSize;
        var (permutation, signs) = Map(Seed(plan.Path, size, bankSize, plan.Offset), size);
        using var scope = NewDisposeScope();
        return new HashedCopies(tensor(permutation).DetachFromDisposeScope(), tensor(signs).DetachFromDisposeScope());
    }

    /// <summary>π (a permutation of 0 .. size − 1) and the signs, from <paramref name="seed"/>.</summary>
    internal static (long[] Permutation, float[] Signs) Map(ulong seed, long size)
    {
        var state = seed;
        var permutation = new long[size];
        for (long i = 0; i < size; i++) permutation[i] = i;
        for (long i = size - 1; i > 0; i--)
        {
            long j = (long)(SplitMix64(ref state) % (ulong)(i + 1)); // the modulo bias is below 2^-40 for any real layer
            (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
        }
        var signs = new float[size];
        for (long i = 0; i < size; i++) signs[i] = (SplitMix64(ref state) >> 63) == 0 ? 1f : -1f;
        return (permutation, signs);
    }

    /// <summary>The device the map is on (the layer's bank's, once the model is moved).</summary>
    internal Device Device => _permutation.device;

    /// <summary>
    /// Moves the map to <paramref name="device"/>. The layer calls this when the model is moved (<c>.to(device)</c>), so the
    /// map is never moved during a pass: a map first moved inside <c>inference_mode</c> would be an inference tensor, and
    /// every later training pass would fail in backward, which saves the permutation for <c>index_select</c>.
    /// </summary>
    public void MoveTo(Device device)
    {
        if (_permutation.device_type == device.type && _permutation.device_index == device.index) return;
        using var _ = no_grad();
        var permutation = _permutation.to(device).DetachFromDisposeScope();
        var signs = _signs.to(device).DetachFromDisposeScope();
        _permutation.Dispose();
        _signs.Dispose();
        (_permutation, _signs) = (permutation, signs);
    }

    /// <summary>The hashed weight (flat) from the layer's tiled read.</summary>
    /// <exception cref="InvalidOperationException">The bank is on another device than the map (one layer was moved on its own).</exception>
    public Tensor Apply(Tensor tiled, string path)
    {
        if (_permutation.device_type != tiled.device_type || _permutation.device_index != tiled.device_index)
            throw new InvalidOperationException($"Layer '{path}' keeps its hash map on {_permutation.device} but its bank is on {tiled.device}: " +
                "move the whole model with .to(device), not single layers (the banks belong to the model, not to the layers).");
        var signed = tiled.index_select(0, _permutation);
        return tiled.dtype == _signs.dtype ? signed * _signs : signed * _signs.to_type(tiled.dtype);
    }

    /// <summary>FNV-1a over the layer's identity: stable across processes and platforms (string.GetHashCode is not).</summary>
    internal static ulong Seed(string path, long size, long bankSize, long offset)
    {
        ulong hash = 14695981039346656037UL;
        void Mix(ulong value)
        {
            for (int i = 0; i < 8; i++)
            {
                hash ^= (value >> (8 * i)) & 0xFF;
                hash *= 1099511628211UL;
            }
        }
        foreach (char c in path) Mix(c);
        Mix((ulong)size);
        Mix((ulong)bankSize);
        Mix((ulong)offset);
        return hash;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public void Dispose()
    {
        _permutation.Dispose();
        _signs.Dispose();
    }
}
