using System;
using System.IO;

namespace NpasDsl.Runtime.Tests;

/// <summary>
/// A test class whose every test gets its own path under the temporary folder (<see cref="Scratch"/>, not created:
/// a test makes what it needs there), deleted after the test, whether it became a directory or a file.
/// </summary>
public abstract class ScratchDirectoryTest : IDisposable
{
    /// <summary>Names the path after <paramref name="prefix"/>, so a leftover says which tests left it.</summary>
    protected ScratchDirectoryTest(string prefix) => Scratch = Path.Combine(Path.GetTempPath(), $"npas-{prefix}-{Guid.NewGuid():N}");

    /// <summary>This test's own path.</summary>
    protected string Scratch { get; }

    /// <summary>Deletes what the test left at <see cref="Scratch"/>.</summary>
    public void Dispose()
    {
        if (Directory.Exists(Scratch)) Directory.Delete(Scratch, recursive: true);
        else if (File.Exists(Scratch)) File.Delete(Scratch);
        GC.SuppressFinalize(this);
    }
}
