using System;
using System.Globalization;
using System.Security.Cryptography;
using static TorchSharp.torch;

namespace NpasDsl.Training;

/// <summary>
/// A short digest of a training set, recorded in every checkpoint so that <c>--resume</c> refuses other data of the same
/// size (another data set with as many images, say), which would train on other batches and never end as the
/// uninterrupted run would. It reads every label and an evenly spaced sample of the inputs: cheap at start-up even for
/// millions of examples, and a data set that differs anywhere in its labels or in a sampled pixel is told apart.
/// </summary>
public static class TrainingDataFingerprint
{
    /// <summary>How many input elements are sampled (all of them when there are fewer).</summary>
    public const int InputSamples = 1 << 16;

    /// <summary>The digest of <paramref name="inputs"/> and <paramref name="labels"/>: 16 hexadecimal digits of SHA-256.</summary>
    public static string Of(Tensor inputs, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = NewDisposeScope();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // The shape is part of the digest: the same values laid out as other images are other data.
        foreach (long size in inputs.shape) hash.AppendData(BitConverter.GetBytes(size));
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(labels.cpu().to(ScalarType.Int64).data<long>().ToArray().AsSpan()));
        var flat = inputs.flatten();
        long count = flat.shape[0];
        if (count > 0)
        {
            // Evenly spaced positions, the last element included; a copy of the sample alone, never of the whole set.
            long samples = Math.Min(count, InputSamples);
            var positions = samples == 1 ? zeros(1, ScalarType.Int64) : linspace(0, count - 1, samples, dtype: ScalarType.Float64).round().to(ScalarType.Int64);
            var sample = flat.index_select(0, positions.to(flat.device)).cpu().to(ScalarType.Float64).data<double>().ToArray();
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(sample.AsSpan()));
        }
        return Convert.ToHexString(hash.GetHashAndReset(), 0, 8).ToLower(CultureInfo.InvariantCulture);
    }
}
