using System.IO;
using System.IO.Compression;

namespace NpasDsl.Runtime.Tests.Data;

/// <summary>Writes small IDX files (optionally gzip-compressed) for the loader and example tests.</summary>
internal static class IdxTestFiles
{
    public static byte[] Idx(int[] dimensions, byte[] data)
    {
        using var stream = new MemoryStream();
        stream.Write(new byte[] { 0, 0, 0x08, (byte)dimensions.Length });
        foreach (var d in dimensions) stream.Write(new[] { (byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d });
        stream.Write(data);
        return stream.ToArray();
    }

    public static string Write(string directory, string name, byte[] bytes, bool gzip)
    {
        var path = Path.Combine(directory, gzip ? name + ".gz" : name);
        if (!gzip) { File.WriteAllBytes(path, bytes); return path; }
        using var file = File.Create(path);
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(bytes);
        return path;
    }

    /// <summary>
    /// A small Fashion-MNIST-shaped data set with a learnable rule: each image is noise plus a bright 7x7
    /// square in one of ten places, and its label is the place.
    /// </summary>
    public static void WriteFashionLike(string directory, int train, int test, int seed)
    {
        Directory.CreateDirectory(directory);
        var random = new System.Random(seed);
        void Set(string images, string labels, int count)
        {
            var pixels = new byte[count * 28 * 28];
            var classes = new byte[count];
            for (int n = 0; n < count; n++)
            {
                int label = random.Next(10);
                classes[n] = (byte)label;
                int top = label / 5 * 14 + 3, left = label % 5 * 5 + 1;
                for (int i = 0; i < 28 * 28; i++) pixels[n * 784 + i] = (byte)random.Next(60);
                for (int y = top; y < top + 7; y++)
                    for (int x = left; x < left + 5; x++) pixels[n * 784 + y * 28 + x] = 230;
            }
            Write(directory, images, Idx(new[] { count, 28, 28 }, pixels), gzip: true);
            Write(directory, labels, Idx(new[] { count }, classes), gzip: true);
        }
        Set("train-images-idx3-ubyte", "train-labels-idx1-ubyte", train);
        Set("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", test);
    }
}
