using System;
using System.IO;
using NpasDsl.Allocation;
using NpasDsl.Planning;

namespace NpasDsl.Training;

/// <summary>
/// The exit codes of the example and benchmark programs: one per kind of failure, so that a script driving many runs
/// can tell a mistyped option from missing data, a budget the network cannot meet, or a run that stopped. Every
/// failure is reported as one line <c>error: …</c> on standard error that names the problem and the fix.
/// </summary>
public static class ExitCodes
{
    /// <summary>The run finished (or <c>--help</c> printed the usage).</summary>
    public const int Success = 0;

    /// <summary>
    /// A command-line value is wrong, including a file it names that is missing or not of its kind (<c>--allocation</c>,
    /// <c>--fuse-from</c>), or an option cannot apply to this model (<c>--unshare-at</c> on a model without shared
    /// coefficient vectors, a validation split that holds out every image).
    /// </summary>
    public const int BadArguments = 2;

    /// <summary>
    /// A data set is missing, unreadable or not in the expected format, or a file outside the checkpoint directory cannot
    /// be written (a full disk, a directory without write permission).
    /// </summary>
    public const int DataUnavailable = 3;

    /// <summary>The declared network cannot be built under the budget; the message gives the numbers.</summary>
    public const int BudgetInfeasible = 4;

    /// <summary>
    /// Training stopped or cannot go on in its checkpoint directory: the loss became non-finite (the last good checkpoint
    /// is kept), the checkpoint to resume from cannot be read or belongs to another model or run, or the directory is a
    /// file, holds another run, or cannot take a checkpoint or the metrics (<see cref="CheckpointException"/>).
    /// </summary>
    public const int TrainingStopped = 5;

    /// <summary>
    /// The run was interrupted (Ctrl+C; <see cref="TrainingInterruptedException"/>) and stopped between two batches, after a
    /// checkpoint of that point where it has a checkpoint directory: <c>--resume</c> continues it. Or its group search was
    /// interrupted during the warm-up (<see cref="NpasDsl.GroupSearch.GroupSearchInterruptedException"/>), before anything
    /// was written. 130 is what a shell reports for a program ended by Ctrl+C (128 + SIGINT).
    /// </summary>
    public const int Interrupted = 130;

    /// <summary>
    /// The exit code for a failure a program reports in one line, or <see langword="null"/> for any other exception:
    /// that one is a defect, and the program should let it surface with its stack trace.
    /// </summary>
    public static int? For(Exception failure) => failure switch
    {
        TrainingInterruptedException or NpasDsl.GroupSearch.GroupSearchInterruptedException => Interrupted,
        BudgetInfeasibleException => BudgetInfeasible,
        TrainingDivergedException or AllocationMismatchException or CheckpointException => TrainingStopped,
        IOException or UnauthorizedAccessException or InvalidDataException => DataUnavailable, // IOException: also missing, truncated, full disk
        ArgumentException => BadArguments,
        _ => null,
    };

    /// <summary>
    /// Writes <c>error: message</c> (and <paramref name="usage"/> after a <see cref="CommandLineSyntaxException"/>: an
    /// unknown option or a missing value; after a wrong value the message alone says what to type) to
    /// standard error and returns the failure's exit code. Use it in a filter that has checked
    /// <see cref="For"/>: <c>catch (Exception e) when (ExitCodes.For(e) is not null) { return ExitCodes.Report(e); }</c>.
    /// </summary>
    public static int Report(Exception failure, string? usage = null)
    {
        int code = For(failure) ?? throw new ArgumentException($"{failure.GetType().Name} is not a failure with an exit code; let it surface.", nameof(failure));
        Console.Error.WriteLine(Text(failure, usage));
        return code;
    }

    /// <summary>What <see cref="Report"/> writes: the error line, and the usage after a command line that cannot be read.</summary>
    internal static string Text(Exception failure, string? usage)
        => usage is not null && failure is CommandLineSyntaxException ? $"error: {Line(failure)}\n{usage}" : $"error: {Line(failure)}";

    /// <summary>
    /// The failure's message as a user should read it: without the " (Parameter 'options')" that .NET appends to an
    /// argument exception, which names a C# parameter the user never wrote.
    /// </summary>
    internal static string Line(Exception failure)
    {
        string message = failure.Message;
        if (failure is ArgumentException { ParamName: { } parameter } && message.EndsWith($" (Parameter '{parameter}')", StringComparison.Ordinal))
            message = message.Substring(0, message.Length - $" (Parameter '{parameter}')".Length);
        return message;
    }
}
