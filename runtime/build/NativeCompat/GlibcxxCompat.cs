// Build-time compat step for TorchSharp's native library (see docs/native-compat.md).
//
// libLibTorchSharp.so in TorchSharp 0.107.0 was linked by GCC 13, which records a requirement on the
// libstdc++ symbol version GLIBCXX_3.4.32 although no relocation uses a symbol of that version. Hosts
// with an older libstdc++ (Debian 12 stops at GLIBCXX_3.4.30) refuse to load it. Marking that single
// requirement weak (VER_FLG_WEAK) on the build's output copy lets the loader accept it. This file
// decides whether that is needed and safe, and only then writes the patched copy.
//
// The file is compiled twice, so it must stay within what both compilations accept:
// - by MSBuild's RoslynCodeTaskFactory, against netstandard 2.0 reference assemblies: no spans,
//   no BinaryPrimitives, no File.Move overload with overwrite, no nullable attributes, no records;
// - into the test project with NPAS_TESTS defined, which has no MSBuild references and therefore
//   leaves out the task class at the end.
#nullable enable

using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
#if !NPAS_TESTS
using Microsoft.Build.Framework;
#endif

namespace NpasDsl.Build;

/// <summary>Why an ELF file could or could not be analyzed.</summary>
internal enum ElfStatus
{
    Ok,
    NotElf,
    NotElf64,
    NotLittleEndian,
    NoSectionHeaders,
    Malformed,
}

/// <summary>Raised by bounds checks inside this file only; the public entry points turn it into <see cref="ElfStatus.Malformed"/>.</summary>
internal sealed class ElfFormatException : Exception
{
    public ElfFormatException(string message) : base(message)
    {
    }
}

/// <summary>One section header of an ELF64 file.</summary>
internal sealed class ElfSection
{
    public ElfSection(int index, uint type, ulong offset, ulong size, uint link, ulong entrySize)
    {
        Index = index;
        Type = type;
        Offset = offset;
        Size = size;
        Link = link;
        EntrySize = entrySize;
    }

    public int Index { get; }
    public uint Type { get; }
    public ulong Offset { get; }
    public ulong Size { get; }
    public uint Link { get; }
    public ulong EntrySize { get; }
}

/// <summary>The outcome of <see cref="ElfFile.Parse"/>: a file, or a status saying why there is none.</summary>
internal sealed class ElfParseResult
{
    public ElfParseResult(ElfStatus status, string message, ElfFile? file)
    {
        Status = status;
        Message = message;
        File = file;
    }

    public ElfStatus Status { get; }
    public string Message { get; }
    public ElfFile? File { get; }
}

/// <summary>
/// A read-only view of an ELF64 little-endian file held in memory. Every read is checked against the
/// file length (and, for section contents, against the section), so hostile or truncated input ends in
/// a status instead of an out-of-range access.
/// </summary>
internal sealed class ElfFile
{
    public const uint ShtRela = 4;
    public const uint ShtDynsym = 11;
    public const uint ShtRel = 9;
    public const uint ShtGnuVerdef = 0x6ffffffd;
    public const uint ShtGnuVerneed = 0x6ffffffe;
    public const uint ShtGnuVersym = 0x6fffffff;
    public const ushort MachineX86_64 = 62;
    public const ushort MachineAarch64 = 183;

    private const int HeaderSize = 64;
    private const int SectionHeaderSize = 64;

    private readonly byte[] _bytes;

    private ElfFile(byte[] bytes, ushort machine, IReadOnlyList<ElfSection> sections)
    {
        _bytes = bytes;
        Machine = machine;
        Sections = sections;
    }

    /// <summary>e_machine: which processor the file is for.</summary>
    public ushort Machine { get; }

    public IReadOnlyList<ElfSection> Sections { get; }

