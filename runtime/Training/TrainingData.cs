using static TorchSharp.torch;

namespace NpasDsl.Training;

/// <summary>A classification data set held in memory: inputs [N, ...] and int64 labels [N], for training and for testing.</summary>
public sealed record TrainingData(Tensor TrainInputs, Tensor TrainLabels, Tensor TestInputs, Tensor TestLabels);

/// <summary>One finished epoch; <see cref="LearningRate"/> is the rate of its last batch.</summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double TrainAccuracy, double TestAccuracy, double LearningRate, double Seconds);

/// <summary>Thrown when the loss stops being a finite number; the last good checkpoint is kept.</summary>
public sealed class TrainingDivergedException : System.Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message) : base(message) { }
}
