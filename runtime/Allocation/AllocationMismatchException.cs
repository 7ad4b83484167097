using System;

namespace NpasDsl.Allocation;

/// <summary>A checkpoint or saved allocation that does not fit the model's allocation.</summary>
public sealed class AllocationMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AllocationMismatchException(string message) : base(message) { }
}