    public static ElfParseResult Parse(byte[] bytes)
    {
        if (bytes.Length < 4 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
        {
            return new ElfParseResult(ElfStatus.NotElf, "not an ELF file (no \\x7fELF magic)", null);
        }

        if (bytes.Length < HeaderSize)
        {
            return new ElfParseResult(ElfStatus.Malformed, $"truncated ELF header ({bytes.Length} bytes, need {HeaderSize})", null);
        }

        if (bytes[4] != 2)
        {
            return new ElfParseResult(ElfStatus.NotElf64, $"not a 64-bit ELF file (EI_CLASS={bytes[4]})", null);
        }

        if (bytes[5] != 1)
        {
            return new ElfParseResult(ElfStatus.NotLittleEndian, $"not a little-endian ELF file (EI_DATA={bytes[5]})", null);
        }

        try
        {
            return ParseSections(bytes);
        }
        catch (ElfFormatException e)
        {
            return new ElfParseResult(ElfStatus.Malformed, e.Message, null);
        }
    }

    private static ElfParseResult ParseSections(byte[] bytes)
    {
        // A section-less view, so that the header is read through the same checked readers.
        var header = new ElfFile(bytes, 0, Array.Empty<ElfSection>());
        ushort machine = header.U16(0x12);
        ulong tableOffset = header.U64(0x28);
        ushort entrySize = header.U16(0x3a);
        ulong count = header.U16(0x3c);
        if (tableOffset == 0)
        {
            return new ElfParseResult(ElfStatus.NoSectionHeaders, "the file has no section headers (stripped), so it cannot be analyzed", null);
        }

        if (entrySize < SectionHeaderSize)
        {
            throw new ElfFormatException($"section header entry size {entrySize} is smaller than {SectionHeaderSize}");
        }

        // Checked as differences so that no offset taken from the file can overflow.
        ulong length = (ulong)bytes.Length;
        if (tableOffset > length || length - tableOffset < entrySize)
        {
            throw new ElfFormatException($"section header table at offset {tableOffset} lies outside the {length}-byte file");
        }

        if (count == 0)
        {
            // Extended numbering: with 0xff00 or more sections the real count sits in section 0's sh_size.
            count = header.U64(tableOffset + 32);
        }

        if (count > (length - tableOffset) / entrySize)
        {
            throw new ElfFormatException($"{count} section headers at offset {tableOffset} do not fit in the {length}-byte file");
        }

        var sections = new List<ElfSection>((int)count);
        for (int i = 0; i < (int)count; i++)
        {
            ulong at = tableOffset + ((ulong)i * entrySize);
            sections.Add(new ElfSection(
                index: i,
                type: header.U32(at + 4),
                offset: header.U64(at + 24),
                size: header.U64(at + 32),
                link: header.U32(at + 40),
                entrySize: header.U64(at + 56)));
        }

        return new ElfParseResult(ElfStatus.Ok, "ok", new ElfFile(bytes, machine, sections));
    }

    /// <summary>The first section of the given type, or null.</summary>
    public ElfSection? FindSection(uint type)
    {
        foreach (ElfSection section in Sections)
        {
            if (section.Type == type)
            {
                return section;
            }
        }

        return null;
    }

    /// <summary>The section at an index taken from the file (sh_link), checked.</summary>
    public ElfSection SectionAt(uint index)
    {
        if (index >= Sections.Count)
        {
            throw new ElfFormatException($"section index {index} is out of range ({Sections.Count} sections)");
        }

        return Sections[(int)index];
    }

    /// <summary>File offset of <paramref name="length"/> bytes at <paramref name="relative"/> inside a section, checked against both the section and the file.</summary>
    public ulong At(ElfSection section, ulong relative, ulong length)
    {
        ulong fileSize = (ulong)_bytes.Length;
        if (section.Offset > fileSize || section.Size > fileSize - section.Offset)
        {
            throw new ElfFormatException($"section {section.Index} (offset {section.Offset}, {section.Size} bytes) lies outside the {fileSize}-byte file");
        }

        if (relative > section.Size || length > section.Size - relative)
        {
            throw new ElfFormatException($"read of {length} bytes at {relative} runs past section {section.Index} ({section.Size} bytes)");
        }

        return section.Offset + relative;
    }

    /// <summary>A NUL-terminated string at <paramref name="nameOffset"/> of a string-table section.</summary>
    public string ReadString(ElfSection table, uint nameOffset)
    {
        ulong start = At(table, nameOffset, 1);
        ulong end = table.Offset + table.Size;
        for (ulong i = start; i < end; i++)
        {
            if (_bytes[i] == 0)
            {
                return Encoding.UTF8.GetString(_bytes, (int)start, (int)(i - start));
            }
        }

        throw new ElfFormatException($"string at {nameOffset} in section {table.Index} is not terminated");
    }

    public ushort U16(ulong offset)
    {
        int i = Check(offset, 2);
        return (ushort)(_bytes[i] | (_bytes[i + 1] << 8));
    }

    public uint U32(ulong offset)
    {
        int i = Check(offset, 4);
        return (uint)(_bytes[i] | (_bytes[i + 1] << 8) | (_bytes[i + 2] << 16) | (_bytes[i + 3] << 24));
    }

    public ulong U64(ulong offset)
    {
        Check(offset, 8);
        return U32(offset) | ((ulong)U32(offset + 4) << 32);
    }

    private int Check(ulong offset, ulong length)
    {
        ulong size = (ulong)_bytes.Length;
        if (offset > size || length > size - offset)
        {
            throw new ElfFormatException($"read of {length} bytes at offset {offset} runs past the end of the file ({size} bytes)");
        }

        return (int)offset;
    }
}

/// <summary>One Vernaux entry of .gnu.version_r: "this library needs version X of file F".</summary>
internal sealed class VersionNeed
{
    public const ushort WeakFlag = 0x2; // VER_FLG_WEAK

