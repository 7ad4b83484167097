using System;

namespace NpasDsl.Training;

/// <summary>
/// Coefficient unsharing (<see cref="TrainerOptions.UnshareAtEpoch"/>) was asked of a trainer that cannot run it: the
/// model shares no coefficient vectors, it is a family of networks or a member of one, or no function to rebuild the model was given.
/// Thrown by the trainer's constructor, before anything trains; the message names the fix.
/// </summary>
public sealed class UnsharingUnavailableException : ArgumentException
{
    /// <summary>Creates the exception with the message that names the fix.</summary>
    public UnsharingUnavailableException(string message) : base(message) { }
}
