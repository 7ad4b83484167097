using System;
using System.IO;
using NpasDsl.Data;
using Xunit;

namespace NpasDsl.Runtime.Tests.Data;

/// <summary>The IDX reader and the Fashion-MNIST loader, on small files the tests write themselves.</summary>
public sealed class IdxFileTests : ScratchDirectoryTest
{
    public IdxFileTests() : base("idx") => Directory.CreateDirectory(Scratch);

    private static byte[] Idx(int[] dimensions, byte[] data) => IdxTestFiles.Idx(dimensions, data);

    private string Write(string name, byte[] bytes, bool gzip) => IdxTestFiles.Write(Scratch, name, bytes, gzip);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_dimensions_and_data(bool gzip)
    {
        var data = new byte[2 * 3 * 4];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 7);
        var idx = IdxFile.Read(Write("images", Idx(new[] { 2, 3, 4 }, data), gzip));
        Assert.Equal(new[] { 2, 3, 4 }, idx.Dimensions);
        Assert.Equal(data, idx.Data);
    }

    [Fact]
    public void Gzip_is_told_by_the_content_not_the_name()
    {
        // Found by a review: a plain file named .gz was "not a readable gzip file", a compressed one without .gz "not an IDX file".
        var data = new byte[] { 1, 2, 3 };
        var compressed = Write("labels", Idx(new[] { 3 }, data), gzip: true);
        var unnamed = Path.Combine(Scratch, "compressed-without-suffix");
        File.Move(compressed, unnamed);
        Assert.Equal(data, IdxFile.Read(unnamed).Data);
        var plain = Path.Combine(Scratch, "plain.gz");
        File.WriteAllBytes(plain, Idx(new[] { 3 }, data));
        Assert.Equal(data, IdxFile.Read(plain).Data);
    }

    [Fact]
    public void A_truncated_file_is_reported_as_truncated()
    {
        var bytes = Idx(new[] { 10 }, new byte[10]);
        var path = Write("labels", bytes[..^3], gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_longer_than_its_header_says_is_refused(bool gzip)
    {
        // A header that undercounts its images would otherwise drop the rest of the data set without a word.
        var bytes = Idx(new[] { 10 }, new byte[12]);
        var path = Write(gzip ? "long-gz" : "long", bytes, gzip);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains("the header does not describe this file", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_plain_file_shorter_than_its_header_is_refused_before_the_data_is_allocated()
    {
        // The header promises 2,000,000,000 bytes; the file holds 2. Checked against the file's length, not by allocating 2 GB.
        var bytes = Idx(new[] { 1 }, new byte[] { 7, 8 });
        bytes[4] = 0x77; bytes[5] = 0x35; bytes[6] = 0x94; bytes[7] = 0x00; // 2,000,000,000 big-endian
        var path = Write("short", bytes, gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains("the header promises 2000000000 data bytes (2000000000) but the file holds 2; it is truncated", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_idx_is_rejected()
    {
        var path = Write("noise", new byte[] { 1, 2, 3, 4, 5 }, gzip: false);
        Assert.Contains("not an IDX file", Assert.Throws<InvalidDataException>(() => IdxFile.Read(path)).Message);
        var floats = Write("floats", new byte[] { 0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0 }, gzip: false);
        Assert.Contains("only unsigned bytes", Assert.Throws<InvalidDataException>(() => IdxFile.Read(floats)).Message);
    }

    [Fact]
    public void Fashion_mnist_loads_normalised_images_and_labels()
    {
        var pixels = new byte[3 * 28 * 28];
        pixels[0] = 255;
        Write("train-images-idx3-ubyte", Idx(new[] { 3, 28, 28 }, pixels), gzip: true);
        Write("train-labels-idx1-ubyte", Idx(new[] { 3 }, new byte[] { 0, 9, 4 }), gzip: true);
        Write("t10k-images-idx3-ubyte", Idx(new[] { 2, 28, 28 }, new byte[2 * 28 * 28]), gzip: false);
        Write("t10k-labels-idx1-ubyte", Idx(new[] { 2 }, new byte[] { 1, 2 }), gzip: false);

        var data = FashionMnistDataset.Load(Scratch);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, data.TrainImages.shape);
        Assert.Equal(new long[] { 2, 1, 28, 28 }, data.TestImages.shape);
        Assert.Equal(new long[] { 0, 9, 4 }, data.TrainLabels.data<long>().ToArray());
        Assert.Equal((1 - FashionMnistDataset.PixelMean) / FashionMnistDataset.PixelStd, data.TrainImages[0, 0, 0, 0].item<float>(), 4);
        Assert.Equal(-FashionMnistDataset.PixelMean / FashionMnistDataset.PixelStd, data.TrainImages[0, 0, 0, 1].item<float>(), 4);
        // The augmentation's border must be the background the loader produces, or shifted images gain a frame.
        Assert.Equal(data.TrainImages[0, 0, 0, 1].item<float>(), Assert.Single(FashionMnistDataset.BlackPixel()), 6);
    }

    [Theory]
    [InlineData("counts", "holds 3 images but")]
    [InlineData("label", "found label 12, but Fashion-MNIST has 10 classes")]
    [InlineData("size", "expected 28x28 Fashion-MNIST images, found 14x14")]
    public void Files_that_do_not_fit_together_or_are_not_fashion_mnist_are_refused_with_the_file_named(string fault, string message)
    {
        int side = fault == "size" ? 14 : 28;
        Write("train-images-idx3-ubyte", Idx(new[] { 3, side, side }, new byte[3 * side * side]), gzip: false);
        var labels = fault switch { "counts" => new byte[] { 0, 1 }, "label" => new byte[] { 0, 12, 3 }, _ => new byte[] { 0, 1, 2 } };
        Write("train-labels-idx1-ubyte", Idx(new[] { labels.Length }, labels), gzip: false);
        Write("t10k-images-idx3-ubyte", Idx(new[] { 1, 28, 28 }, new byte[28 * 28]), gzip: false);
        Write("t10k-labels-idx1-ubyte", Idx(new[] { 1 }, new byte[] { 1 }), gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => FashionMnistDataset.Load(Scratch));
        Assert.Contains(message, e.Message);
        Assert.Contains(fault == "label" ? "train-labels-idx1-ubyte" : "train-images-idx3-ubyte", e.Message);
    }

    [Fact]
    public void A_header_whose_dimensions_multiply_past_an_array_is_refused_not_overflowed()
    {
        // 2^16 four times is 2^64, which wraps to 0 in 64-bit arithmetic: an empty array that claims four huge dimensions.
        var path = Write("huge-idx", Idx(new[] { 65536, 65536, 65536, 65536 }, new byte[0]), gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains("too many elements for one array", e.Message);
    }

    [Fact]
    public void A_damaged_gzip_file_is_called_damaged_and_the_fix_is_to_reinstall()
    {
        IdxTestFiles.WriteFashionLike(Scratch, train: 2, test: 2, seed: 1);
        var path = Path.Combine(Scratch, "train-labels-idx1-ubyte.gz");
        File.WriteAllText(path, "not gzip at all\n"); // what a failed download or a disk error leaves
        var e = Assert.Throws<InvalidDataException>(() => FashionMnistDataset.Load(Scratch));
        Assert.StartsWith($"{path}: not a readable gzip file, so it is damaged (", e.Message);
        Assert.Contains("'sudo apt-get install --reinstall dataset-fashion-mnist'", e.Message);
    }

    [Fact]
    public void A_truncated_data_file_names_the_reinstall_too()
    {
        IdxTestFiles.WriteFashionLike(Scratch, train: 2, test: 2, seed: 1);
        var path = Write("t10k-images-idx3-ubyte", Idx(new[] { 2, 28, 28 }, new byte[28 * 28]), gzip: false); // half its images
        File.Delete(path + ".gz"); // the loader takes the .gz first
        var e = Assert.Throws<InvalidDataException>(() => FashionMnistDataset.Load(Scratch));
        Assert.Contains("it is truncated", e.Message);
        Assert.Contains("--reinstall dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void A_data_path_that_is_a_file_asks_for_the_directory()
    {
        IdxTestFiles.WriteFashionLike(Scratch, train: 2, test: 2, seed: 1);
        var file = Path.Combine(Scratch, "train-images-idx3-ubyte.gz");
        var e = Assert.Throws<DirectoryNotFoundException>(() => FashionMnistDataset.Load(file));
        Assert.Equal($"'{file}' is a file, not a directory: give the directory that holds the four Fashion-MNIST IDX files (the examples' --data DIR).", e.Message);
    }

    [Fact]
    public void Missing_files_name_the_debian_package()
    {
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnistDataset.Load(Scratch));
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("--data", e.Message);
        Assert.DoesNotContain("CIFAR", e.Message);
    }

    [Fact]
    public void A_directory_named_like_a_file_is_told_as_a_directory_not_as_missing()
    {
        // Found by a review: a folder 't10k-labels-idx1-ubyte' (as some archive tools extract) read "was not found", with
        // the package install as the fix.
        IdxTestFiles.WriteFashionLike(Scratch, train: 2, test: 2, seed: 1);
        var labels = Path.Combine(Scratch, "t10k-labels-idx1-ubyte");
        File.Delete(labels + ".gz");
        Directory.CreateDirectory(labels);
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnistDataset.Load(Scratch));
        Assert.StartsWith($"'{labels}' is a directory, not the Fashion-MNIST file of that name: put the file itself there", e.Message);
    }

    [Theory]
    [InlineData("data_batch_1.bin", "CIFAR-10")]
    [InlineData("train.bin", "CIFAR-100")]
    public void A_cifar_folder_given_for_fashion_mnist_is_named_as_such(string file, string set)
    {
        // Found by a review: the Ensemble example given a CIFAR folder without --dataset cifar10 only said files were missing.
        Directory.CreateDirectory(Scratch);
        File.WriteAllBytes(Path.Combine(Scratch, file), new byte[] { 0 });
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnistDataset.Load(Scratch));
        Assert.Contains($"it holds {set}'s binary files, for a program that reads {set} (the Ensemble example with --dataset cifar10, WideResNet)", e.Message);
    }
}