    public VersionNeed(string fileName, string versionName, ushort flags, ushort index, long flagsOffset)
    {
        FileName = fileName;
        VersionName = versionName;
        Flags = flags;
        Index = index;
        FlagsOffset = flagsOffset;
    }

    public string FileName { get; }
    public string VersionName { get; }
    public ushort Flags { get; }

    /// <summary>vna_other: the version index that .gnu.version uses for symbols bound to this requirement.</summary>
    public ushort Index { get; }

    /// <summary>File offset of vna_flags, the two bytes a patch changes.</summary>
    public long FlagsOffset { get; }

    public bool IsWeak => (Flags & WeakFlag) != 0;
}

/// <summary>What the library says about one libstdc++ version requirement, and whether anything uses it.</summary>
internal sealed class ElfVersionFacts
{
    public ElfVersionFacts(
        ElfStatus status,
        string message,
        ushort machine,
        IReadOnlyList<VersionNeed> needs,
        VersionNeed? requirement,
        IReadOnlyList<string> boundSymbols,
        int relocationCount)
    {
        Status = status;
        Message = message;
        Machine = machine;
        Needs = needs;
        Requirement = requirement;
        BoundSymbols = boundSymbols;
        RelocationCount = relocationCount;
    }

    public ElfStatus Status { get; }
    public string Message { get; }
    public ushort Machine { get; }

    /// <summary>Every Vernaux entry of the library, in file order.</summary>
    public IReadOnlyList<VersionNeed> Needs { get; }

    /// <summary>The libstdc++.so.6 entry for the version asked about, or null when the library does not need it.</summary>
    public VersionNeed? Requirement { get; }

    /// <summary>Dynamic symbols whose .gnu.version index is the requirement's vna_other.</summary>
    public IReadOnlyList<string> BoundSymbols { get; }

    /// <summary>Relocations (REL/RELA sections linked to .dynsym) whose symbol is one of <see cref="BoundSymbols"/>.</summary>
    public int RelocationCount { get; }

    public static ElfVersionFacts Failed(ElfStatus status, string message) =>
        new ElfVersionFacts(status, message, 0, Array.Empty<VersionNeed>(), null, Array.Empty<string>(), 0);
}

/// <summary>Reads version requirements, symbol bindings and relocations out of a shared library.</summary>
internal static class ElfVersionAnalysis
{
    public const string LibStdCxx = "libstdc++.so.6";

