using System;
using System.IO;
using System.Linq;
using NpasDsl.Data;
using Xunit;

namespace NpasDsl.Runtime.Tests.Data;

/// <summary>The CIFAR binary loader, on small files the tests write themselves.</summary>
public sealed class CifarDatasetTests : ScratchDirectoryTest
{
    public CifarDatasetTests() : base("cifar") => Directory.CreateDirectory(Scratch);

    [Fact]
    public void Cifar10_records_become_normalised_planes_and_labels()
    {
        CifarTestFiles.Write(Scratch, CifarVariant.Cifar10, train: 3, test: 2, seed: 1);
        var data = CifarDataset.Load(Scratch, CifarVariant.Cifar10);
        Assert.Equal(new long[] { 15, 3, 32, 32 }, data.TrainImages.shape); // 3 records in each of 5 training files
        Assert.Equal(new long[] { 2, 3, 32, 32 }, data.TestImages.shape);
        Assert.Equal(10, data.Classes);

        // The first training record: label byte, then the red, green and blue planes row by row.
        var bytes = File.ReadAllBytes(Path.Combine(Scratch, "data_batch_1.bin"));
        Assert.Equal(bytes[0], data.TrainLabels[0].item<long>());
        var (mean, std) = CifarDataset.Statistics(CifarVariant.Cifar10);
        Assert.Equal((bytes[1 + 1024 + 32 * 5 + 7] / 255f - mean[1]) / std[1], data.TrainImages[0, 1, 5, 7].item<float>(), 4);
    }

    [Fact]
    public void Cifar100_uses_the_fine_label()
    {
        CifarTestFiles.Write(Scratch, CifarVariant.Cifar100, train: 4, test: 2, seed: 2);
        var data = CifarDataset.Load(Scratch, CifarVariant.Cifar100);
        var bytes = File.ReadAllBytes(Path.Combine(Scratch, "train.bin"));
        Assert.Equal(bytes[1], data.TrainLabels[0].item<long>());
        Assert.Equal(100, data.Classes);
    }

