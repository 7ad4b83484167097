using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace NpasDsl.Data;

/// <summary>Which CIFAR data set.</summary>
public enum CifarVariant
{
    /// <summary>CIFAR-10: 10 classes; files data_batch_1.bin ... data_batch_5.bin and test_batch.bin.</summary>
    Cifar10,
    /// <summary>CIFAR-100: 100 fine classes; files train.bin and test.bin.</summary>
    Cifar100,
}

/// <summary>
/// CIFAR-10 or CIFAR-100 from the binary distribution ("CIFAR-10 binary version"): each record is the label
/// byte (CIFAR-100: a coarse and a fine label byte) followed by 3,072 pixel bytes, 1,024 per colour plane,
/// rows of 32. Images come out as normalised float32 [N, 3, 32, 32], labels as int64 (fine labels for CIFAR-100).
/// </summary>
public sealed class CifarDataset
{
    private const int PixelBytes = 3 * 32 * 32;
    private const int CoarseClasses = 20;

    private CifarDataset(Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels, int classes)
    {
        TrainImages = trainImages;
        TrainLabels = trainLabels;
        TestImages = testImages;
        TestLabels = testLabels;
        Classes = classes;
    }

    /// <summary>Normalised training images.</summary>
    public Tensor TrainImages { get; }
    /// <summary>Training labels.</summary>
    public Tensor TrainLabels { get; }
    /// <summary>Normalised test images.</summary>
    public Tensor TestImages { get; }
    /// <summary>Test labels.</summary>
    public Tensor TestLabels { get; }
    /// <summary>Number of classes (10 or 100).</summary>
    public int Classes { get; }

    /// <summary>The binary files of a variant: training files, then the test file.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="variant"/> is not a <see cref="CifarVariant"/>.</exception>
    public static (string[] Train, string Test) FileNames(CifarVariant variant) => Checked(variant) == CifarVariant.Cifar10
        ? (Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray(), "test_batch.bin")
        : (new[] { "train.bin" }, "test.bin");

