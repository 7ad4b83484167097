using System;
using System.IO;

namespace NpasDsl.Allocation;

/// <summary>Writes files so that a crash never leaves a half-written one: a temporary file beside the target, then a rename.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> as UTF-8 (no byte-order mark), atomically.</summary>
    public static void WriteText(string path, string text) => Write(path, stream =>
    {
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    });

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var stream = File.Create(temporary)) write(stream); // writers may close the stream themselves
            using (var written = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
                written.Flush(flushToDisk: true); // on disk before the rename: a power loss must not leave the name on empty data
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
