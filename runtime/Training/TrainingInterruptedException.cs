using System;
using System.Threading;

namespace NpasDsl.Training;

/// <summary>
/// Thrown by <see cref="Trainer.Run(CancellationToken)"/> when its token is cancelled (in the examples: Ctrl+C). The run
/// stops between two batches, after a checkpoint of exactly where it stopped where there is a checkpoint directory, so
/// a resumed run ends as an uninterrupted one would.
/// </summary>
public sealed class TrainingInterruptedException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    public TrainingInterruptedException(string message, int epoch, int batch, bool checkpointed, CancellationToken token)
        : base(message, token)
    {
        Epoch = epoch;
        Batch = batch;
        Checkpointed = checkpointed;
    }

    /// <summary>The 1-based epoch the run was in.</summary>
    public int Epoch { get; }

    /// <summary>Batches of that epoch that were done.</summary>
    public int Batch { get; }

    /// <summary>Whether the checkpoint directory holds the run up to where it stopped.</summary>
    public bool Checkpointed { get; }
}