    private const ulong VerneedSize = 16;
    private const ulong VernauxSize = 16;
    private const ulong DynsymEntrySize = 24;
    private const ulong RelaEntrySize = 24;
    private const ulong RelEntrySize = 16;

    public static ElfVersionFacts Analyze(byte[] bytes, string versionName)
    {
        ElfParseResult parsed = ElfFile.Parse(bytes);
        if (parsed.File is null)
        {
            return ElfVersionFacts.Failed(parsed.Status, parsed.Message);
        }

        try
        {
            return Analyze(parsed.File, versionName);
        }
        catch (ElfFormatException e)
        {
            return ElfVersionFacts.Failed(ElfStatus.Malformed, e.Message);
        }
    }

    private static ElfVersionFacts Analyze(ElfFile elf, string versionName)
    {
        List<VersionNeed> needs = ReadNeeds(elf);
        VersionNeed? requirement = null;
        foreach (VersionNeed need in needs)
        {
            if (need.FileName == LibStdCxx && need.VersionName == versionName)
            {
                requirement = need;
            }
        }

        var boundSymbols = new List<string>();
        int relocations = 0;
        ElfSection? dynsym = elf.FindSection(ElfFile.ShtDynsym);
        ElfSection? versym = elf.FindSection(ElfFile.ShtGnuVersym);
        if (requirement is not null && dynsym is not null && versym is not null)
        {
            HashSet<ulong> boundIndices = FindBoundSymbols(elf, dynsym, versym, requirement.Index, boundSymbols);
            relocations = CountRelocations(elf, dynsym, boundIndices);
        }

        return new ElfVersionFacts(ElfStatus.Ok, "ok", elf.Machine, needs, requirement, boundSymbols, relocations);
    }

    private static List<VersionNeed> ReadNeeds(ElfFile elf)
    {
        var needs = new List<VersionNeed>();
        ElfSection? section = elf.FindSection(ElfFile.ShtGnuVerneed);
        if (section is null)
        {
            return needs;
        }

        ElfSection strings = elf.SectionAt(section.Link);

        // Follow vn_next until it is 0, as the loader does. The offset only grows, so a corrupt chain
        // ends at the section's bounds instead of looping.
        for (ulong entry = 0; ; )
        {
            ulong at = elf.At(section, entry, VerneedSize);
            ushort auxCount = elf.U16(at + 2);
            string file = elf.ReadString(strings, elf.U32(at + 4));
            ulong aux = entry + elf.U32(at + 8);
            for (int a = 0; a < auxCount; a++)
            {
                ulong auxAt = elf.At(section, aux, VernauxSize);
                needs.Add(new VersionNeed(
                    fileName: file,
                    versionName: elf.ReadString(strings, elf.U32(auxAt + 8)),
                    flags: elf.U16(auxAt + 4),
                    index: elf.U16(auxAt + 6),
                    flagsOffset: (long)(auxAt + 4)));
                aux += elf.U32(auxAt + 12);
            }

            uint next = elf.U32(at + 12);
            if (next == 0)
            {
                return needs;
            }

            entry += next;
        }
    }

    private static HashSet<ulong> FindBoundSymbols(ElfFile elf, ElfSection dynsym, ElfSection versym, ushort versionIndex, List<string> names)
    {
        ulong symbolCount = dynsym.Size / DynsymEntrySize;
        if (versym.Size / 2 != symbolCount)
        {
            throw new ElfFormatException($".gnu.version has {versym.Size / 2} entries but .dynsym has {symbolCount} symbols");
        }

        ElfSection strings = elf.SectionAt(dynsym.Link);
        var indices = new HashSet<ulong>();
        for (ulong i = 0; i < symbolCount; i++)
        {
            // Bit 15 marks a hidden symbol; the low 15 bits are the version index.
            if ((elf.U16(elf.At(versym, i * 2, 2)) & 0x7fff) == versionIndex)
            {
                indices.Add(i);
                names.Add(elf.ReadString(strings, elf.U32(elf.At(dynsym, i * DynsymEntrySize, DynsymEntrySize))));
            }
        }

        return indices;
    }

