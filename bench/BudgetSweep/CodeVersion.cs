using System;
using System.Diagnostics;

namespace NpasDsl.Bench.BudgetSweep;

/// <summary>Which code measured a result: the commit of the working tree the bench runs from, recorded with each result line.</summary>
public static class CodeVersion
{
    /// <summary>The short commit hash, with "+changes" when the tree has uncommitted changes; "unknown" without git.</summary>
    public static string Commit()
    {
        string? Git(string arguments)
        {
            try
            {
                using var git = Process.Start(new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
                if (git is null) return null;
                string output = git.StandardOutput.ReadToEnd().Trim();
                git.WaitForExit();
                return git.ExitCode == 0 ? output : null;
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                return null; // no git on this machine
            }
        }
        if (Git("rev-parse --short HEAD") is not { Length: > 0 } head) return "unknown";
        // Uncommitted changes to the code, not to the results and reports the sweep itself writes.
        return Git("status --porcelain --untracked-files=no -- . :!docs") is { Length: > 0 } ? head + "+changes" : head;
    }
}
