using System;
using System.Diagnostics;
using System.Globalization;
using NpasDsl.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace NpasDsl.Examples.FashionMnist;

/// <summary>The example's training loop: AdamW with a per-epoch cosine schedule, seeded data order, one dispose scope per step.</summary>
public sealed class Trainer
{
    private readonly NpasModule _model;
    private readonly FashionMnistDataset _data;
    private readonly TrainingOptions _options;
    private readonly Device _device;
    private readonly optim.Optimizer _optimizer;
    private readonly optim.lr_scheduler.LRScheduler _schedule;
    private readonly Generator _order;

    public Trainer(NpasModule model, FashionMnistDataset data, TrainingOptions options, Device device)
    {
        _model = model;
        _data = data;
        _options = options;
        _device = device;
        _optimizer = optim.AdamW(model.parameters(), lr: options.LearningRate, weight_decay: 0);
        _schedule = optim.lr_scheduler.CosineAnnealingLR(_optimizer, T_max: options.Epochs);
        _order = new Generator(unchecked((ulong)options.Seed));
    }

    /// <summary>One pass over the (shuffled) training set; returns mean loss and accuracy.</summary>
    public (double Loss, double Accuracy) TrainEpoch(int epoch)
    {
        _model.train();
        long count = _data.TrainImages.shape[0];
        using var order = randperm(count, generator: _order);
        long batches = (count + _options.BatchSize - 1) / _options.BatchSize;
        if (_options.TrainBatches is { } limit) batches = Math.Min(batches, limit);
        double lossSum = 0, correct = 0, seen = 0;
        var clock = Stopwatch.StartNew();
        for (long b = 0; b < batches; b++)
        {
            using var scope = NewDisposeScope();
            var index = order.narrow(0, b * _options.BatchSize, Math.Min(_options.BatchSize, count - b * _options.BatchSize));
            var images = _data.TrainImages.index_select(0, index).to(_device);
            var labels = _data.TrainLabels.index_select(0, index).to(_device);
            _optimizer.zero_grad();
            var logits = _model.call(images);
            var loss = nn.functional.cross_entropy(logits, labels);
            loss.backward();
            _optimizer.step();

            double batchLoss = loss.item<float>();
            if (!double.IsFinite(batchLoss))
                throw new InvalidOperationException($"The loss became {batchLoss} at epoch {epoch}, batch {b + 1}; lower --lr.");
            long n = labels.shape[0];
            lossSum += batchLoss * n;
            correct += logits.argmax(1).eq(labels).sum().item<long>();
            seen += n;
            if ((b + 1) % 100 == 0 || b + 1 == batches)
                Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "  epoch {0} batch {1}/{2}: loss={3:0.0000} accuracy={4:0.0000} {5:0} images/s",
                    epoch, b + 1, batches, lossSum / seen, correct / seen, seen / clock.Elapsed.TotalSeconds));
        }
        _schedule.step();
        return (lossSum / seen, correct / seen);
    }

    /// <summary>Accuracy on the whole test set.</summary>
    public double Evaluate()
    {
        _model.eval();
        using var _ = no_grad();
        long count = _data.TestImages.shape[0], correct = 0;
        for (long start = 0; start < count; start += 1000)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(1000, count - start);
            var logits = _model.call(_data.TestImages.narrow(0, start, n).to(_device));
            correct += logits.argmax(1).eq(_data.TestLabels.narrow(0, start, n).to(_device)).sum().item<long>();
        }
        return (double)correct / count;
    }
}