    private static int CountRelocations(ElfFile elf, ElfSection dynsym, HashSet<ulong> symbolIndices)
    {
        int count = 0;
        foreach (ElfSection section in elf.Sections)
        {
            bool isRela = section.Type == ElfFile.ShtRela;
            if ((!isRela && section.Type != ElfFile.ShtRel) || section.Link != (uint)dynsym.Index)
            {
                continue;
            }

            ulong entrySize = isRela ? RelaEntrySize : RelEntrySize;
            if (section.EntrySize != 0 && section.EntrySize != entrySize)
            {
                throw new ElfFormatException($"relocation section {section.Index} has entry size {section.EntrySize}, expected {entrySize}");
            }

            for (ulong rel = 0; rel + entrySize <= section.Size; rel += entrySize)
            {
                // r_info = (symbol index << 32) | type, for both Elf64_Rel and Elf64_Rela.
                ulong info = elf.U64(elf.At(section, rel + 8, 8));
                if (symbolIndices.Contains(info >> 32))
                {
                    count++;
                }
            }
        }

        return count;
    }
}

/// <summary>Whether the host's libstdc++.so.6 defines a symbol version, and which file said so.</summary>
internal sealed class HostLibStdCxx
{
    /// <summary>Where distributions put libstdc++.so.6, most specific first; the first one built for the host's processor wins.</summary>
    public static readonly string[] SearchDirectories =
    {
        "/usr/lib/x86_64-linux-gnu",
        "/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/lib/aarch64-linux-gnu",
        "/usr/lib64",
        "/lib64",
        "/usr/lib",
        "/lib",
    };

    public HostLibStdCxx(string? path, bool definesVersion)
    {
        Path = path;
        DefinesVersion = definesVersion;
    }

    /// <summary>The libstdc++.so.6 that was inspected, or null when none for this processor was found.</summary>
    public string? Path { get; }

    public bool DefinesVersion { get; }

    /// <summary>e_machine of the processor this process runs on, or 0 when it is not one TorchSharp ships for Linux.</summary>
    public static ushort HostMachine()
    {
        switch (RuntimeInformation.ProcessArchitecture)
        {
            case Architecture.X64:
                return ElfFile.MachineX86_64;
            case Architecture.Arm64:
                return ElfFile.MachineAarch64;
            default:
                return 0;
        }
    }

    public static HostLibStdCxx Inspect(string versionName, ushort machine)
    {
        foreach (string directory in SearchDirectories)
        {
            // File.ReadAllBytes follows the libstdc++.so.6 -> libstdc++.so.6.0.NN symlink chain.
            string path = System.IO.Path.Combine(directory, ElfVersionAnalysis.LibStdCxx);
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                continue;
            }

            ElfParseResult parsed = ElfFile.Parse(bytes);
            if (parsed.File is not null && parsed.File.Machine == machine)
            {
                return new HostLibStdCxx(path, Defines(parsed.File, versionName));
            }
        }

        return new HostLibStdCxx(null, false);
    }

    /// <summary>True when a Verdef entry (other than the file's own base entry) names <paramref name="versionName"/>; false also for unreadable tables.</summary>
    public static bool Defines(ElfFile elf, string versionName)
    {
        ElfSection? section = elf.FindSection(ElfFile.ShtGnuVerdef);
        if (section is null)
        {
            return false;
        }

        try
        {
            ElfSection strings = elf.SectionAt(section.Link);

            // Follow vd_next like vn_next in ElfVersionAnalysis.ReadNeeds.
            for (ulong entry = 0; ; )
            {
                // Verdef: vd_version, vd_flags, vd_ndx, vd_cnt (2 bytes each), vd_hash, vd_aux, vd_next (4 each).
                ulong at = elf.At(section, entry, 20);
                bool isBase = (elf.U16(at + 2) & 0x1) != 0; // VER_FLG_BASE: the soname, not a version
                ushort auxCount = elf.U16(at + 6);
                if (!isBase && auxCount > 0)
                {
                    // The first Verdaux (vda_name, vda_next) names the version defined; later ones name its parents.
                    ulong auxAt = elf.At(section, entry + elf.U32(at + 12), 8);
                    if (elf.ReadString(strings, elf.U32(auxAt)) == versionName)
                    {
                        return true;
                    }
                }

                uint next = elf.U32(at + 16);
                if (next == 0)
                {
                    return false;
                }

                entry += next;
            }
        }
        catch (ElfFormatException)
        {
            // A host library we cannot read proves nothing; report "not defined" so the safe path (weak marking,
            // which is a no-op where the version exists) is the one taken.
        }

        return false;
    }
}

