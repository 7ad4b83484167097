using System;
using static TorchSharp.torch;

namespace NpasDsl.Training;

/// <summary>
/// The standard CIFAR augmentation: pad by 4, crop back to the original size at a random place, flip horizontally
/// half the time.
/// </summary>
public static class Augmentation
{
    /// <summary>
    /// Augments a batch [N, C, H, W] with draws from <paramref name="generator"/>. The border takes
    /// <paramref name="fill"/>, one value per channel in the images' own (normalised) scale: pass
    /// <see cref="Data.CifarDataset.BlackPixel"/> to pad with black as the usual recipe does before normalising;
    /// null pads with zeros, the mean colour of normalised images.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="fill"/> has not one value per channel.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="padding"/> is negative.</exception>
    public static Tensor RandomCropAndFlip(Tensor images, Generator generator, int padding = 4, float[]? fill = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        // Without it the global generator would draw: a resumed run would not see the augmentations the uninterrupted one saw.
        ArgumentNullException.ThrowIfNull(generator);
        // Read before the shape is: a batch of another rank threw an IndexOutOfRangeException, a negative padding a native error.
        if (images.dim() != 4)
            throw new ArgumentException($"The images must be a batch [N, C, H, W], not shape [{string.Join(", ", images.shape)}] (unsqueeze(0) for one image).", nameof(images));
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "The padding must be 0 or more pixels (4 in the usual recipe).");
        long n = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        if (fill is not null && fill.Length != c)
            throw new ArgumentException($"The fill has {fill.Length} values but the images have {c} channel{(c == 1 ? "" : "s")}; give one value per channel.", nameof(fill));
        using var scope = NewDisposeScope();
        var padded = fill is null
            ? zeros(new long[] { n, c, h + 2 * padding, w + 2 * padding }, dtype: images.dtype, device: images.device)
            : tensor(fill, dtype: images.dtype, device: images.device).view(1, c, 1, 1).expand(n, c, h + 2 * padding, w + 2 * padding).contiguous();
        padded.narrow(2, padding, h).narrow(3, padding, w).copy_(images);
        // One gather for the whole batch, not a crop per image: on CUDA a per-image loop is hundreds of tiny kernels
        // and a device-to-host copy of the draws every batch. The draws are the same as before (offsets, then flips).
        var offsets = randint(0, 2 * padding + 1, new long[] { n, 2 }, generator: generator).to(images.device);
        var flips = rand(new long[] { n }, generator: generator).lt(0.5).to(images.device);
        var along = arange(w, device: images.device);
        var rows = offsets.narrow(1, 0, 1) + arange(h, device: images.device);            // [N, H]
        var columns = offsets.narrow(1, 1, 1) + where(flips.unsqueeze(1), (w - 1) - along, along); // [N, W], mirrored where flipped
        var result = padded.index(
            arange(n, device: images.device).view(n, 1, 1, 1),
            arange(c, device: images.device).view(1, c, 1, 1),
            rows.view(n, 1, h, 1),
            columns.view(n, 1, 1, w));
        return result.MoveToOuterDisposeScope();
    }
}
