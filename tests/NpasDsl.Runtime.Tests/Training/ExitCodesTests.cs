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
        { new TrainingInterruptedException("Ctrl+C", epoch: 1, batch: 2, checkpointed: true, System.Threading.CancellationToken.None), ExitCodes.Interrupted },
        { new NpasDsl.GroupSearch.GroupSearchInterruptedException("Ctrl+C in the warm-up", stepsDone: 3, steps: 10, System.Threading.CancellationToken.None), ExitCodes.Interrupted },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Each_kind_of_failure_has_its_own_exit_code(Exception failure, int code)
        => Assert.Equal(code, ExitCodes.For(failure));

    [Fact]
    public void The_codes_are_distinct_and_none_is_success_or_the_runtime_crash_code()
    {
        var codes = new[] { ExitCodes.BadArguments, ExitCodes.DataUnavailable, ExitCodes.BudgetInfeasible, ExitCodes.TrainingStopped, ExitCodes.Interrupted };
        Assert.Equal(codes.Length, new HashSet<int>(codes).Count);
        Assert.DoesNotContain(ExitCodes.Success, codes);
        Assert.DoesNotContain(1, codes); // what an unhandled exception in a .NET program exits with
    }

    [Fact]
    public void The_reported_line_leaves_out_the_csharp_parameter_dotnet_appends()
    {
        var e = new ArgumentException("Invalid budget for 'FashionNet': 0 is not above 0.", "options");
        Assert.EndsWith("(Parameter 'options')", e.Message);
        Assert.Equal("Invalid budget for 'FashionNet': 0 is not above 0.", ExitCodes.Line(e));
        Assert.Equal("no parameter named", ExitCodes.Line(new ArgumentException("no parameter named")));
    }

    [Fact]
    public void Only_a_command_line_that_cannot_be_read_is_answered_with_the_usage()
    {
        Assert.Equal("error: Unknown option '--epoch'.\nusage: X", ExitCodes.Text(new CommandLineSyntaxException("Unknown option '--epoch'."), "usage: X"));
        Assert.Equal("error: --epochs needs a positive integer, not '0'.", ExitCodes.Text(new ArgumentException("--epochs needs a positive integer, not '0'."), "usage: X"));
        var line = new TrainerCommandLine(new TrainerOptions());
        Assert.Throws<CommandLineSyntaxException>(() => line.Read(new[] { "--epoch", "3" }, (_, _) => false));
        Assert.Throws<CommandLineSyntaxException>(() => line.Read(new[] { "--epochs" }, (_, _) => false));
        Assert.IsNotType<CommandLineSyntaxException>(Assert.ThrowsAny<ArgumentException>(() => line.Read(new[] { "--epochs", "0" }, (_, _) => false)));
    }

    [Theory]
    [InlineData("0.1", 0.1)]
    [InlineData("1000", 1000.0)]
    public void A_budget_fraction_is_checked_where_it_is_typed(string text, double expected)
        => Assert.Equal(expected, TrainerCommandLine.BudgetFraction("--budget", text));

    [Theory]
    [InlineData("1000000")]
    [InlineData("0")]
    [InlineData("10%")]
    [InlineData("NaN")]
    public void A_budget_that_is_no_fraction_names_the_range(string text)
        => Assert.Equal($"--budget needs a fraction of the unshared model above 0 and at most 1000 (e.g. 0.1 or 2), not '{text}'.",
            Assert.Throws<ArgumentException>(() => TrainerCommandLine.BudgetFraction("--budget", text)).Message);

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