internal enum CompatDecision
{
    NotNeeded,
    AlreadyPatched,
    Patch,
    Refuse,
}

/// <summary>Everything the decision depends on, gathered from the library and the host (or made up by a test).</summary>
internal sealed class CompatFacts
{
    public CompatFacts(
        string versionName,
        bool isLinux,
        bool libraryMatchesHost,
        string? hostLibraryPath,
        bool hostDefinesVersion,
        bool requirementPresent,
        bool requirementWeak,
        IReadOnlyList<string> boundSymbols,
        int relocationCount)
    {
        VersionName = versionName;
        IsLinux = isLinux;
        LibraryMatchesHost = libraryMatchesHost;
        HostLibraryPath = hostLibraryPath;
        HostDefinesVersion = hostDefinesVersion;
        RequirementPresent = requirementPresent;
        RequirementWeak = requirementWeak;
        BoundSymbols = boundSymbols;
        RelocationCount = relocationCount;
    }

    public string VersionName { get; }
    public bool IsLinux { get; }

    /// <summary>The library is for this host's processor, so the host's libstdc++ is the one it will meet.</summary>
    public bool LibraryMatchesHost { get; }

    public string? HostLibraryPath { get; }
    public bool HostDefinesVersion { get; }
    public bool RequirementPresent { get; }
    public bool RequirementWeak { get; }
    public IReadOnlyList<string> BoundSymbols { get; }
    public int RelocationCount { get; }
}

internal sealed class CompatVerdict
{
    public CompatVerdict(CompatDecision decision, string reason)
    {
        Decision = decision;
        Reason = reason;
    }

    public CompatDecision Decision { get; }
    public string Reason { get; }
}

/// <summary>The policy, free of I/O: patch only where it is needed and provably harmless.</summary>
internal static class CompatPolicy
{
    public static CompatVerdict Decide(CompatFacts facts)
    {
        string version = facts.VersionName;
        if (!facts.IsLinux)
        {
            return new CompatVerdict(CompatDecision.NotNeeded, "not running on Linux; the ELF library is not loaded here");
        }

        if (!facts.LibraryMatchesHost)
        {
            return new CompatVerdict(CompatDecision.NotNeeded,
                "the library is for another processor than this host, so this host's libstdc++ says nothing about where it will run; left unchanged");
        }

        if (!facts.RequirementPresent)
        {
            return new CompatVerdict(CompatDecision.NotNeeded, $"the library does not require {version} from {ElfVersionAnalysis.LibStdCxx}");
        }

        if (facts.HostDefinesVersion)
        {
            return new CompatVerdict(CompatDecision.NotNeeded, $"this host's libstdc++ ({facts.HostLibraryPath}) defines {version}");
        }

        if (facts.RequirementWeak)
        {
            return new CompatVerdict(CompatDecision.AlreadyPatched, $"the {version} requirement is already marked weak");
        }

        string host = facts.HostLibraryPath is null
            ? $"no {ElfVersionAnalysis.LibStdCxx} was found in the standard directories"
            : $"this host's libstdc++ ({facts.HostLibraryPath}) does not define {version}";
        string bound = facts.BoundSymbols.Count == 0
            ? "no symbol is bound to it"
            : $"bound symbol(s): {string.Join(", ", facts.BoundSymbols)}";
        if (facts.RelocationCount > 0)
        {
            return new CompatVerdict(CompatDecision.Refuse,
                $"{host}, and {facts.RelocationCount} relocation(s) use symbols of that version ({bound}). Marking the requirement weak " +
                "would let the library load and then fail when those symbols are called, so it was left unchanged. " +
                $"Install a libstdc++ that provides {version} (GCC 13 or newer), or use a TorchSharp build made for this distribution.");
        }

        return new CompatVerdict(CompatDecision.Patch,
            $"{host}. No relocation uses a symbol of that version ({bound}), so the requirement is only a marker; " +
            "marking it weak (VER_FLG_WEAK) lets the loader accept the library");
    }
}

