using System;

namespace NpasDsl.Training;

/// <summary>
/// A checkpoint directory the trainer cannot use as asked: not writable, holding a run that a fresh start would
/// overwrite, or holding a checkpoint that cannot be read. The message names the directory and what to do.
/// </summary>
public class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string message, Exception? inner = null) : base(message, inner) { }
}
