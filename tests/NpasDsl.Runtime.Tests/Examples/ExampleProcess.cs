using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace NpasDsl.Runtime.Tests.Examples;

/// <summary>Runs a built example as a real process, the way a user does.</summary>
internal static class ExampleProcess
{
    /// <summary>The example's DLL, built with the same configuration as the tests.</summary>
    public static string Dll(string example)
    {
        // tests/NpasDsl.Runtime.Tests/bin/<Configuration>/<framework>/ → examples/<example>/bin/<Configuration>/<framework>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = output.Name, configuration = output.Parent!.Name;
        var root = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(root, "examples", example, "bin", configuration, framework, example + ".dll");
        Assert.True(File.Exists(dll), $"The example is not built at {dll}; build the solution first.");
        return dll;
    }

    public static Process Start(string example, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll(example));
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["CI"] = "true";
        return Process.Start(info)!;
    }

    /// <summary>Waits for a successful exit; returns standard output.</summary>
    public static string Finish(Process process)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(240_000), "the example did not finish in 4 minutes");
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {error.Result}");
        return output.Result;
    }

    /// <summary>Waits for an exit that is not a success; returns the exit code, standard output and standard error.</summary>
    public static (int ExitCode, string Output, string Error) Refusal(Process process)
    {
        var (exitCode, output, error) = Outcome(process);
        Assert.True(exitCode != 0, $"the example succeeded: {output}");
        return (exitCode, output, error);
    }

    /// <summary>Waits for any exit; returns the exit code, standard output and standard error.</summary>
    public static (int ExitCode, string Output, string Error) Outcome(Process process)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(240_000), "the example did not finish in 4 minutes");
        return (process.ExitCode, output.Result, error.Result);
    }
}