internal enum PatchStatus
{
    Patched,
    AlreadyWeak,
    RequirementNotFound,
    Failed,
}

internal sealed class PatchResult
{
    public PatchResult(PatchStatus status, string message)
    {
        Status = status;
        Message = message;
    }

    public PatchStatus Status { get; }
    public string Message { get; }
}

/// <summary>Sets VER_FLG_WEAK on one libstdc++ version requirement of a file, replacing the file atomically.</summary>
internal static class VersionNeedPatcher
{
    /// <summary>Marks the libstdc++.so.6 requirement on <paramref name="versionName"/> weak; does nothing when it is weak already.</summary>
    public static PatchResult MarkWeak(string path, string versionName = GlibcxxCompat.DefaultVersionName)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            return new PatchResult(PatchStatus.Failed, $"cannot read {path}: {e.Message}");
        }

        ElfVersionFacts facts = ElfVersionAnalysis.Analyze(bytes, versionName);
        if (facts.Status != ElfStatus.Ok)
        {
            return new PatchResult(PatchStatus.Failed, $"cannot analyze {path}: {facts.Message}");
        }

        if (facts.Requirement is null)
        {
            return new PatchResult(PatchStatus.RequirementNotFound, $"{path} does not require {versionName} from {ElfVersionAnalysis.LibStdCxx}");
        }

        return WriteWeak(path, bytes, facts.Requirement);
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> with the requirement's weak flag set to a temporary file next to
    /// <paramref name="path"/> and renames it over <paramref name="path"/>. The rename gives the path a new
    /// inode: a hard link to the old file (such as a NuGet cache entry the build linked rather than copied)
    /// keeps the original bytes, and a process that has the old library mapped is not disturbed.
    /// </summary>
    public static PatchResult WriteWeak(string path, byte[] bytes, VersionNeed requirement)
    {
        if (requirement.IsWeak)
        {
            return new PatchResult(PatchStatus.AlreadyWeak, $"{requirement.VersionName} is already weak in {path}");
        }

        var patched = (byte[])bytes.Clone();
        ushort flags = (ushort)(requirement.Flags | VersionNeed.WeakFlag);
        patched[requirement.FlagsOffset] = (byte)flags;
        patched[requirement.FlagsOffset + 1] = (byte)(flags >> 8);

        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            // Copying first gives the temporary file the original's permission bits (netstandard 2.0 has no
            // chmod); WriteAllBytes then truncates and rewrites it in place.
            File.Copy(path, temp);
            File.WriteAllBytes(temp, patched);

            // File.Replace is rename(2) on Unix: atomic, and the only overwriting move netstandard 2.0 offers.
            File.Replace(temp, path, null);
            return new PatchResult(PatchStatus.Patched, $"marked {requirement.VersionName} weak in {path}");
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            return new PatchResult(PatchStatus.Failed, $"cannot write {path}: {e.Message}");
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}

internal enum CompatOutcome
{
    NotNeeded,
    AlreadyPatched,
    Patched,
    Refused,
    Failed,
}

internal sealed class CompatResult
{
    public CompatResult(CompatOutcome outcome, string message)
    {
        Outcome = outcome;
        Message = message;
    }

    public CompatOutcome Outcome { get; }
    public string Message { get; }
}

