using System;
using System.Threading;

namespace NpasDsl.GroupSearch;

/// <summary>
/// A group search stopped by its <see cref="GroupSearchOptions.Cancellation"/> token (in the examples: Ctrl+C) between
/// two warm-up steps. It returns no groups and writes nothing, so there is nothing half-done to clean up: search again.
/// </summary>
public sealed class GroupSearchInterruptedException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    public GroupSearchInterruptedException(string message, int stepsDone, int steps, CancellationToken token) : base(message, token)
    {
        StepsDone = stepsDone;
        Steps = steps;
    }

    /// <summary>Warm-up steps done when it stopped.</summary>
    public int StepsDone { get; }

    /// <summary>Warm-up steps the search was to take.</summary>
    public int Steps { get; }
}
