using System;
using System.Threading;
using Spectre.Console;

namespace NpasDsl.Training;

/// <summary>Where a run is, reported after every step.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy, double ExamplesPerSecond, TimeSpan Remaining);

/// <summary>
/// The console display of a run: a live Spectre.Console progress bar with loss, accuracy, throughput and time
/// left when a person watches a terminal, and plain lines (one per 100 batches and per epoch) when output is
/// redirected or the <c>CI</c> variable is set.
/// </summary>
public static class ConsoleProgress
{
    /// <summary>Whether to draw a live display: output goes to a terminal and this is not a CI run.</summary>
    public static bool IsInteractive(bool outputRedirected, string? ciVariable) => !outputRedirected && string.IsNullOrEmpty(ciVariable);

    /// <summary>Runs <paramref name="train"/> with a progress reporter and a line logger suited to the console.</summary>
    /// <remarks>Ctrl+C ends the process as usual (nothing reads a token here); the overload with a token stops a trainer cleanly.</remarks>
    public static T Run<T>(Func<IProgress<TrainingProgress>?, Action<string>, T> train) => RunWithDisplay((progress, log, _) => train(progress, log), CancellationToken.None,
        IsInteractive(Console.IsOutputRedirected, Environment.GetEnvironmentVariable("CI")));

    /// <summary>
    /// Runs <paramref name="train"/> with a progress reporter, a line logger suited to the console, and a token that the
    /// first Ctrl+C cancels: pass it to <see cref="Trainer.Run(CancellationToken)"/>, which then stops before its next batch
    /// with a checkpoint of that point (where it has a checkpoint directory). A second Ctrl+C ends the process at once, as it would without this.
    /// </summary>
    public static T Run<T>(Func<IProgress<TrainingProgress>?, Action<string>, CancellationToken, T> train)
    {
        bool interactive = IsInteractive(Console.IsOutputRedirected, Environment.GetEnvironmentVariable("CI"));
        var display = new LiveTask();
        // Said before the token is cancelled: once it is, the run may stop and exit before a later write lands. Under the
        // live display a line written from the signal thread would tear the bar, so the bar itself says it (through
        // LiveTask, which orders this with the training thread's progress text).
        using var interrupt = new FirstCtrlC(() =>
        {
            if (interactive) display.Show(InterruptingOnBar);
            else Console.Error.WriteLine(Interrupting);
        });
        return RunWithDisplay(train, interrupt.Token, interactive, display);
    }