/// <summary>The whole step for one library file: analyze, inspect the host, decide, and patch when the policy says so.</summary>
internal static class GlibcxxCompat
{
    public const string DefaultVersionName = "GLIBCXX_3.4.32";

    public static CompatResult Run(string libraryPath, string versionName = DefaultVersionName)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(libraryPath);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            return new CompatResult(CompatOutcome.Failed, $"cannot read {libraryPath}: {e.Message}");
        }

        ElfVersionFacts library = ElfVersionAnalysis.Analyze(bytes, versionName);
        if (library.Status != ElfStatus.Ok)
        {
            return new CompatResult(CompatOutcome.Failed, $"cannot analyze {libraryPath}: {library.Message}");
        }

        bool isLinux = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);
        ushort hostMachine = HostLibStdCxx.HostMachine();
        HostLibStdCxx host = isLinux ? HostLibStdCxx.Inspect(versionName, hostMachine) : new HostLibStdCxx(null, false);
        VersionNeed? requirement = library.Requirement;
        CompatVerdict verdict = CompatPolicy.Decide(new CompatFacts(
            versionName,
            isLinux,
            libraryMatchesHost: hostMachine != 0 && library.Machine == hostMachine,
            hostLibraryPath: host.Path,
            hostDefinesVersion: host.DefinesVersion,
            requirementPresent: requirement is not null,
            requirementWeak: requirement is not null && requirement.IsWeak,
            boundSymbols: library.BoundSymbols,
            relocationCount: library.RelocationCount));

        switch (verdict.Decision)
        {
            case CompatDecision.NotNeeded:
                return new CompatResult(CompatOutcome.NotNeeded, verdict.Reason);
            case CompatDecision.AlreadyPatched:
                return new CompatResult(CompatOutcome.AlreadyPatched, verdict.Reason);
            case CompatDecision.Refuse:
                return new CompatResult(CompatOutcome.Refused, verdict.Reason);
        }

        // Patch: the verdict required the requirement to be present.
        PatchResult patch = VersionNeedPatcher.WriteWeak(libraryPath, bytes, requirement!);
        return patch.Status == PatchStatus.Patched
            ? new CompatResult(CompatOutcome.Patched, $"{patch.Message}: {verdict.Reason}")
            : new CompatResult(CompatOutcome.Failed, patch.Message);
    }
}

#if !NPAS_TESTS
/// <summary>
/// MSBuild entry point. Never fails the build: a library it must not patch is a warning (NPASB001),
/// one it cannot read or write is a warning (NPASB002); either way the build goes on unchanged.
/// </summary>
public sealed class PatchGlibcxxVersionNeed : Microsoft.Build.Utilities.Task
{
    [Required]
    public string LibraryPath { get; set; } = "";

    public string VersionName { get; set; } = GlibcxxCompat.DefaultVersionName;

    public override bool Execute()
    {
        CompatResult result;
        try
        {
            result = GlibcxxCompat.Run(LibraryPath, VersionName);
        }
        catch (Exception e)
        {
            // A compat step must not be the reason a build breaks; report whatever went wrong instead.
            result = new CompatResult(CompatOutcome.Failed, $"unexpected error for {LibraryPath}: {e}");
        }

        switch (result.Outcome)
        {
            case CompatOutcome.Patched:
                Log.LogMessage(MessageImportance.High, $"NpasDsl native compat: {result.Message}");
                break;
            case CompatOutcome.Refused:
                Log.LogWarning(null, "NPASB001", null, LibraryPath, 0, 0, 0, 0, $"NpasDsl native compat: not patching {LibraryPath}: {result.Message}");
                break;
            case CompatOutcome.Failed:
                Log.LogWarning(null, "NPASB002", null, LibraryPath, 0, 0, 0, 0, $"NpasDsl native compat: {result.Message}");
                break;
            default:
                Log.LogMessage(MessageImportance.Normal, $"NpasDsl native compat: {LibraryPath} left unchanged: {result.Message}");
                break;
        }

        return true;
    }
}
#endif
