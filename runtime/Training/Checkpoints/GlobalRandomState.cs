using System;
using System.IO;
using static TorchSharp.torch;

namespace NpasDsl.Training;

/// <summary>
/// The state of TorchSharp's global CPU generator, which a checkpoint saves so that a resumed run draws what the
/// uninterrupted one would from anything that uses it (dropout in a user's model, a program's own draws). The
/// trainer's own randomness, data order and augmentation, needs none of this: it is derived from the seed and the
/// position in training. CUDA generators are not saved, because TorchSharp 0.107 binds no <c>torch.cuda.get_rng_state</c>
/// (its native layer reaches only the default CPU generator's state): dropout on a GPU draws differently after a resume.
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
    /// <exception cref="InvalidDataException">The text is not base64, or not a state of this generator's size.</exception>
    public static void Restore(string base64)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"its saved random state is not base64 ({e.Message})", e);
        }
        using var generator = Generator.Default;
        // Checked here because libtorch rejects a wrong size with a native exception that the binding does not turn into a .NET one.
        using (var current = generator.get_state())
            if (bytes.Length != current.shape[0])
                throw new InvalidDataException($"its saved random state has {bytes.Length} bytes where TorchSharp's generator state has {current.shape[0]}");
        using var state = tensor(bytes, dtype: ScalarType.Byte);
        generator.set_state(state);
    }
}
