using System;

namespace NpasDsl.Training;

/// <summary>A checkpoint that <c>--resume</c> cannot continue with this run's data; the message says what differs and what to do.</summary>
public sealed class CheckpointMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointMismatchException(string message) : base(message) { }
}
