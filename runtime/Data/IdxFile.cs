using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace NpasDsl.Data;

/// <summary>
/// An array in the IDX format of MNIST and Fashion-MNIST: two zero bytes, a type code, the number of
/// dimensions, each dimension as a big-endian int32, then the data. Only unsigned bytes (type 0x08) are
/// read, which is what both data sets use. Gzip-compressed files are read directly.
/// </summary>
public sealed class IdxFile
{
    private const byte UnsignedByte = 0x08;

    private IdxFile(int[] dimensions, byte[] data)
    {
        Dimensions = dimensions;
        Data = data;
    }

    /// <summary>The size of each dimension, outermost first.</summary>
    public int[] Dimensions { get; }

    /// <summary>The elements in row-major order.</summary>
    public byte[] Data { get; }

    /// <summary>
    /// Reads <paramref name="path"/>; gzip data is decompressed on the fly. Whether it is gzip is told by its first two
    /// bytes (0x1F 0x8B), not by its name: a plain file named <c>.gz</c> or a compressed one without it reads all the same.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed unsigned-byte IDX array.</exception>
    public static IdxFile Read(string path)
    {
        using var file = File.OpenRead(path);
        int first = file.ReadByte(), second = file.ReadByte();
        bool gzip = first == 0x1F && second == 0x8B;
        file.Position = 0;
        // A .gz that is neither gzip nor plain IDX is what a failed download leaves: damaged, not "not an IDX file".
        if (!gzip && !(first == 0 && second == 0) && path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(string.Format(System.Globalization.CultureInfo.InvariantCulture,
                "{0}: not a readable gzip file, so it is damaged (it starts {1}, neither gzip's 0x1F 0x8B nor an IDX file's two zero bytes)",
                path, first < 0 ? "empty" : second < 0 ? $"0x{first:X2} and ends" : $"0x{first:X2} 0x{second:X2}"));
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        try
        {
            return Read(stream, path);
        }
        // Every message of the parser starts with the path; one without it comes from the decompressor.
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException(gzip ? $"{path}: not a readable gzip file, so it is damaged ({e.Message})" : $"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads an IDX array from <paramref name="stream"/>; <paramref name="name"/> appears in error messages.</summary>
    public static IdxFile Read(Stream stream, string name)
    {
        Span<byte> header = stackalloc byte[4];
        ReadExactly(stream, header, name, "the header");
        if (header[0] != 0 || header[1] != 0)
            throw new InvalidDataException($"{name}: not an IDX file (it must start with two zero bytes, found 0x{header[0]:X2} 0x{header[1]:X2}).");
        if (header[2] != UnsignedByte)
            throw new InvalidDataException($"{name}: element type 0x{header[2]:X2} is not supported; only unsigned bytes (0x08) are.");
        int rank = header[3];
        if (rank == 0) throw new InvalidDataException($"{name}: an IDX array needs at least one dimension.");

        var dimensions = new int[rank];
        long count = 1;
        Span<byte> word = stackalloc byte[4];
        for (int i = 0; i < rank; i++)
        {
            ReadExactly(stream, word, name, $"dimension {i}");
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dimensions[i] < 0) throw new InvalidDataException($"{name}: dimension {i} is negative ({dimensions[i]}).");
            // Checked before multiplying: a garbage header could otherwise overflow the count into a small positive number.
            if (dimensions[i] > 0 && count > Array.MaxLength / dimensions[i])
                throw new InvalidDataException($"{name}: dimensions {string.Join(" x ", dimensions[..(i + 1)])} are too many elements for one array; the header is not a real data set's.");
            count *= dimensions[i];
        }

        // A file on disk says at once whether it holds what its header promises, before a garbage header allocates gigabytes.
        if (stream.CanSeek && stream.Length - stream.Position is var left && left != count)
            throw new InvalidDataException(left < count
                ? $"{name}: the header promises {count} data bytes ({string.Join(" x ", dimensions)}) but the file holds {left}; it is truncated."
                : $"{name}: the header promises {count} data bytes ({string.Join(" x ", dimensions)}) but the file holds {left}; the header does not describe this file.");
        var data = new byte[count];
        ReadExactly(stream, data, name, $"the {count} data bytes");
        if (stream.ReadByte() != -1) // a compressed stream cannot tell its length up front
            throw new InvalidDataException($"{name}: more bytes follow the {count} data bytes the header promises ({string.Join(" x ", dimensions)}); the header does not describe this file.");
        return new IdxFile(dimensions, data);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string name, string what)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = stream.Read(buffer[read..]);
            if (n == 0) throw new InvalidDataException($"{name}: the file ends before {what} ({read} of {buffer.Length} bytes); it is truncated.");
            read += n;
        }
    }
}
