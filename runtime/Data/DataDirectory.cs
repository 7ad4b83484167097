using System;
using System.IO;

namespace NpasDsl.Data;

/// <summary>Checks shared by the data set loaders, so that each problem gets its own message rather than "file not found".</summary>
internal static class DataDirectory
{
    /// <summary>
    /// Refuses a directory that exists but cannot be listed: every file in it would look missing, and the fix offered
    /// would be to download or reinstall the data instead of fixing the permissions.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">The directory cannot be read; the message names it and the fix.</exception>
    public static void ThrowIfUnreadable(string directory, string dataSet)
    {
        if (!Directory.Exists(directory)) return;
        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(directory).GetEnumerator();
            entries.MoveNext();
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException($"The {dataSet} directory '{directory}' cannot be read (permission denied): fix its permissions, or load a readable copy (the examples' --data DIR).", e);
        }
    }

    /// <summary>
    /// Refuses a directory where a data file is looked for: "not found" would send the user to download a file that is,
    /// in a sense, there (a folder named like it, as an archive tool that extracts into a folder of the file's name leaves).
    /// </summary>
    /// <exception cref="FileNotFoundException">A directory stands where the file should be.</exception>
    public static void ThrowIfDirectory(string path, string dataSet)
    {
        if (Directory.Exists(path))
            throw new FileNotFoundException($"'{path}' is a directory, not the {dataSet} file of that name: put the file itself there " +
                "(an archive tool may have extracted it into a folder of its name), or load another copy (the examples' --data DIR).", path);
    }

    /// <summary>
    /// The bytes of <paramref name="path"/>, a file the loader found: one that cannot be read (permissions) or that went
    /// away (a dangling link) is told as such, with the fix, instead of the runtime's bare message.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    /// <exception cref="FileNotFoundException">The file is a link to nothing, or was removed meanwhile.</exception>
    public static byte[] ReadAllBytes(string path, string dataSet)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException($"The {dataSet} file '{path}' cannot be read (permission denied): fix its permissions, or load a readable copy (the examples' --data DIR).", e);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"The {dataSet} file '{path}' is listed but cannot be opened (a link to a file that is not there, or a file removed meanwhile): " +
                "put the file itself there, or load another copy (the examples' --data DIR).", path, e);
        }
    }
}
