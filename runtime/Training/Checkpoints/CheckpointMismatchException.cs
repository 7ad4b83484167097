namespace NpasDsl.Training;

/// <summary>
/// A checkpoint that <c>--resume</c> cannot continue with this run's data or settings (another number of training
/// examples, batch size, seed, batches per epoch, optimizer or coefficient unsharing (<c>--unshare-at</c>,
/// <c>--unshare-threshold</c>), or fewer epochs than it has done); nothing is loaded.
/// The message says what differs and what to do.
/// </summary>
public sealed class CheckpointMismatchException : CheckpointException
{
    /// <summary>Creates the exception.</summary>
    public CheckpointMismatchException(string message, System.Exception? inner = null) : base(message, inner) { }
}
