using System;

namespace NpasDsl.Allocation;

/// <summary>A checkpoint or saved allocation that does not fit the model's allocation.</summary>
public sealed class AllocationMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AllocationMismatchException(string message) : base(message) { }

    /// <summary>Creates the exception with <paramref name="difference"/>, what differs, apart from the fix the message gives.</summary>
    public AllocationMismatchException(string message, string difference) : base(message) => Difference = difference;

    /// <summary>
    /// What differs ("the budget is 14,964 here but 7,482 there"), without the message's fix, which is written for a
    /// programmer; a command-line program reports this with a fix in its own options. Null where not known.
    /// </summary>
    public string? Difference { get; }

    /// <summary>
    /// Where the checkpoint is of the other kind of subject, what saved it ("a family of networks (A+B)", "a single 'A'"):
    /// then no allocation makes it fit, and a resume must be run by a trainer of that kind. Null otherwise.
    /// </summary>
    public string? SavedFrom { get; init; }
}