    /// <summary><paramref name="variant"/>, refused when it is not one: any other value was read as CIFAR-100.</summary>
    private static CifarVariant Checked(CifarVariant variant, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(variant))] string? name = null)
        => Enum.IsDefined(variant) ? variant
            : throw new ArgumentOutOfRangeException(name, variant, $"Not a CIFAR variant: use one of {string.Join(", ", Enum.GetNames<CifarVariant>())}.");

    /// <summary>The <c>otherVariant</c> advice of a program that reads CIFAR-10 only (ConvMixer, Ensemble): no option of it reads CIFAR-100.</summary>
    public const string Cifar10OnlyAdvice = "this program trains on CIFAR-10 only (the WideResNet example with --model wrn-28-10 trains on CIFAR-100)";

    /// <summary>
    /// Loads <paramref name="variant"/> from <paramref name="directory"/> (or its <c>cifar-10-batches-bin</c> / <c>cifar-100-binary</c> subfolder).
    /// <paramref name="otherVariant"/> is what a folder of the other variant is told to do, in the program's own terms
    /// ("load it with --model wrn-28-10, which trains on CIFAR-100", or that the program reads only this variant); null gives a
    /// general "load it as CIFAR-100".
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message says where to get the data (or, for a folder of the
    /// other variant or an incomplete set, what is there instead).</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or a file cannot be read; the message names it and the fix.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="variant"/> is not a <see cref="CifarVariant"/>.</exception>
    public static CifarDataset Load(string directory, CifarVariant variant, string? otherVariant = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var (trainNames, testName) = FileNames(variant);
        if (File.Exists(directory))
            throw new DirectoryNotFoundException($"'{directory}' is a file, not a directory: give the folder that holds the extracted {Name(variant)} binary files " +
                $"(from {Archive(variant)}; the examples' --data DIR).");
        DataDirectory.ThrowIfUnreadable(directory, Name(variant));
        string? found = Folders(directory, variant).FirstOrDefault(d => File.Exists(Path.Combine(d, testName)));
        string folder = found ?? directory;
        if (found is not null) DataDirectory.ThrowIfUnreadable(found, Name(variant));
        string Find(string name)
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path)) return path;
            DataDirectory.ThrowIfDirectory(path, Name(variant));
            var other = variant == CifarVariant.Cifar10 ? CifarVariant.Cifar100 : CifarVariant.Cifar10;
            // The test file decides where the set is: with it there, the set is incomplete rather than absent.
            string problem = found is not null
                ? $"The {Name(variant)} set in '{folder}' is incomplete: '{name}' is missing. Extract {Archive(variant)} there again"
                : Folders(directory, other).FirstOrDefault(d => File.Exists(Path.Combine(d, FileNames(other).Test))) is { } otherFolder
                    ? $"'{otherFolder}' holds {Name(other)}'s files ({string.Join(", ", FileNames(other).Train.Append(FileNames(other).Test))}), not {Name(variant)}'s: " +
                      $"{otherVariant ?? $"load it as {Name(other)} (the program's option for a {Name(other)} model)"}, or give a folder of {Name(variant)}"
                : FashionMnistDataset.HoldsFashionMnist(directory)
                    ? $"'{directory}' holds Fashion-MNIST's IDX files, not {Name(variant)}'s binary files: load it with a program or option that reads " +
                      $"Fashion-MNIST (the FashionMnist and VisionTransformer examples, Ensemble without --dataset cifar10), or give a folder of {Name(variant)}"
                    : $"{Name(variant)} file '{name}' was not found in '{directory}'. Download the binary version ({Archive(variant)}) from the CIFAR page of the University of Toronto, extract it, and load its folder";
            throw new FileNotFoundException(problem + " (the examples' --data DIR).", path);
        }

        var (trainImages, trainLabels) = Read(trainNames.Select(Find).ToList(), variant);
        var (testImages, testLabels) = Read(new List<string> { Find(testName) }, variant);
        return new CifarDataset(trainImages, trainLabels, testImages, testLabels, variant == CifarVariant.Cifar10 ? 10 : 100);
    }

    /// <summary>Where a variant's files may be: the folder given, or the folder its archive extracts to inside it.</summary>
    private static string[] Folders(string directory, CifarVariant variant)
        => new[] { directory, Path.Combine(directory, variant == CifarVariant.Cifar10 ? "cifar-10-batches-bin" : "cifar-100-binary") };

    private static string Name(CifarVariant variant) => variant == CifarVariant.Cifar10 ? "CIFAR-10" : "CIFAR-100";

    private static string Archive(CifarVariant variant) => variant == CifarVariant.Cifar10 ? "cifar-10-binary.tar.gz" : "cifar-100-binary.tar.gz";

    /// <summary>
    /// What to do about a file that is not what its name says. The variants' files have other names, so a folder of the other
    /// variant is reported missing, not malformed: what reaches here is a cut-short copy, or a file renamed.
    /// </summary>
    private static string Fix(CifarVariant variant) => $"extract {Archive(variant)} again (a download or copy may have been cut short); a file renamed from the " +
        $"other variant ({Name(variant == CifarVariant.Cifar10 ? CifarVariant.Cifar100 : CifarVariant.Cifar10)}) must keep its own name and be loaded as that variant";

    /// <summary>Per-channel mean and standard deviation of the training images, for normalisation.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="variant"/> is not a <see cref="CifarVariant"/>.</exception>
    public static (float[] Mean, float[] Std) Statistics(CifarVariant variant) => Checked(variant) == CifarVariant.Cifar10
        ? (new[] { 0.4914f, 0.4822f, 0.4465f }, new[] { 0.2470f, 0.2435f, 0.2616f })
        : (new[] { 0.5071f, 0.4865f, 0.4409f }, new[] { 0.2673f, 0.2564f, 0.2762f });

    /// <summary>A black pixel after normalisation, per channel (−mean / std): what the augmentation pads with.</summary>
    public static float[] BlackPixel(CifarVariant variant)
    {
        var (mean, std) = Statistics(variant);
        return mean.Zip(std, (m, s) => -m / s).ToArray();
    }

    private static (Tensor Images, Tensor Labels) Read(List<string> paths, CifarVariant variant)
    {
        int labelBytes = variant == CifarVariant.Cifar10 ? 1 : 2;
        int recordBytes = labelBytes + PixelBytes;
        var pixels = new List<byte>();
        var labels = new List<long>();
        foreach (var path in paths)
        {
            var bytes = DataDirectory.ReadAllBytes(path, Name(variant));
            if (bytes.Length == 0 || bytes.Length % recordBytes != 0)
                throw new InvalidDataException($"{path}: {bytes.Length:N0} bytes is not a whole number of {recordBytes:N0}-byte {Name(variant)} records, so the file is truncated or of the other variant: {Fix(variant)}.");
            for (int offset = 0; offset < bytes.Length; offset += recordBytes)
            {
                int label = bytes[offset + labelBytes - 1]; // CIFAR-100: the fine label is the second byte
                int classes = variant == CifarVariant.Cifar10 ? 10 : 100;
                if (label >= classes) throw new InvalidDataException($"{path}: record {offset / recordBytes} has label {label}, but {Name(variant)} has {classes} classes, so the file is damaged or of the other variant: {Fix(variant)}.");
                // The coarse label is not trained on, but one out of its range says the record is not where it should be.
                if (labelBytes == 2 && bytes[offset] >= CoarseClasses)
                    throw new InvalidDataException($"{path}: record {offset / recordBytes} has coarse label {bytes[offset]}, but CIFAR-100 has {CoarseClasses} superclasses, so the file is damaged: {Fix(variant)}.");
                labels.Add(label);
                pixels.AddRange(new ArraySegment<byte>(bytes, offset + labelBytes, PixelBytes));
            }
        }
        var (mean, std) = Statistics(variant);
        using var scope = NewDisposeScope(); // the byte tensor and the intermediates go now, not at finalization
        var images = tensor(pixels.ToArray(), new long[] { labels.Count, 3, 32, 32 }).to_type(ScalarType.Float32);
        images.div_(255.0).sub_(tensor(mean).view(1, 3, 1, 1)).div_(tensor(std).view(1, 3, 1, 1));
        return (images.MoveToOuterDisposeScope(), tensor(labels.ToArray()).MoveToOuterDisposeScope());
    }
}
