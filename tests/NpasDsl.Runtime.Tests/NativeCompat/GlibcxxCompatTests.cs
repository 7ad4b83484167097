using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using NpasDsl.Build;
using TorchSharp;
using Xunit;

namespace NpasDsl.Runtime.Tests.NativeCompat;

/// <summary>The pure decision, with made-up facts: every branch, and which fact wins when several apply.</summary>
public sealed class CompatPolicyTests
{
    private const string Version = GlibcxxCompat.DefaultVersionName;
    private static readonly string[] IosBaseInit = { "_ZSt21ios_base_library_initv" };

    // Each row changes the "Debian 12 + TorchSharp 0.107" situation (which is Patch) in some way.
    [Theory]
    [InlineData(true, true, false, true, false, 0, "Patch")]
    [InlineData(false, true, false, true, false, 0, "NotNeeded")]
    [InlineData(true, false, false, true, false, 0, "NotNeeded")]
    [InlineData(true, true, false, false, false, 0, "NotNeeded")]
    [InlineData(true, true, true, true, false, 0, "NotNeeded")]
    [InlineData(true, true, true, true, false, 5, "NotNeeded")]
    [InlineData(true, true, false, true, true, 0, "AlreadyPatched")]
    [InlineData(true, true, false, true, false, 1, "Refuse")]
    [InlineData(true, true, false, true, false, 7, "Refuse")]
    public void DecidesFromTheFacts(bool isLinux, bool matchesHost, bool hostDefines, bool present, bool weak, int relocations, string expected)
    {
        CompatVerdict verdict = CompatPolicy.Decide(Facts(isLinux, matchesHost, hostDefines, present, weak, IosBaseInit, relocations));

        Assert.Equal(expected, verdict.Decision.ToString());
        Assert.False(string.IsNullOrWhiteSpace(verdict.Reason));
    }

    [Fact]
    public void PatchReasonSaysWhyItIsSafe()
    {
        CompatVerdict verdict = CompatPolicy.Decide(Facts(relocations: 0));

        Assert.Equal(CompatDecision.Patch, verdict.Decision);
        Assert.Contains("does not define " + Version, verdict.Reason);
        Assert.Contains("No relocation", verdict.Reason);
        Assert.Contains(IosBaseInit[0], verdict.Reason);
    }

    [Fact]
    public void PatchesARequirementThatNoSymbolIsBoundTo()
    {
        CompatVerdict verdict = CompatPolicy.Decide(Facts(boundSymbols: Array.Empty<string>()));

        Assert.Equal(CompatDecision.Patch, verdict.Decision);
        Assert.Contains("no symbol is bound", verdict.Reason);
    }

    [Fact]
    public void RefusalSaysWhyAndWhatToDo()
    {
        CompatVerdict verdict = CompatPolicy.Decide(Facts(relocations: 2));

        Assert.Equal(CompatDecision.Refuse, verdict.Decision);
        Assert.Contains("2 relocation(s)", verdict.Reason);
        Assert.Contains("Install a libstdc++ that provides " + Version, verdict.Reason);
        Assert.Contains("TorchSharp build made for this distribution", verdict.Reason);
    }

    [Fact]
    public void SaysWhenNoHostLibraryWasFound()
    {
        CompatVerdict verdict = CompatPolicy.Decide(Facts(hostLibraryPath: null));

        Assert.Equal(CompatDecision.Patch, verdict.Decision);
        Assert.Contains("no libstdc++.so.6 was found", verdict.Reason);
    }

    private static CompatFacts Facts(
        bool isLinux = true,
        bool matchesHost = true,
        bool hostDefines = false,
        bool present = true,
        bool weak = false,
        IReadOnlyList<string>? boundSymbols = null,
        int relocations = 0,
        string? hostLibraryPath = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6") =>
        new(Version, isLinux, matchesHost, hostLibraryPath, hostDefines, present, weak, boundSymbols ?? IosBaseInit, relocations);
}

/// <summary>What the ELF reader finds in the real library, and how it copes with broken input.</summary>
public sealed class ElfVersionAnalysisTests
{
    [Fact]
    public void RealLibraryBindsOnlyIosBaseInitToTheVersionAndNoRelocationUsesIt()
    {
        ElfVersionFacts facts = ElfVersionAnalysis.Analyze(File.ReadAllBytes(TorchSharpFiles.CacheLibrary), GlibcxxCompat.DefaultVersionName);

        Assert.Equal(ElfStatus.Ok, facts.Status);
        Assert.Equal(ElfFile.MachineX86_64, facts.Machine);
        VersionNeed requirement = Assert.IsType<VersionNeed>(facts.Requirement);
        Assert.Equal("libstdc++.so.6", requirement.FileName);
        Assert.False(requirement.IsWeak);
        Assert.Equal(new[] { "_ZSt21ios_base_library_initv" }, facts.BoundSymbols);
        Assert.Equal(0, facts.RelocationCount);
    }

