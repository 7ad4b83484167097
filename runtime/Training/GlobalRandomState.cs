using System;
using static TorchSharp.torch;

namespace NpasDsl.Training;

/// <summary>
/// The state of TorchSharp's global CPU generator, which a checkpoint saves so that a resumed run draws what the
/// uninterrupted one would from anything that uses it (dropout in a user's model, a program's own draws). The
/// trainer's own randomness, data order and augmentation, needs none of this: it is derived from the seed and the
/// position in training. CUDA generators are not saved (nothing in NpasDsl draws from them).
/// </summary>
internal static class GlobalRandomState
{
    /// <summary>The generator's state now, as base64.</summary>
    public static string Capture()
    {
        using var generator = Generator.Default;
        using var state = generator.get_state();
        return Convert.ToBase64String(state.data<byte>().ToArray());
    }

    /// <summary>Puts the generator back in a state <see cref="Capture"/> returned.</summary>
    /// <exception cref="FormatException">The text is not base64.</exception>
    /// <exception cref="ArgumentException">The bytes are not a generator state.</exception>
    public static void Restore(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        using var generator = Generator.Default;
        using var state = tensor(bytes, dtype: ScalarType.Byte);
        try
        {
            generator.set_state(state);
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            throw new ArgumentException($"the saved random state ({bytes.Length} bytes) is not a state of TorchSharp's generator ({e.Message})", e);
        }
    }
}
