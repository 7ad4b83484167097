using System;
using System.Linq;
using NpasDsl.Data;
using NpasDsl.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Training;

/// <summary>The CIFAR augmentation: every output is a window of the padded image, flipped or not, and the border is the fill.</summary>
public sealed class AugmentationTests
{
    private static readonly float[] Fill = { -1.5f, -2.5f, -3.5f };

    [Fact]
    public void Neighbouring_run_seeds_draw_from_disjoint_augmentation_seeds_and_seed_1_keeps_its_old_ones()
    {
        // Found by a review: seed · 7,919 + step gave seed 2 at step t the draws of seed 1 at step t + 7,919, so two-seed
        // studies of long runs shared most of their crops and flips.
        long[] steps = { 0, 1, 7_919, 78_200, (1L << 32) - 7_920 };
        foreach (long step in steps)
        {
            Assert.Equal((ulong)(1 * 7_919 + step), Trainer.AugmentationSeed(1, step)); // results measured with seed 1 still reproduce
            foreach (long other in steps)
                Assert.NotEqual(Trainer.AugmentationSeed(1, step), Trainer.AugmentationSeed(2, other));
        }
        Assert.Equal(Trainer.AugmentationSeed(2, 0), Trainer.AugmentationSeed(1, 0) + (1UL << 32));
        Assert.NotEqual(Trainer.AugmentationSeed(-1, 5), Trainer.AugmentationSeed(3, 5)); // no sign trouble
    }

    [Fact]
    public void Each_image_becomes_a_shifted_window_of_its_padded_self_flipped_or_not_with_the_fill_as_border()
    {
        // Distinct values everywhere, so a window can be located: 3 channels of 6x6.
        var images = arange(2 * 3 * 6 * 6, dtype: ScalarType.Float32).view(2, 3, 6, 6);
        var augmented = Augmentation.RandomCropAndFlip(images, new Generator(4), padding: 2, fill: Fill);
        Assert.Equal(images.shape, augmented.shape);

        var padded = stack(Enumerable.Range(0, 3).Select(ch => full(new long[] { 2, 10, 10 }, Fill[ch])).ToArray(), 1);
        padded.narrow(2, 2, 6).narrow(3, 2, 6).copy_(images);
        for (int i = 0; i < 2; i++)
        {
            bool found = false;
            for (int dy = 0; dy <= 4 && !found; dy++)
                for (int dx = 0; dx <= 4 && !found; dx++)
                {
                    var window = padded[i].narrow(1, dy, 6).narrow(2, dx, 6);
                    found = augmented[i].eq(window).all().item<bool>() || augmented[i].eq(window.flip(2)).all().item<bool>();
                }
            Assert.True(found, $"image {i} is no window of its padded self");
        }
    }

    [Fact]
    public void The_batch_is_what_cropping_each_image_at_its_drawn_offset_gives()
    {
        // The gather must equal the plain per-image recipe with the same draws (offsets [N, 2], then flips [N]),
        // so that runs measured before it was vectorised are reproduced.
        var images = arange(5 * 2 * 7 * 5, dtype: ScalarType.Float32).view(5, 2, 7, 5);
        var augmented = Augmentation.RandomCropAndFlip(images, new Generator(11), padding: 3, fill: new[] { -1f, -2f });

        var draws = new Generator(11);
        var offsets = randint(0, 7, new long[] { 5, 2 }, generator: draws);
        var flips = rand(new long[] { 5 }, generator: draws);
        var padded = stack(new[] { full(new long[] { 5, 13, 11 }, -1f), full(new long[] { 5, 13, 11 }, -2f) }, 1);
        padded.narrow(2, 3, 7).narrow(3, 3, 5).copy_(images);
        int flipped = 0;
        for (int i = 0; i < 5; i++)
        {
            var crop = padded[i].narrow(1, offsets[i, 0].item<long>(), 7).narrow(2, offsets[i, 1].item<long>(), 5);
            bool flip = flips[i].item<float>() < 0.5f;
            flipped += flip ? 1 : 0;
            Assert.True(augmented[i].eq(flip ? crop.flip(2) : crop).all().item<bool>(), $"image {i} differs from its crop");
        }
        Assert.InRange(flipped, 1, 4); // seed 11 draws both kinds, so both paths are checked
    }

    [Fact]
    public void The_same_generator_seed_gives_the_same_batch_and_zero_is_the_default_border()
    {
        var images = ones(8, 3, 4, 4);
        var first = Augmentation.RandomCropAndFlip(images, new Generator(9));
        Assert.True(first.eq(Augmentation.RandomCropAndFlip(images, new Generator(9))).all().item<bool>());
        // Padding 4 around 4x4: most windows reach the border, which is 0 without a fill.
        Assert.True(first.eq(0).any().item<bool>());
        Assert.True(first.eq(0).logical_or(first.eq(1)).all().item<bool>());
    }

    [Fact]
    public void Black_after_normalisation_is_minus_mean_over_std_and_a_fill_must_match_the_channels()
    {
        var (mean, std) = CifarDataset.Statistics(CifarVariant.Cifar10);
        Assert.Equal(-mean[2] / std[2], CifarDataset.BlackPixel(CifarVariant.Cifar10)[2], 6);
        var e = Assert.Throws<ArgumentException>(() => Augmentation.RandomCropAndFlip(ones(1, 1, 4, 4), new Generator(1), fill: Fill));
        Assert.StartsWith("The fill has 3 values but the images have 1 channel;", e.Message);
    }
}
