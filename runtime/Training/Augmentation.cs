using static TorchSharp.torch;

namespace NpasDsl.Training;

/// <summary>The standard CIFAR augmentation: pad by 4 with zeros, crop back to the original size at a random place, flip horizontally half the time.</summary>
public static class Augmentation
{
    /// <summary>Augments a batch [N, C, H, W] with draws from <paramref name="generator"/>.</summary>
    public static Tensor RandomCropAndFlip(Tensor images, Generator generator, int padding = 4)
    {
        long n = images.shape[0], h = images.shape[2], w = images.shape[3];
        var padded = nn.functional.pad(images, new long[] { padding, padding, padding, padding });
        var offsets = randint(0, 2 * padding + 1, new long[] { n, 2 }, generator: generator).data<long>().ToArray();
        var flips = rand(new long[] { n }, generator: generator).data<float>().ToArray();
        var result = empty_like(images);
        for (long i = 0; i < n; i++)
        {
            var crop = padded[i].narrow(1, offsets[2 * i], h).narrow(2, offsets[2 * i + 1], w);
            result[i] = flips[i] < 0.5f ? crop.flip(2) : crop;
        }
        return result;
    }
}