    [Fact]
    public void CountsRelocationsOfVersionsThatAreReallyUsed()
    {
        // Control for the zero above: a version the library does call through has relocations.
        ElfVersionFacts facts = ElfVersionAnalysis.Analyze(File.ReadAllBytes(TorchSharpFiles.CacheLibrary), "GLIBCXX_3.4.30");

        Assert.Equal(ElfStatus.Ok, facts.Status);
        Assert.NotEmpty(facts.BoundSymbols);
        Assert.True(facts.RelocationCount > 0);
    }

    [Fact]
    public void ReadsEveryVersionRequirementInFileOrder()
    {
        ElfVersionFacts facts = ElfVersionAnalysis.Analyze(File.ReadAllBytes(TorchSharpFiles.CacheLibrary), GlibcxxCompat.DefaultVersionName);

        // The same entries `readelf -V` lists for libLibTorchSharp.so 0.107.0: 28 versions of 5 files.
        Assert.Equal(28, facts.Needs.Count);
        Assert.Equal(5, facts.Needs.Select(n => n.FileName).Distinct().Count());
        Assert.Equal(("ld-linux-x86-64.so.2", "GLIBC_2.3", 28), (facts.Needs[0].FileName, facts.Needs[0].VersionName, (int)facts.Needs[0].Index));
        Assert.Equal(("libstdc++.so.6", "GLIBCXX_3.4", 2), (facts.Needs[^1].FileName, facts.Needs[^1].VersionName, (int)facts.Needs[^1].Index));
        Assert.Equal(18, facts.Requirement!.Index);
        Assert.All(facts.Needs, need => Assert.False(need.IsWeak));
    }

    [Fact]
    public void AnswersNoRequirementForAVersionTheLibraryDoesNotNeed()
    {
        ElfVersionFacts facts = ElfVersionAnalysis.Analyze(File.ReadAllBytes(TorchSharpFiles.CacheLibrary), "GLIBCXX_9.9.9");

        Assert.Equal(ElfStatus.Ok, facts.Status);
        Assert.Null(facts.Requirement);
        Assert.Empty(facts.BoundSymbols);
    }

    [Fact]
    public void HostLibStdCxxIsFoundAndItsDefinitionsAreRead()
    {
        HostLibStdCxx host = HostLibStdCxx.Inspect("GLIBCXX_3.4", HostLibStdCxx.HostMachine());

        // Every libstdc++.so.6 since GCC 3.4 defines GLIBCXX_3.4; none defines a made-up version.
        Assert.NotNull(host.Path);
        Assert.True(host.DefinesVersion);
        Assert.False(HostLibStdCxx.Inspect("GLIBCXX_9.9.9", HostLibStdCxx.HostMachine()).DefinesVersion);
    }