    [Fact]
    public void Truncated_files_and_missing_files_are_explained()
    {
        CifarTestFiles.Write(Scratch, CifarVariant.Cifar100, train: 2, test: 1, seed: 3);
        var path = Path.Combine(Scratch, "test.bin");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^10]);
        var truncated = Assert.Throws<InvalidDataException>(() => CifarDataset.Load(Scratch, CifarVariant.Cifar100)).Message;
        Assert.Contains("not a whole number", truncated);
        Assert.Contains("extract cifar-100-binary.tar.gz again", truncated); // and the fix
        Assert.Contains("renamed from the other variant (CIFAR-10)", truncated);

        var empty = Directory.CreateDirectory(Path.Combine(Scratch, "empty")).FullName;
        var e = Assert.Throws<FileNotFoundException>(() => CifarDataset.Load(empty, CifarVariant.Cifar10));
        Assert.Contains("Download the binary version (cifar-10-binary.tar.gz)", e.Message);
        Assert.Contains("--data DIR", e.Message);

        // A file where the folder belongs is named as such, not as a folder that lacks its files.
        var file = Assert.Throws<DirectoryNotFoundException>(() => CifarDataset.Load(path, CifarVariant.Cifar100));
        Assert.Contains("is a file, not a directory", file.Message);
    }

    [Fact]
    public void An_incomplete_set_names_its_folder_and_a_folder_of_the_other_variant_says_so()
    {
        // Found by a review: the missing file was said to be missing from the folder given, not the one searched, with a
        // download as the fix; and a CIFAR-100 folder given for CIFAR-10 was told to download CIFAR-10.
        var inner = Path.Combine(Scratch, "cifar-10-batches-bin");
        CifarTestFiles.Write(inner, CifarVariant.Cifar10, train: 1, test: 1, seed: 5);
        File.Delete(Path.Combine(inner, "data_batch_4.bin"));
        var incomplete = Assert.Throws<FileNotFoundException>(() => CifarDataset.Load(Scratch, CifarVariant.Cifar10)).Message;
        Assert.Contains($"The CIFAR-10 set in '{inner}' is incomplete: 'data_batch_4.bin' is missing. Extract cifar-10-binary.tar.gz there again", incomplete);

        var hundred = Path.Combine(Scratch, "hundred");
        CifarTestFiles.Write(hundred, CifarVariant.Cifar100, train: 1, test: 1, seed: 6);
        var other = Assert.Throws<FileNotFoundException>(() => CifarDataset.Load(hundred, CifarVariant.Cifar10)).Message;
        Assert.Contains($"'{hundred}' holds CIFAR-100's files (train.bin, test.bin), not CIFAR-10's: load it as CIFAR-100", other);
        Assert.DoesNotContain("Download", other);

        // A program says how it loads the other variant, or that it cannot (found by a review: ConvMixer and Ensemble, which
        // read CIFAR-10 only, told a CIFAR-100 folder to use "the example's option for a CIFAR-100 model").
        var told = Assert.Throws<FileNotFoundException>(() => CifarDataset.Load(hundred, CifarVariant.Cifar10, "this program trains on CIFAR-10 only")).Message;
        Assert.Contains("not CIFAR-10's: this program trains on CIFAR-10 only, or give a folder of CIFAR-10 (the examples' --data DIR).", told);
        Assert.DoesNotContain("load it as", told);
    }

    [Fact]
    public void A_folder_of_fashion_mnist_or_a_directory_named_like_a_file_is_told_as_such()
    {
        // Found by a review: 'Ensemble --dataset cifar10 --data <Fashion-MNIST folder>' only said to download CIFAR-10,
        // and a folder named like a file read "not found".
        var fashion = Path.Combine(Scratch, "fashion");
        IdxTestFiles.WriteFashionLike(fashion, train: 2, test: 2, seed: 1);
        var told = Assert.Throws<FileNotFoundException>(() => CifarDataset.Load(fashion, CifarVariant.Cifar10)).Message;
        Assert.Contains($"'{fashion}' holds Fashion-MNIST's IDX files, not CIFAR-10's binary files: load it with a program or option that reads Fashion-MNIST", told);
        Assert.DoesNotContain("Download", told);

        var cifar = Path.Combine(Scratch, "cifar");
        CifarTestFiles.Write(cifar, CifarVariant.Cifar10, train: 1, test: 1, seed: 5);
        var batch = Path.Combine(cifar, "data_batch_2.bin");
        File.Delete(batch);
        Directory.CreateDirectory(batch);
        var directory = Assert.Throws<FileNotFoundException>(() => CifarDataset.Load(cifar, CifarVariant.Cifar10)).Message;
        Assert.StartsWith($"'{batch}' is a directory, not the CIFAR-10 file of that name", directory);
    }

    [Fact]
    public void A_link_to_nothing_is_named_with_the_fix()
    {
        CifarTestFiles.Write(Scratch, CifarVariant.Cifar10, train: 1, test: 1, seed: 8);
        var path = Path.Combine(Scratch, "data_batch_3.bin");
        File.Delete(path);
        File.CreateSymbolicLink(path, Path.Combine(Scratch, "gone.bin"));
        // File.Exists follows the link, so the loader reports the file missing rather than crashing on the read.
        var message = Assert.ThrowsAny<IOException>(() => CifarDataset.Load(Scratch, CifarVariant.Cifar10)).Message;
        Assert.Contains("data_batch_3.bin", message);
        Assert.Contains("--data DIR", message);
    }

    [Theory]
    // The second record's label (CIFAR-10), and its coarse label (CIFAR-100), which is not trained on but says the record is damaged.
    [InlineData(CifarVariant.Cifar10, "test_batch.bin", 3073, 12, "record 1 has label 12, but CIFAR-10 has 10 classes")]
    [InlineData(CifarVariant.Cifar100, "train.bin", 3074, 99, "record 1 has coarse label 99, but CIFAR-100 has 20 superclasses")]
    public void A_label_outside_the_classes_names_the_record_and_the_fix(CifarVariant variant, string file, int offset, byte label, string problem)
    {
        CifarTestFiles.Write(Scratch, variant, train: 2, test: 2, seed: 4);
        var path = Path.Combine(Scratch, file);
        var bytes = File.ReadAllBytes(path);
        bytes[offset] = label;
        File.WriteAllBytes(path, bytes);
        var message = Assert.Throws<InvalidDataException>(() => CifarDataset.Load(Scratch, variant)).Message;
        Assert.Contains(problem, message);
        Assert.Contains(variant == CifarVariant.Cifar10 ? "extract cifar-10-binary.tar.gz again" : "extract cifar-100-binary.tar.gz again", message);
        if (variant == CifarVariant.Cifar10) Assert.Contains("renamed from the other variant (CIFAR-100)", message);
        Assert.DoesNotContain("load it as", message);
    }
}

/// <summary>Writes CIFAR binary files with seeded random pixels and labels.</summary>
internal static class CifarTestFiles
{
    public static void Write(string directory, CifarVariant variant, int train, int test, int seed)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(seed);
        var (trainFiles, testFile) = CifarDataset.FileNames(variant);
        int classes = variant == CifarVariant.Cifar10 ? 10 : 100;
        void File1(string name, int records)
        {
            int labelBytes = variant == CifarVariant.Cifar10 ? 1 : 2;
            var bytes = new byte[records * (labelBytes + 3072)];
            random.NextBytes(bytes);
            for (int r = 0; r < records; r++)
            {
                int at = r * (labelBytes + 3072);
                bytes[at] = (byte)random.Next(variant == CifarVariant.Cifar10 ? 10 : 20);
                if (labelBytes == 2) bytes[at + 1] = (byte)random.Next(classes);
            }
            File.WriteAllBytes(Path.Combine(directory, name), bytes);
        }
        foreach (var name in trainFiles) File1(name, train);
        File1(testFile, test);
    }
}