    /// <summary>
    /// Runs <paramref name="work"/> (a group search, before any progress display) with a token that the first Ctrl+C
    /// cancels, after writing <paramref name="announcement"/> to standard error; a second Ctrl+C ends the process at once.
    /// </summary>
    public static T Interruptible<T>(Func<CancellationToken, T> work, string announcement = InterruptingSearch)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var interrupt = new FirstCtrlC(() => Console.Error.WriteLine(announcement));
        return work(interrupt.Token);
    }

    /// <summary>What the first Ctrl+C during a group search's warm-up prints.</summary>
    public const string InterruptingSearch = "interrupt: stopping the group search after this warm-up step (Ctrl+C again ends the process at once)";

    /// <summary>
    /// While alive, turns the first Ctrl+C into a cancelled token (announced first) instead of the end of the process;
    /// a second Ctrl+C, or one after disposal, ends the process as usual.
    /// </summary>
    private sealed class FirstCtrlC : IDisposable
    {
        private readonly CancellationTokenSource _interrupt = new(); // no timer: nothing to dispose, so a late signal cannot meet a disposed source
        private readonly object _gate = new();
        private readonly Action _announce;
        private bool _finished;

        public FirstCtrlC(Action announce)
        {
            _announce = announce;
            Console.CancelKeyPress += OnCancel;
        }

        public CancellationToken Token => _interrupt.Token;

        private void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            lock (_gate) // the handler runs on a signal thread, possibly while the work is ending
            {
                if (_finished || _interrupt.IsCancellationRequested) return; // the second Ctrl+C: let it end the process
                e.Cancel = true;
                _announce();
                _interrupt.Cancel();
            }
        }

        public void Dispose()
        {
            lock (_gate) _finished = true;
            Console.CancelKeyPress -= OnCancel;
        }
    }

    /// <summary>
    /// What the first Ctrl+C prints. It promises no checkpoint (a run without a checkpoint directory keeps none) and no
    /// stop (a signal after the last batch lets the run finish): the trainer's exception says what was kept.
    /// </summary>
    internal const string Interrupting = "interrupt: stopping before the next batch (Ctrl+C again ends the process at once)";

    /// <summary>The same on the live bar, short enough for an 80-column terminal (a longer one is cut to "…").</summary>
    internal const string InterruptingOnBar = "interrupt: stopping (Ctrl+C again: at once)";

    private static T RunWithDisplay<T>(Func<IProgress<TrainingProgress>?, Action<string>, CancellationToken, T> train, CancellationToken token, bool interactive,
        LiveTask? display = null)
    {
        if (!interactive)
            return train(null, Console.WriteLine, token);

        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask("starting", maxValue: 1);
                if (display is not null) display.Task = task;
                var reporter = new Reporter(p =>
                {
                    task.MaxValue = (double)p.Epochs * p.Batches;
                    task.Value = (double)(p.Epoch - 1) * p.Batches + p.Batch;
                    string text = $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.0000} acc {p.Accuracy:0.0000} {p.ExamplesPerSecond:0}/s eta {(int)p.Remaining.TotalHours}:{p.Remaining:mm\\:ss}";
                    if (display is not null) display.Describe(text);
                    else task.Description = text;
                });
                try
                {
                    result = train(reporter, line => AnsiConsole.WriteLine(line), token);
                }
                catch (OperationCanceledException)
                {
                    // The run stops within a batch of the signal, often before the next automatic refresh: the last frame
                    // should say why the bar stopped.
                    context.Refresh();
                    throw;
                }
                finally
                {
                    if (display is not null) display.Task = null;
                }
            });
        return result;
    }

    /// <summary>
    /// The live display's task, shared by the training thread (the progress text) and the Ctrl+C handler (the
    /// interruption). One lock orders them, so that once the interruption is shown no later progress text replaces it.
    /// </summary>
    private sealed class LiveTask
    {
        private readonly object _gate = new();
        private ProgressTask? _task;
        private string? _interruption;

        /// <summary>The task; one set after an interruption (a Ctrl+C before the bar existed) shows it at once.</summary>
        public ProgressTask? Task
        {
            set
            {
                lock (_gate)
                {
                    _task = value;
                    if (_interruption is not null && value is not null) value.Description = _interruption;
                }
            }
        }

        /// <summary>Shows the progress text, unless the run was interrupted.</summary>
        public void Describe(string text)
        {
            lock (_gate)
                if (_interruption is null && _task is { } task) task.Description = text;
        }

        /// <summary>Shows the interruption, for good.</summary>
        public void Show(string text)
        {
            lock (_gate)
            {
                _interruption = Markup.Escape(text);
                if (_task is { } task) task.Description = _interruption;
            }
        }
    }

    /// <summary>
    /// Runs the trainer <paramref name="create"/> makes (from the console's progress reporter and logger), stopping it with a
    /// checkpoint at the first Ctrl+C (<see cref="TrainingInterruptedException"/>), and returns its
    /// epochs and the model it ended with: the one given, or after a coefficient split (<c>--unshare-at</c>) the rebuilt one.
    /// </summary>
    /// <exception cref="InvalidOperationException">The trainer trains a family of networks, which has no one model: use <see cref="Run{T}(Func{IProgress{TrainingProgress}, Action{string}, CancellationToken, T})"/>.</exception>
    public static (System.Collections.Generic.IReadOnlyList<EpochRecord> History, NpasModule Model) Train(Func<IProgress<TrainingProgress>?, Action<string>, Trainer> create)
        => Run((progress, log, interrupt) =>
        {
            var trainer = create(progress, log);
            if (trainer.Model is null) throw new InvalidOperationException("ConsoleProgress.Train returns the trained model; a family trainer has none, use ConsoleProgress.Run.");
            var history = trainer.Run(interrupt);
            return (history, trainer.Model!);
        });

    /// <summary>Reports synchronously, on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
