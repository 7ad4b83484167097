using System;
using System.Collections.Generic;
using System.IO;
using NpasDsl.Allocation;
using NpasDsl.Planning;
using NpasDsl.Training;
using Xunit;

namespace NpasDsl.Runtime.Tests.Training;

public sealed class ExitCodesTests
{
    public static TheoryData<Exception, int> Failures() => new()
    {
        { new ArgumentException("--epochs needs a positive integer, not '0'."), ExitCodes.BadArguments },
        { new UnsharingUnavailableException("no shared coefficient vectors"), ExitCodes.BadArguments },
        { new FileNotFoundException("train-images-idx3-ubyte is missing"), ExitCodes.DataUnavailable },
        { new DirectoryNotFoundException("no such directory"), ExitCodes.DataUnavailable },
        { new InvalidDataException("not an IDX file"), ExitCodes.DataUnavailable },
        { new EndOfStreamException("a truncated checkpoint"), ExitCodes.DataUnavailable },
        { new IOException("No space left on device"), ExitCodes.DataUnavailable },
        { new UnauthorizedAccessException("Access to the path is denied."), ExitCodes.DataUnavailable },
        { new BudgetInfeasibleException("Net", budget: 10, minimum: 20, unshared: 100), ExitCodes.BudgetInfeasible },
        { new TrainingDivergedException("loss is NaN"), ExitCodes.TrainingStopped },
        { new AllocationMismatchException("another allocation"), ExitCodes.TrainingStopped },
        { new CheckpointException("unreadable"), ExitCodes.TrainingStopped },
        { new CheckpointMismatchException("another run"), ExitCodes.TrainingStopped },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Each_kind_of_failure_has_its_own_exit_code(Exception failure, int code)
        => Assert.Equal(code, ExitCodes.For(failure));

    [Fact]
    public void The_codes_are_distinct_and_none_is_success_or_the_runtime_crash_code()
    {
        var codes = new[] { ExitCodes.BadArguments, ExitCodes.DataUnavailable, ExitCodes.BudgetInfeasible, ExitCodes.TrainingStopped };
        Assert.Equal(codes.Length, new HashSet<int>(codes).Count);
        Assert.DoesNotContain(ExitCodes.Success, codes);
        Assert.DoesNotContain(1, codes); // what an unhandled exception in a .NET program exits with
    }

    [Fact]
    public void A_defect_gets_no_code_so_that_it_surfaces_with_its_stack_trace()
    {
        Assert.Null(ExitCodes.For(new NullReferenceException()));
        Assert.Null(ExitCodes.For(new KeyNotFoundException("No bank 'x'.")));
        Assert.Null(ExitCodes.For(new InvalidOperationException()));
        var refused = Assert.Throws<ArgumentException>(() => ExitCodes.Report(new NullReferenceException()));
        Assert.Contains("NullReferenceException is not a failure with an exit code", refused.Message);
    }
}
