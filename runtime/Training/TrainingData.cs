using System;
using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace NpasDsl.Training;

/// <summary>
/// A classification data set held in memory: inputs [N, ...] and int64 labels [N], for training and for evaluation.
/// The trainer reports its accuracy on the evaluation set (Test*) after every epoch: the test set, or a validation
/// split made by <see cref="HoldOut"/>.
/// </summary>
public sealed record TrainingData(Tensor TrainInputs, Tensor TrainLabels, Tensor TestInputs, Tensor TestLabels)
{
    /// <summary>What the evaluation set is ("test", or "validation" after <see cref="HoldOut"/>): it names the accuracy in logs, metrics.csv and the plot.</summary>
    public string Evaluation { get; init; } = "test";

    /// <summary>
    /// What makes this data unusable for the trainer, with the fix, or null: libtorch would otherwise fail deep inside a
    /// step with a native message (an index out of range, "expected scalar type Long"), or report an accuracy of NaN.
    /// </summary>
    public string? Problem()
    {
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        // Before any shape is read: a null tensor (nullable checks off) threw a NullReferenceException, a 0-dimensional one an IndexOutOfRangeException.
        foreach (var (name, tensor) in new[] { (nameof(TrainInputs), TrainInputs), (nameof(TrainLabels), TrainLabels), (nameof(TestInputs), TestInputs), (nameof(TestLabels), TestLabels) })
        {
            if (tensor is null) return $"{name} is null; give a tensor with one entry per example along dimension 0";
            if (tensor.dim() == 0) return $"{name} is a single number (a tensor of no dimensions); give a tensor with one entry per example along dimension 0 (unsqueeze(0) for one example)";
        }
        if (TrainInputs.shape[0] == 0) return "the training set has no examples; give the trainer at least one";
        if (TestInputs.shape[0] == 0) return $"the {Evaluation} set has no examples; give it at least one (or hold out a validation split)";
        foreach (var (name, inputs, labels) in new[] { ("training", TrainInputs, TrainLabels), (Evaluation, TestInputs, TestLabels) })
        {
            if (labels.dim() != 1) return $"the {name} labels must be one class index per example (shape [N]), not shape [{string.Join(", ", labels.shape)}]";
            if (labels.shape[0] != inputs.shape[0]) return $"the {name} set has {N(inputs.shape[0])} inputs but {N(labels.shape[0])} labels; give one label per input";
            if (labels.dtype != ScalarType.Int64) return $"the {name} labels are {labels.dtype}; class indices must be Int64 (labels.to(ScalarType.Int64))";
            if (labels.shape[0] > 0 && labels.min().item<long>() is var smallest && smallest < 0)
                return $"the {name} labels include {N(smallest)}, but class indices start at 0; number the classes 0 to C - 1 (drop or relabel examples marked {N(smallest)})";
        }
        if (!TrainInputs.shape.Skip(1).SequenceEqual(TestInputs.shape.Skip(1)))
            return $"training inputs have shape [N, {string.Join(", ", TrainInputs.shape.Skip(1))}] but {Evaluation} inputs [N, {string.Join(", ", TestInputs.shape.Skip(1))}]; give both the same example shape";
        return null;
    }

    /// <summary>
    /// Why logits of <paramref name="outputs"/> classes (unknown where libtorch refused the labels first) cannot score labels
    /// up to <paramref name="largest"/>, with the fix: the trainer's and the group search's refusal.
    /// </summary>
    internal static string LabelsBeyondOutputs(long largest, string model, long? outputs)
    {
        var c = CultureInfo.InvariantCulture;
        string scores = outputs is { } count
            ? string.Format(c, "'{0}' gives {1:N0} outputs, one per class 0 to {2:N0}", model, count, count - 1)
            : string.Format(c, "'{0}' gives fewer outputs than that", model);
        return string.Format(c,
            "The labels go up to class {0:N0}, but {1}; give the last layer one output per class (at least {2:N0}), or number the classes from 0 (labels - 1 for labels counted from 1).",
            largest, scores, largest + 1);
    }

    /// <summary>The largest class index of the training and evaluation labels: the model needs more outputs than this.</summary>
    internal long LargestLabel()
    {
        using var _ = no_grad();
        long train = TrainLabels.shape[0] > 0 ? TrainLabels.max().item<long>() : 0;
        long test = TestLabels.shape[0] > 0 ? TestLabels.max().item<long>() : 0;
        return Math.Max(train, test);
    }

    /// <summary>
    /// A validation split: trains on the first N − <paramref name="count"/> training examples and evaluates on the last
    /// <paramref name="count"/>, so that choices made on the reported accuracy (a learning rate, an epoch count) never
    /// see the test set. Both parts are views of the training tensors (created in whatever dispose scope is open, so call
    /// it outside one that ends before training does); the split is fixed, not drawn, so every run and every
    /// configuration that holds out the same count sees the same examples.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not between 1 and N − 1.</exception>
    /// <exception cref="InvalidOperationException">The training inputs or labels are null or a single number.</exception>
    public TrainingData HoldOut(long count)
    {
        // The training tensors are the ones split (a null or 0-dimensional one threw a NullReferenceException or IndexOutOfRangeException).
        if (TrainInputs is null || TrainLabels is null || TrainInputs.dim() == 0 || TrainLabels.dim() == 0)
            throw new InvalidOperationException($"No validation split can be held out: {Problem()}.");
        long n = TrainInputs.shape[0];
        if (count < 1 || count >= n)
            throw new ArgumentOutOfRangeException(nameof(count), count, string.Format(CultureInfo.InvariantCulture,
                "A validation split must hold out between 1 and {0:N0} of the {1:N0} training examples (some must be left to train on), not {2:N0}.", n - 1, n, count));
        long kept = n - count;
        return new TrainingData(TrainInputs.narrow(0, 0, kept), TrainLabels.narrow(0, 0, kept), TrainInputs.narrow(0, kept, count), TrainLabels.narrow(0, kept, count))
        {
            Evaluation = "validation",
        };
    }
}

/// <summary>One finished epoch; <see cref="TestAccuracy"/> is on the evaluation set (<see cref="TrainingData.Evaluation"/>), <see cref="LearningRate"/> the rate of its last batch.</summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double TrainAccuracy, double TestAccuracy, double LearningRate, double Seconds);

/// <summary>Thrown when the loss stops being a finite number; the last good checkpoint is kept.</summary>
public sealed class TrainingDivergedException : System.Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message) : base(message) { }

    /// <summary>Creates the exception for a failure reported by <paramref name="inner"/> (a native overflow of the update).</summary>
    public TrainingDivergedException(string message, System.Exception inner) : base(message, inner) { }
}
