using System;

namespace NpasDsl.Training;

/// <summary>
/// A command line that cannot be read: an option no program knows, or one given without its value. Of all the argument
/// errors only these are answered with the usage (<see cref="ExitCodes.Report"/>): after a wrong value the one-line
/// message says what to type, and sixty lines of usage would scroll it away.
/// </summary>
public sealed class CommandLineSyntaxException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public CommandLineSyntaxException(string message) : base(message) { }
}
