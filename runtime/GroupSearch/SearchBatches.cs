using System;
using System.Linq;
using NpasDsl.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace NpasDsl.GroupSearch;

/// <summary>
/// The warm-up loss of a group search on a classification training set: cross-entropy on the next batch of a seeded
/// shuffle, reshuffled after every pass, so a search sees the same batches whenever it runs with the same seed. Only
/// the training inputs are read: a search run beside a validation split never sees the held-out examples.
/// </summary>
public sealed class SearchBatches
{
    private readonly Tensor _inputs, _labels;
    private readonly int _batchSize;
    private readonly Device? _device;
    private readonly Random _random;
    private long[] _order = Array.Empty<long>();
    private int _next;

    /// <summary>Batches of <paramref name="batchSize"/> examples of <paramref name="data"/>'s training set, moved to <paramref name="device"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The training set has no examples.</exception>
    public SearchBatches(TrainingData data, int batchSize, long seed, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "A group search needs batches of at least one example.");
        if (data.TrainInputs.shape[0] == 0) throw new ArgumentException("A group search needs training examples; the training set is empty.", nameof(data));
        (_inputs, _labels, _batchSize, _device) = (data.TrainInputs, data.TrainLabels, batchSize, device);
        _random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        using (no_grad()) _largestLabel = data.TrainLabels.max().item<long>();
    }

    private readonly long _largestLabel;

    /// <summary>The loss of <paramref name="model"/> on the next batch (a tensor of the dispose scope the caller has open).</summary>
    public Tensor Loss(NpasModule model)
    {
        var index = tensor(NextBatch());
        var inputs = _inputs.index_select(0, index);
        var labels = _labels.index_select(0, index);
        if (_device is { } device)
        {
            inputs = inputs.to(device);
            labels = labels.to(device);
        }
        var logits = model.call(inputs);
        // cross_entropy would refuse a label beyond the outputs with a native error that names neither.
        if (logits.dim() == 2 && logits.size(1) <= _largestLabel)
            throw new ArgumentException(TrainingData.LabelsBeyondOutputs(_largestLabel, model.Network.ModelName, logits.size(1)));
        return cross_entropy(logits, labels);
    }

    /// <summary>The indices of the next batch: every example once per pass, the last batch of a pass possibly shorter.</summary>
    internal long[] NextBatch()
    {
        if (_next >= _order.Length)
        {
            _order = Enumerable.Range(0, (int)_inputs.shape[0]).Select(i => (long)i).ToArray();
            _random.Shuffle(_order);
            _next = 0;
        }
        int count = Math.Min(_batchSize, _order.Length - _next);
        var batch = _order.AsSpan(_next, count).ToArray();
        _next += count;
        return batch;
    }
}