    [Theory]
    [InlineData(new byte[0], "NotElf")]
    [InlineData(new byte[] { (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' }, "NotElf")]
    [InlineData(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, "Malformed")]
    public void RejectsBytesThatAreNoElfFile(byte[] bytes, string expected)
    {
        ElfVersionFacts facts = ElfVersionAnalysis.Analyze(bytes, GlibcxxCompat.DefaultVersionName);

        Assert.Equal(expected, facts.Status.ToString());
        Assert.Null(facts.Requirement);
    }

    [Theory]
    [InlineData(4, 1, "NotElf64")]
    [InlineData(5, 2, "NotLittleEndian")]
    public void RejectsOtherElfFlavours(int identByte, byte value, string expected)
    {
        byte[] bytes = File.ReadAllBytes(TorchSharpFiles.CacheLibrary);
        bytes[identByte] = value;

        Assert.Equal(expected, ElfVersionAnalysis.Analyze(bytes, GlibcxxCompat.DefaultVersionName).Status.ToString());
    }

    [Theory]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(4096)]
    [InlineData(1_000_000)]
    [InlineData(-1)]
    public void TruncatedLibraryIsMalformed(int length)
    {
        byte[] whole = File.ReadAllBytes(TorchSharpFiles.CacheLibrary);
        byte[] truncated = whole.AsSpan(0, length < 0 ? whole.Length + length : length).ToArray();

        ElfVersionFacts facts = ElfVersionAnalysis.Analyze(truncated, GlibcxxCompat.DefaultVersionName);

        Assert.Equal(ElfStatus.Malformed, facts.Status);
        Assert.Contains("byte", facts.Message); // the message says how the sizes disagree
    }

    [Fact]
    public void StrippedSectionTableIsReported()
    {
        byte[] bytes = File.ReadAllBytes(TorchSharpFiles.CacheLibrary);
        Array.Clear(bytes, 0x28, 8); // e_shoff

        Assert.Equal(ElfStatus.NoSectionHeaders, ElfVersionAnalysis.Analyze(bytes, GlibcxxCompat.DefaultVersionName).Status);
    }

    [Fact]
    public void VersionSectionPointingOutsideTheFileIsMalformed()
    {
        byte[] bytes = File.ReadAllBytes(TorchSharpFiles.CacheLibrary);
        ElfSection verneed = ElfFile.Parse(bytes).File!.FindSection(ElfFile.ShtGnuVerneed)!;
        long headerAt = (long)BitConverter.ToUInt64(bytes, 0x28) + (verneed.Index * 64L);
        BitConverter.TryWriteBytes(bytes.AsSpan((int)headerAt + 24, 8), (ulong)bytes.Length - 8); // sh_offset

        ElfVersionFacts facts = ElfVersionAnalysis.Analyze(bytes, GlibcxxCompat.DefaultVersionName);

        Assert.Equal(ElfStatus.Malformed, facts.Status);
        Assert.Contains($"section {verneed.Index}", facts.Message);
    }

    [Fact]
    public void CorruptedBytesNeverThrow()
    {
        byte[] original = File.ReadAllBytes(TorchSharpFiles.CacheLibrary);
        ElfFile elf = ElfFile.Parse(original).File!;
        int tableStart = (int)BitConverter.ToUInt64(original, 0x28);
        int versionStart = (int)elf.FindSection(ElfFile.ShtGnuVersym)!.Offset;
        int versionEnd = (int)(elf.FindSection(ElfFile.ShtGnuVerneed)!.Offset + elf.FindSection(ElfFile.ShtGnuVerneed)!.Size);
        var random = new Random(1234);
        int rejected = 0;

        // Scribble over the places the reader trusts: the ELF header, the section table, the version tables.
        for (int round = 0; round < 300; round++)
        {
            byte[] bytes = (byte[])original.Clone();
            for (int k = 0; k < 8; k++)
            {
                int at = (round % 3) switch
                {
                    0 => random.Next(0, 64),
                    1 => random.Next(tableStart, original.Length),
                    _ => random.Next(versionStart, versionEnd),
                };
                bytes[at] = (byte)random.Next(256);
            }

            // Reaching the next line at all is the point: a status comes back, never an exception.
            ElfVersionFacts facts = ElfVersionAnalysis.Analyze(bytes, GlibcxxCompat.DefaultVersionName);
            if (facts.Status != ElfStatus.Ok)
            {
                rejected++;
                Assert.False(string.IsNullOrWhiteSpace(facts.Message));
            }
        }

        Assert.True(rejected > 0, "the corruption should have broken at least some rounds");
    }
}

/// <summary>The patch itself, on temporary copies of the library from the NuGet cache.</summary>
[SupportedOSPlatform("linux")]
public sealed class VersionNeedPatcherTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("npas-glibcxx-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void SetsExactlyTheWeakFlagOfTheOneRequirement()
    {
        string copy = CopyOfCacheLibrary();
        byte[] before = File.ReadAllBytes(copy);
        VersionNeed requirement = ElfVersionAnalysis.Analyze(before, GlibcxxCompat.DefaultVersionName).Requirement!;

        PatchResult result = VersionNeedPatcher.MarkWeak(copy);

        byte[] after = File.ReadAllBytes(copy);
        Assert.Equal(PatchStatus.Patched, result.Status);
        Assert.Equal(before.Length, after.Length);
        Assert.Equal(new[] { requirement.FlagsOffset }, Bytes.DifferingOffsets(before, after));
        Assert.Equal(before[requirement.FlagsOffset] | VersionNeed.WeakFlag, after[requirement.FlagsOffset]);

        ElfVersionFacts patched = ElfVersionAnalysis.Analyze(after, GlibcxxCompat.DefaultVersionName);
        Assert.True(patched.Requirement!.IsWeak);
        Assert.Equal(new[] { GlibcxxCompat.DefaultVersionName }, patched.Needs.Where(n => n.IsWeak).Select(n => n.VersionName));
    }

    [Fact]
    public void IsIdempotent()
    {
        string copy = CopyOfCacheLibrary();
        Assert.Equal(PatchStatus.Patched, VersionNeedPatcher.MarkWeak(copy).Status);
        byte[] once = File.ReadAllBytes(copy);
        string inode = Tool.Inode(copy);

        PatchResult again = VersionNeedPatcher.MarkWeak(copy);

        Assert.Equal(PatchStatus.AlreadyWeak, again.Status);
        Assert.True(Bytes.Same(once, File.ReadAllBytes(copy)));
        Assert.Equal(inode, Tool.Inode(copy)); // not even rewritten
    }

    [Fact]
    public void ReplacesTheFileAtomicallyAndLeavesHardLinksAlone()
    {
        string copy = CopyOfCacheLibrary();
        string link = Path.Combine(_directory, "hard-link.so");
        Tool.Run("ln", copy, link);
        byte[] original = File.ReadAllBytes(copy);
        UnixFileMode mode = File.GetUnixFileMode(copy);
        string inode = Tool.Inode(copy);

        Assert.Equal(PatchStatus.Patched, VersionNeedPatcher.MarkWeak(copy).Status);

        // The path now names a new file; the other link still is the untouched original, as a NuGet cache entry would be.
        Assert.NotEqual(inode, Tool.Inode(copy));
        Assert.Equal(inode, Tool.Inode(link));
        Assert.True(Bytes.Same(original, File.ReadAllBytes(link)));
        Assert.Equal(mode, File.GetUnixFileMode(copy));
        Assert.Equal(new[] { "hard-link.so", "libLibTorchSharp.so" }, Directory.GetFiles(_directory).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void LeavesFilesItCannotAnalyzeAlone()
    {
        string text = Path.Combine(_directory, "not-elf.so");
        File.WriteAllText(text, "not an ELF file");

        PatchResult result = VersionNeedPatcher.MarkWeak(text);

        Assert.Equal(PatchStatus.Failed, result.Status);
        Assert.Contains("not an ELF file", result.Message);
        Assert.Equal("not an ELF file", File.ReadAllText(text));
        Assert.Equal(PatchStatus.Failed, VersionNeedPatcher.MarkWeak(Path.Combine(_directory, "missing.so")).Status);
    }

    [Fact]
    public void RunPatchesOnlyWhereTheHostLacksTheVersion()
    {
        string copy = CopyOfCacheLibrary();
        byte[] original = File.ReadAllBytes(copy);

        CompatResult result = GlibcxxCompat.Run(copy);

        if (HostFacts.DefinesDefaultVersion)
        {
            Assert.Equal(CompatOutcome.NotNeeded, result.Outcome);
            Assert.True(Bytes.Same(original, File.ReadAllBytes(copy)));
        }
        else
        {
            Assert.Equal(CompatOutcome.Patched, result.Outcome);
            Assert.True(ElfVersionAnalysis.Analyze(File.ReadAllBytes(copy), GlibcxxCompat.DefaultVersionName).Requirement!.IsWeak);
            Assert.Equal(CompatOutcome.AlreadyPatched, GlibcxxCompat.Run(copy).Outcome);
        }
    }

    [Fact]
    public void RunRefusesWhenARelocationUsesTheVersion()
    {
        // Rebind every GLIBCXX_3.4.30 symbol (which the library really calls) to GLIBCXX_3.4.32's index.
        string copy = CopyOfCacheLibrary();
        byte[] bytes = File.ReadAllBytes(copy);
        ElfVersionFacts facts30 = ElfVersionAnalysis.Analyze(bytes, "GLIBCXX_3.4.30");
        ushort index32 = ElfVersionAnalysis.Analyze(bytes, GlibcxxCompat.DefaultVersionName).Requirement!.Index;
        ElfSection versym = ElfFile.Parse(bytes).File!.FindSection(ElfFile.ShtGnuVersym)!;
        for (int at = (int)versym.Offset; at < (int)(versym.Offset + versym.Size); at += 2)
        {
            if ((BitConverter.ToUInt16(bytes, at) & 0x7fff) == facts30.Requirement!.Index)
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(at, 2), index32);
            }
        }

        File.WriteAllBytes(copy, bytes);

        ElfVersionFacts tampered = ElfVersionAnalysis.Analyze(bytes, GlibcxxCompat.DefaultVersionName);
        Assert.Equal(facts30.RelocationCount, tampered.RelocationCount);
        Assert.Equal(facts30.BoundSymbols.Count + 1, tampered.BoundSymbols.Count);

        CompatResult result = GlibcxxCompat.Run(copy);

        Assert.Equal(HostFacts.DefinesDefaultVersion ? CompatOutcome.NotNeeded : CompatOutcome.Refused, result.Outcome);
        Assert.True(Bytes.Same(bytes, File.ReadAllBytes(copy)));
    }

    private string CopyOfCacheLibrary()
    {
        string copy = Path.Combine(_directory, "libLibTorchSharp.so");
        File.Copy(TorchSharpFiles.CacheLibrary, copy);
        return copy;
    }
}

/// <summary>What the build did to this test project's own output, and that the NuGet cache is untouched.</summary>
public sealed class BuildOutputTests
{
    [Fact]
    public void OutputCopyIsPatchedExactlyWhenTheHostLacksTheVersion()
    {
        byte[] cache = File.ReadAllBytes(TorchSharpFiles.CacheLibrary);
        byte[] output = File.ReadAllBytes(TorchSharpFiles.OutputLibrary);

        if (HostFacts.DefinesDefaultVersion)
        {
            Assert.True(Bytes.Same(cache, output), "the host defines the version, so the build must leave the library as it is");
        }
        else
        {
            VersionNeed requirement = ElfVersionAnalysis.Analyze(output, GlibcxxCompat.DefaultVersionName).Requirement!;
            Assert.True(requirement.IsWeak, "the host lacks the version, so the build must have marked it weak");
            Assert.Equal(new[] { requirement.FlagsOffset }, Bytes.DifferingOffsets(cache, output));
        }
    }

    [Fact]
    public void NuGetCacheCopyIsByteForByteThePackagedOne()
    {
        byte[] cache = File.ReadAllBytes(TorchSharpFiles.CacheLibrary);

        Assert.False(ElfVersionAnalysis.Analyze(cache, GlibcxxCompat.DefaultVersionName).Requirement!.IsWeak);
        Assert.True(Bytes.Same(TorchSharpFiles.PackagedLibrary(), cache), $"{TorchSharpFiles.CacheLibrary} differs from the copy inside the .nupkg");
    }

    [Fact]
    public void TorchSharpLoadsAndComputes()
    {
        using torch.Tensor ones = torch.ones(3);
        using torch.Tensor sum = ones.sum();

        Assert.Equal(3f, sum.item<float>());
    }
}

/// <summary>Where the library lives: in this test's output, in the NuGet cache, and inside the cached .nupkg.</summary>
internal static class TorchSharpFiles
{
    private const string RelativePath = "runtimes/linux-x64/native/libLibTorchSharp.so";

    public static string OutputLibrary => Path.Combine(AppContext.BaseDirectory, RelativePath);

    public static string CacheLibrary => Path.Combine(PackageDirectory, RelativePath);

    /// <summary>The library as the signed .nupkg holds it, after checking the .nupkg against the hash NuGet recorded.</summary>
    public static byte[] PackagedLibrary()
    {
        string nupkg = Path.Combine(PackageDirectory, $"torchsharp.{Version}.nupkg");
        byte[] package = File.ReadAllBytes(nupkg);
        Assert.Equal(File.ReadAllText(nupkg + ".sha512").Trim(), Convert.ToBase64String(SHA512.HashData(package)));

        using var zip = new ZipArchive(new MemoryStream(package), ZipArchiveMode.Read);
        using Stream entry = zip.GetEntry(RelativePath)!.Open();
        using var bytes = new MemoryStream();
        entry.CopyTo(bytes);
        return bytes.ToArray();
    }

    // The native library ships in the "torchsharp" package (TorchSharp-cpu only pulls it in), at the managed assembly's version.
    private static string PackageDirectory
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            string root = string.IsNullOrEmpty(configured)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages")
                : configured;
            string directory = Path.Combine(root, "torchsharp", Version);
            Assert.True(Directory.Exists(directory), $"TorchSharp package folder not found at {directory}");
            return directory;
        }
    }

    private static string Version =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
}

internal static class HostFacts
{
    public static bool DefinesDefaultVersion =>
        HostLibStdCxx.Inspect(GlibcxxCompat.DefaultVersionName, HostLibStdCxx.HostMachine()).DefinesVersion;
}

internal static class Bytes
{
    public static bool Same(byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b);

    public static long[] DifferingOffsets(byte[] a, byte[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var offsets = new List<long>();
        for (long i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                offsets.Add(i);
            }
        }

        return offsets.ToArray();
    }
}

internal static class Tool
{
    public static string Inode(string path) => Run("stat", "-c", "%i", path).Trim();

    public static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {error}");
        return output;
    }
}
