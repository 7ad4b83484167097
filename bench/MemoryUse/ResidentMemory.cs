using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;

namespace NpasDsl.Bench;

/// <summary>
/// The process's resident memory as Linux reports it in /proc/self/status: <c>VmRSS</c> now and <c>VmHWM</c>, the
/// highest it has been. Resident memory counts every byte the process touches (TorchSharp's native tensors included),
/// which the .NET garbage collector's own counters do not see.
/// </summary>
public static class ResidentMemory
{
    /// <summary>Bytes resident now.</summary>
    public static long Now() => Read("VmRSS:");

    /// <summary>
    /// Bytes resident now that something still uses: first the garbage collector frees what no .NET object holds (the
    /// native tensors of disposed or unreachable ones), then glibc returns its free heap pages to the system, which it
    /// otherwise keeps for reuse, so that a step's released activations are not counted as held.
    /// </summary>
    public static long InUse()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        malloc_trim(0);
        return Now();
    }

    /// <summary>The most bytes resident at any moment so far.</summary>
    public static long Peak() => Read("VmHWM:");

    /// <summary>
    /// Lowers the peak to what is resident now (Linux's clear_refs, value 5), so that <see cref="Peak"/> then reports the
    /// highest point since this call.
    /// </summary>
    public static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PlatformNotSupportedException($"cannot reset the peak resident memory through /proc/self/clear_refs ({e.Message}); this benchmark needs Linux 4.0 or later with /proc writable.", e);
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);

    private static long Read(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
            throw new PlatformNotSupportedException($"{status} is missing: this benchmark reads Linux's memory counters and runs on Linux only.");
        foreach (var line in File.ReadLines(status))
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kilobytes = line.Substring(field.Length).Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        throw new InvalidDataException($"{status} has no {field} line.");
    }
}
