using System;
using System.Collections.Generic;
using System.Linq;
using NpasDsl.Generator.Model;

namespace NpasDsl.Generator.Emitting;

/// <summary>
/// The generated files' names. A file is named after its model's full name, but Roslyn compares hint names ignoring
/// case, so two models whose full names differ only in case (Net and NET) would collide and every model would lose its
/// generated code: those get a stable hash of their exact name appended. The clashes are found once over all models'
/// names (a step that stays cached while no model is added, removed or renamed), not by a scan of the compilation's
/// declarations for each model on every keystroke.
/// </summary>
internal static class HintNames
{
    /// <summary>The full names that another model's full name equals when case is ignored (ordinal order).</summary>
    public static EquatableArray<string> CaseClashes(IEnumerable<string> fullNames)
        => fullNames.Distinct(StringComparer.Ordinal)
            .GroupBy(name => name, StringComparer.OrdinalIgnoreCase)
            .Where(group => group.Count() > 1)
            .SelectMany(group => group)
            .OrderBy(name => name, StringComparer.Ordinal)
            .ToEquatableArray();

    /// <summary>The file name of the model called <paramref name="fullName"/>, given the names that clash.</summary>
    public static string For(string fullName, EquatableArray<string> clashes)
        // '-' cannot occur in a C# name, so "Net-1a2b3c4d" is never another model's plain name (as "Net.deadbeef" could be).
        => clashes.Contains(fullName) ? $"{fullName}-{StableHash(fullName):x8}.g.cs" : fullName + ".g.cs";

    /// <summary>FNV-1a over the UTF-16 code units: the same on every machine and run (string.GetHashCode is randomised).</summary>
    private static uint StableHash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text) hash = unchecked((hash ^ c) * 16777619);
        return hash;
    }
}
