using System;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace NpasDsl.Data;

/// <summary>
/// Fashion-MNIST (60,000 training and 10,000 test images, 28x28 grey, 10 classes) from its four IDX files.
/// On Debian, <c>apt-get install dataset-fashion-mnist</c> puts them in <see cref="DebianDirectory"/>.
/// </summary>
public sealed class FashionMnistDataset
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Mean and standard deviation of the training pixels (scaled to [0, 1]), for normalisation.</summary>
    public const double PixelMean = 0.2860, PixelStd = 0.3530;

    /// <summary>
    /// A black pixel after normalisation (−mean / std), one value for the one channel: what
    /// <see cref="Training.Augmentation.RandomCropAndFlip"/> should pad with, since every image's background is black.
    /// </summary>
    public static float[] BlackPixel() => new[] { (float)(-PixelMean / PixelStd) };

    private static readonly string[] Names = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" };

    private FashionMnistDataset(Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels)
    {
        TrainImages = trainImages;
        TrainLabels = trainLabels;
        TestImages = testImages;
        TestLabels = testLabels;
    }

    /// <summary>Normalised training images, [N, 1, 28, 28] float32.</summary>
    public Tensor TrainImages { get; }
    /// <summary>Training labels, [N] int64.</summary>
    public Tensor TrainLabels { get; }
    /// <summary>Normalised test images, [N, 1, 28, 28] float32.</summary>
    public Tensor TestImages { get; }
    /// <summary>Test labels, [N] int64.</summary>
    public Tensor TestLabels { get; }

    /// <summary>The number of classes; a label file with another value is not Fashion-MNIST.</summary>
    public const int Classes = 10;

    /// <summary>Loads the four files from <paramref name="directory"/> (plain or <c>.gz</c>).</summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message says how to install the data set.</exception>
    /// <exception cref="InvalidDataException">A file is not what Fashion-MNIST has there: another rank or image size, labels
    /// outside 0 .. 9, or an image file and its label file that count different examples.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory or a file cannot be read; the message names it and the fix.</exception>
    public static FashionMnistDataset Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory); // named: Path.Combine's own refusal named its parameter 'path1'
        if (File.Exists(directory))
            throw new DirectoryNotFoundException($"'{directory}' is a file, not a directory: give the directory that holds the four Fashion-MNIST IDX files (the examples' --data DIR).");
        DataDirectory.ThrowIfUnreadable(directory, "Fashion-MNIST"); // without it every file would look missing, and the fix would be to reinstall
        var paths = Names.Select(name => Find(directory, name)).ToArray();
        try
        {
            var (trainImages, trainLabels) = Pair(paths[0], paths[1]);
            var (testImages, testLabels) = Pair(paths[2], paths[3]);
            return new FashionMnistDataset(trainImages, trainLabels, testImages, testLabels);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{e.Message.TrimEnd('.')}. The file is damaged or not Fashion-MNIST's: on Debian or Ubuntu reinstall it with " +
                $"'sudo apt-get install --reinstall dataset-fashion-mnist', or load good copies of the four files from another directory (the examples' --data DIR).", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException($"A Fashion-MNIST file in '{directory}' cannot be read ({e.Message}): fix its permissions, or load readable copies (the examples' --data DIR).", e);
        }
    }

    /// <summary>An image file and its label file, checked against each other (a mismatch would fail deep inside training).</summary>
    private static (Tensor Images, Tensor Labels) Pair(string imagePath, string labelPath)
    {
        var images = Images(imagePath);
        var labels = Labels(labelPath);
        if (images.shape[0] != labels.shape[0])
            throw new InvalidDataException($"{imagePath} holds {images.shape[0]:N0} images but {labelPath} holds {labels.shape[0]:N0} labels; the two files must come from the same set.");
        return (images, labels);
    }

    /// <summary>Whether <paramref name="directory"/> holds Fashion-MNIST's test images (plain or <c>.gz</c>): how another loader tells such a folder.</summary>
    internal static bool HoldsFashionMnist(string directory)
        => File.Exists(Path.Combine(directory, Names[2])) || File.Exists(Path.Combine(directory, Names[2] + ".gz"));

    private static string Find(string directory, string name)
    {
        var candidates = new[] { name + ".gz", name }.Select(candidate => Path.Combine(directory, candidate)).ToArray();
        if (candidates.FirstOrDefault(File.Exists) is { } found) return found;
        foreach (var path in candidates) DataDirectory.ThrowIfDirectory(path, "Fashion-MNIST");
        string missing = $"Fashion-MNIST file '{name}(.gz)' was not found in '{directory}'";
        string install = $"On Debian or Ubuntu install the data set with 'sudo apt-get install dataset-fashion-mnist' (it goes to {DebianDirectory}), " +
            "or load a directory with the four IDX files (the examples' --data DIR).";
        // A CIFAR folder given where Fashion-MNIST is read (the Ensemble example without --dataset cifar10) is told as such.
        string? cifar = File.Exists(Path.Combine(directory, "data_batch_1.bin")) ? "CIFAR-10" : File.Exists(Path.Combine(directory, "train.bin")) ? "CIFAR-100" : null;
        throw new FileNotFoundException(cifar is null ? $"{missing}. {install}"
                : $"{missing}: it holds {cifar}'s binary files, for a program that reads {cifar} (the Ensemble example with --dataset cifar10, WideResNet). {install}",
            Path.Combine(directory, name + ".gz"));
    }

    private static Tensor Images(string path)
    {
        var idx = IdxFile.Read(path);
        if (idx.Dimensions.Length != 3) throw new InvalidDataException($"{path}: expected images of rank 3 [N, rows, cols], found rank {idx.Dimensions.Length}.");
        if (idx.Dimensions[1] != 28 || idx.Dimensions[2] != 28)
            throw new InvalidDataException($"{path}: expected 28x28 Fashion-MNIST images, found {idx.Dimensions[1]}x{idx.Dimensions[2]}.");
        // In place inside a scope: out of place, the training set alone left three 188 MB temporaries to the finalizer.
        using var scope = NewDisposeScope();
        var pixels = tensor(idx.Data, new long[] { idx.Dimensions[0], 1, idx.Dimensions[1], idx.Dimensions[2] });
        return pixels.to_type(ScalarType.Float32).div_(255.0).sub_(PixelMean).div_(PixelStd).MoveToOuterDisposeScope();
    }

    private static Tensor Labels(string path)
    {
        var idx = IdxFile.Read(path);
        if (idx.Dimensions.Length != 1) throw new InvalidDataException($"{path}: expected labels of rank 1 [N], found rank {idx.Dimensions.Length}.");
        int largest = idx.Data.Length == 0 ? 0 : idx.Data.Max();
        if (largest >= Classes)
            throw new InvalidDataException($"{path}: found label {largest}, but Fashion-MNIST has {Classes} classes (labels 0 to {Classes - 1}).");
        using var scope = NewDisposeScope(); // the byte tensor is a temporary
        return tensor(idx.Data, new long[] { idx.Dimensions[0] }).to_type(ScalarType.Int64).MoveToOuterDisposeScope();
    }
}
