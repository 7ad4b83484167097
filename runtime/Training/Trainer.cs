using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using NpasDsl.Allocation;
using NpasDsl.Unsharing;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Training;

/// <summary>
/// Trains an <see cref="NpasModule"/> classifier (or a <see cref="Families.ModelFamily"/> on the sum of its members' losses): seeded data order, AdamW or Nesterov SGD, a schedule
/// with warm-up stepped per batch or per epoch, weight decay on banks and own weights only (an L2 gradient term with SGD, decoupled with AdamW), label smoothing, gradient
/// clipping, one dispose scope per step, atomic checkpoints that a killed run resumes from with the same
/// result, and a clear stop (keeping the last good checkpoint) when the loss stops being finite.
/// </summary>
public sealed class Trainer
{
    private readonly TrainingData _data;
    /// <summary>How this run seeds its augmentations: the current scheme, or the one of the checkpoint it resumes.</summary>
    private int _augmentationSeeds = TrainingState.SeedRangeAugmentation;
    private string? _trainDataFingerprint;
    /// <summary>The training set's digest, taken once: every checkpoint records it, and a resume compares it.</summary>
    private string TrainDataFingerprint => _trainDataFingerprint ??= TrainingDataFingerprint.Of(_data.TrainInputs, _data.TrainLabels);
    private readonly TrainerOptions _options;
    private readonly Device _device;
    private readonly Action<string> _log;
    // A coefficient split replaces the model, its optimizer and the parameters weight decay applies to (Replace).
    private TrainingSubject _model;
    private NpasModule? _single;
    private OptimizerHelper _optimizer;
    private List<Parameter> _decayed;
    private readonly ScheduledUnsharing? _unsharing;
    private CoefficientUnsharing? _watching;
    private readonly CheckpointStore? _checkpoints;
    private bool _ran;
    private readonly Func<Tensor, Generator, Tensor>? _augment;
    private readonly IProgress<TrainingProgress>? _progress;

    /// <summary>
    /// Creates a trainer; <paramref name="log"/> receives one line per progress report (default: the console);
    /// <paramref name="augment"/> transforms each training batch with a generator seeded by the step, so a
    /// resumed run draws the same augmentations; <paramref name="progress"/> hears about every step (a live display);
    /// <paramref name="rebuild"/> (<c>o => new MyNet(o)</c>) builds the model again when coefficient unsharing
    /// (<see cref="TrainerOptions.UnshareAtEpoch"/>) splits its vectors, and is needed only then.
    /// <paramref name="device"/> is where the batches go: null for the device the model is on
    /// (<see cref="NpasOptions.Device"/>), and one that is given must be that device.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid, the data is unusable (<see cref="TrainingData.Problem"/>), or
    /// <paramref name="device"/> is not the model's.</exception>
    /// <exception cref="UnsharingUnavailableException">Unsharing is asked for a model that cannot do it, or without <paramref name="rebuild"/>.</exception>
    public Trainer(NpasModule model, TrainingData data, TrainerOptions options, Device? device = null, Action<string>? log = null,
        Func<Tensor, Generator, Tensor>? augment = null, IProgress<TrainingProgress>? progress = null, Func<NpasOptions, NpasModule>? rebuild = null)
        : this(TrainingSubject.Of(model ?? throw new ArgumentNullException(nameof(model), "The trainer needs a model to train.")), model, rebuild, data, options, device, log, augment, progress) { }

    /// <summary>
    /// Creates a trainer for a family of networks: every step minimises the sum of the members' losses, the
    /// accuracies are the ensemble's (softmax outputs averaged), and checkpoints hold every member.
    /// </summary>
    public Trainer(Families.ModelFamily family, TrainingData data, TrainerOptions options, Device? device = null, Action<string>? log = null,
        Func<Tensor, Generator, Tensor>? augment = null, IProgress<TrainingProgress>? progress = null)
        : this(TrainingSubject.Of(family ?? throw new ArgumentNullException(nameof(family), "The trainer needs a family to train.")), null, null, data, options, device, log, augment, progress) { }

    private Trainer(TrainingSubject model, NpasModule? single, Func<NpasOptions, NpasModule>? rebuild, TrainingData data, TrainerOptions options,
        Device? device, Action<string>? log, Func<Tensor, Generator, Tensor>? augment, IProgress<TrainingProgress>? progress)
    {
        _augment = augment;
        _progress = progress;
        (_unsharing, _checkpoints) = Preflight(options, data, single, rebuild);
        _model = model;
        _single = single;
        _data = data;
        _options = options;
        _device = DeviceFor(model.Module, device);
        _log = log ?? Console.WriteLine;
        _optimizer = CreateOptimizer(model.Module);
        _decayed = model.Decayed.ToList();
    }

    /// <summary>
    /// The device the batches go to: the model's own unless one is given, and a given one must be the model's. A model
    /// built with <c>NpasOptions { Device = cuda }</c> would otherwise be fed CPU batches and fail inside its first step.
    /// </summary>
    private static Device DeviceFor(nn.Module<Tensor, Tensor> module, Device? given)
    {
        Device? own = null;
        foreach (var parameter in module.parameters())
        {
            own = parameter.device;
            break;
        }
        if (given is null) return own ?? CPU;
        if (own is not null && (own.type != given.type || (own.index >= 0 && given.index >= 0 && own.index != given.index)))
            throw new ArgumentException(
                $"The model is on {own} but the trainer was given the device {given}: create the model on {given} " +
                $"(new NpasOptions {{ Device = ... }}), or leave the trainer's device out to train where the model is.", "device");
        return given;
    }

    /// <summary>
    /// Makes every refusal the constructor would make for these arguments, building nothing: for a program that does slow
    /// work for the run first (a fusion from a pretrained checkpoint), so that a mistake is told before that work, not after.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid or the data is unusable.</exception>
    /// <exception cref="UnsharingUnavailableException">Unsharing is asked for a model that cannot do it, or without <paramref name="rebuild"/>.</exception>
    /// <exception cref="CheckpointException">The checkpoint directory is unusable, or holds a run a fresh start would replace.</exception>
    public static void Check(NpasModule model, TrainingData data, TrainerOptions options, Func<NpasOptions, NpasModule>? rebuild = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        Preflight(options, data, model, rebuild);
    }

    /// <summary>The refusals a trainer makes before anything is built, shared by the constructor and <see cref="Check"/>: returns the unsharing schedule and the checkpoint store.</summary>
    private static (ScheduledUnsharing? Unsharing, CheckpointStore? Checkpoints) Preflight(TrainerOptions options, TrainingData data, NpasModule? single, Func<NpasOptions, NpasModule>? rebuild)
    {
        ThrowIfUnusable(options, data);
        var unsharing = ScheduledUnsharing.For(options, single, rebuild);
        var checkpoints = options.CheckpointDirectory is { } directory ? new CheckpointStore(directory, options.Names) : null;
        checkpoints?.PrepareFor(options);
        return (unsharing, checkpoints);
    }

    /// <summary>Refuses options or data no trainer can run with; called before anything slow (a group search) is done for them.</summary>
    /// <exception cref="ArgumentException">The options are invalid, or the data cannot be trained on.</exception>
    internal static void ThrowIfUnusable(TrainerOptions options, TrainingData data)
    {
        // A caller whose nullable checks are off (or who uses "!") got a NullReferenceException from inside Validate.
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        if (options.Validate() is { } problem) throw new ArgumentException($"Invalid trainer options: {problem}.", nameof(options));
        if (data.Problem() is { } unusable) throw new ArgumentException($"The data cannot be trained on: {unusable}.", nameof(data));
    }

    /// <summary>The optimizer (its state is part of every checkpoint); a coefficient split replaces it.</summary>
    public OptimizerHelper Optimizer => _optimizer;

    /// <summary>
    /// The model being trained: the one given, or after a coefficient split the model rebuilt for the split
    /// allocation (the one given is then left as it was at the split; dispose it when done). Null for a family.
    /// </summary>
    public NpasModule? Model => _single;

    private OptimizerHelper CreateOptimizer(nn.Module module)
    {
        var parameters = module.parameters().ToList();
        return _options.Optimizer == OptimizerKind.SgdNesterov
            ? optim.SGD(parameters, _options.LearningRate, momentum: _options.Momentum, nesterov: true)
            : optim.AdamW(parameters, _options.LearningRate, weight_decay: 0);
    }

    /// <summary>Trains <paramref name="model"/> from here on, with <paramref name="optimizer"/> (the old optimizer is disposed).</summary>
    private void Replace(NpasModule model, OptimizerHelper optimizer)
    {
        _optimizer.Dispose();
        (_single, _model, _optimizer) = (model, TrainingSubject.Of(model), optimizer);
        _decayed = _model.Decayed.ToList();
    }

    /// <summary>Runs (or, with <see cref="TrainerOptions.Resume"/>, continues) training; returns the finished epochs.</summary>
    /// <exception cref="CheckpointMismatchException">The checkpoint to resume was written with other data or settings (nothing is loaded then), or by a model with another allocation.</exception>
    /// <exception cref="CheckpointException">The checkpoint to resume cannot be read.</exception>
    /// <exception cref="TrainingDivergedException">The loss or the gradients stopped being finite; no step was taken with them and the last good checkpoint is kept.</exception>
    /// <exception cref="InvalidOperationException">This trainer has run before: a trainer runs once.</exception>
    public IReadOnlyList<EpochRecord> Run() => Run(CancellationToken.None);

    /// <summary>
    /// Runs (or continues) training until done or until <paramref name="cancellationToken"/> is cancelled. A cancelled run
    /// stops before its next batch, saves a checkpoint of exactly that point (where there is a checkpoint directory and the
    /// epoch has begun; at an epoch's start the last one already is), and throws <see cref="TrainingInterruptedException"/>;
    /// <see cref="TrainerOptions.Resume"/> then continues it to the result of an uninterrupted run.
    /// </summary>
    /// <exception cref="TrainingInterruptedException">The token was cancelled.</exception>
    /// <exception cref="CheckpointMismatchException">The checkpoint to resume was written with other data or settings, or by a model with another allocation.</exception>
    /// <exception cref="CheckpointException">The checkpoint to resume cannot be read, or one cannot be written.</exception>
    /// <exception cref="TrainingDivergedException">The loss or the gradients stopped being finite; the last good checkpoint is kept.</exception>
    /// <exception cref="InvalidOperationException">This trainer has run before: a trainer runs once.</exception>
    public IReadOnlyList<EpochRecord> Run(CancellationToken cancellationToken)
    {
        // A second run would start from the trained weights with a fresh schedule and rewrite the checkpoint as if it
        // were the first: neither a continuation nor a new run.
        if (_ran)
            // A programming error, so named in code's terms whatever names the options use.
            throw new InvalidOperationException("This Trainer has already run (or tried to): a trainer runs once. To train on from where it stopped, " +
                "create a new Trainer with Resume = true and a larger Epochs (its CheckpointDirectory keeps the run); to train afresh, create a new model and Trainer.");
        _ran = true;
        try
        {
            return RunEpochs(cancellationToken);
        }
        finally
        {
            // A run that stops inside the watched epoch leaves the model reading its vectors directly again.
            _watching?.Dispose();
            _watching = null;
        }
    }

    private IReadOnlyList<EpochRecord> RunEpochs(CancellationToken cancellationToken)
    {
        var state = new TrainingState();
        if (_options.Resume && _checkpoints is { Exists: true })
        {
            state = Resume(_checkpoints);
            // A complete run trains nothing, but its reports are rewritten: a write that failed after the last save (or
            // a first --plot) is made good.
            if (state.Epoch >= _options.Epochs && state.History.Count > 0) WriteReports(state.History);
        }
        else if (_options.Resume)
            _log($"no checkpoint in {_checkpoints!.Directory} yet: starting from epoch 1");
        else if (_options.Overwrite && _checkpoints is { Exists: true })
        {
            _checkpoints.Discard();
            _log($"{_options.Names.On(nameof(TrainerOptions.Overwrite))}: the checkpoint in {_checkpoints.Directory} is discarded; this run starts from epoch 1");
        }

        long count = _data.TrainInputs.shape[0];
        // What a checkpoint records so that --resume can refuse to continue with other data or settings (CheckResumable).
        var settings = ResumeSettings.Of(_options);
        var schedule = ScheduleSettings.Of(_options);
        TrainingState Stamped(TrainingState s) => s with { TrainExamples = count, TrainData = TrainDataFingerprint, Settings = settings, Schedule = schedule, AugmentationSeeds = _augmentationSeeds };
        int batches = (int)((count + _options.BatchSize - 1) / _options.BatchSize);
        // A setting past what the data allows is used as far as it goes; said once, so a user who meant a smaller data set
        // or a typo does not read the run as what was asked.
        if (_options.BatchSize > count)
            _log(string.Format(CultureInfo.InvariantCulture, "note: {0} is more than the {1:N0} training examples, so every epoch is one batch of {1:N0}",
                _options.Names.Set(nameof(TrainerOptions.BatchSize), _options.BatchSize), count));
        if (_options.BatchesPerEpoch is { } limit)
        {
            if (limit > batches)
                _log(string.Format(CultureInfo.InvariantCulture, "note: {0} is more than the {1:N0} {2} of an epoch, so every epoch is whole",
                    _options.Names.Set(nameof(TrainerOptions.BatchesPerEpoch), limit), batches, batches == 1 ? "batch" : "batches"));
            batches = Math.Min(batches, limit);
        }
        if (_options.CheckpointEverySteps is { } interval && interval >= batches)
            _log(string.Format(CultureInfo.InvariantCulture,
                "note: {0} is at least the {1} batches of an epoch, so checkpoints are written at the end of each epoch only; give a number below {1} for saves within an epoch",
                _options.Names.Set(nameof(TrainerOptions.CheckpointEverySteps), interval), batches));

        while (state.Epoch < _options.Epochs)
        {
            int epoch = state.Epoch;
            _model.Module.train();
            // Generators are native objects outside every dispose scope: disposed here, not left to the finalizer.
            using var orderGenerator = new Generator(unchecked((ulong)(_options.Seed * 1_000_003 + epoch)));
            using var order = randperm(count, generator: orderGenerator);
            var clock = Stopwatch.StartNew();
            double secondsBefore = state.Seconds;
            if (_unsharing is not null && _unsharing.Watches(epoch) && _watching is null)
            {
                _watching = CoefficientUnsharing.Track(_single!);
                if (state.Step > 0) _checkpoints!.LoadUnsharing(_watching); // resumed inside the watched epoch: its sums so far
                _log(string.Format(CultureInfo.InvariantCulture, "epoch {0}: summing the coefficient gradients of {1} layers that share vectors, to split them at its end",
                    epoch + 1, _watching.Layers.Count));
            }

            for (int b = state.Step; b < batches; b++)
            {
                if (cancellationToken.IsCancellationRequested)
                    throw Interrupted(state.Step > 0 ? Stamped(state with { Seconds = secondsBefore + clock.Elapsed.TotalSeconds }) : null, epoch, b, batches, cancellationToken);
                double rate = LearningRateSchedule.At(_options, epoch, b, batches);
                foreach (var group in _optimizer.ParamGroups) group.LearningRate = rate;
                state = Step(state, order, b, rate);
                double seconds = secondsBefore + clock.Elapsed.TotalSeconds;
                if (_progress is not null)
                {
                    double perBatch = seconds / (b + 1);
                    double left = perBatch * ((batches - b - 1) + (double)(_options.Epochs - epoch - 1) * batches);
                    _progress.Report(new TrainingProgress(epoch + 1, _options.Epochs, b + 1, batches, state.LossSum / state.Seen, (double)state.Correct / state.Seen,
                        state.Seen / seconds, TimeSpan.FromSeconds(left)));
                }
                else if ((b + 1) % 100 == 0 || b + 1 == batches)
                    _log(string.Format(CultureInfo.InvariantCulture, "  epoch {0} batch {1}/{2}: loss={3:0.0000} accuracy={4:0.0000} {5:0} examples/s",
                        epoch + 1, b + 1, batches, state.LossSum / state.Seen, (double)state.Correct / state.Seen, state.Seen / (secondsBefore + clock.Elapsed.TotalSeconds)));
                if (_options.CheckpointEverySteps is { } every && (b + 1) % every == 0 && b + 1 < batches)
                    _checkpoints?.Save(_model, _optimizer, Stamped(state with { Seconds = secondsBefore + clock.Elapsed.TotalSeconds }), _watching);
            }

            // The epoch's seconds are its training time: read before the evaluation pass, which is not training.
            double epochSeconds = secondsBefore + clock.Elapsed.TotalSeconds;
            var record = new EpochRecord(epoch + 1, state.LossSum / state.Seen, (double)state.Correct / state.Seen, Evaluate(),
                LearningRateSchedule.At(_options, epoch, batches - 1, batches), epochSeconds);
            var history = new List<EpochRecord>(state.History) { record };
            state = new TrainingState { Epoch = epoch + 1, GlobalStep = state.GlobalStep, History = history };
            _log(string.Format(CultureInfo.InvariantCulture, "epoch {0}/{1}: loss={2:0.0000} train_accuracy={3:0.0000} {7}_accuracy={4:0.0000} lr={5:G4} {6:0}s",
                record.Epoch, _options.Epochs, record.TrainLoss, record.TrainAccuracy, record.TestAccuracy, record.LearningRate, record.Seconds, _data.Evaluation));
            if (_watching is not null)
            {
                var watched = _watching;
                _watching = null; // Split disposes it
                if (_unsharing!.Split(_single!, _optimizer, watched, _device, CreateOptimizer, _log) is { } split)
                {
                    Replace(split.Model, split.Optimizer);
                    _log(string.Format(CultureInfo.InvariantCulture, "continuing with the split allocation: {0:N0} trainable parameters", split.Model.TrainableParameters));
                }
            }
            _checkpoints?.Save(_model, _optimizer, Stamped(state));
            WriteReports(history);
        }
        return state.History;
    }

    /// <summary>
    /// Saves <paramref name="partial"/> (the epoch so far; null at an epoch's start, which the last checkpoint holds) and
    /// builds the exception that says where the run stopped and how to continue it.
    /// </summary>
    private TrainingInterruptedException Interrupted(TrainingState? partial, int epoch, int batch, int batches, CancellationToken token)
    {
        if (partial is not null) _checkpoints?.Save(_model, _optimizer, partial, _watching);
        bool saved = _checkpoints is { Exists: true };
        string where = string.Format(CultureInfo.InvariantCulture, "Training was interrupted in epoch {0} of {1}, after batch {2} of {3}", epoch + 1, _options.Epochs, batch, batches);
        var names = _options.Names;
        string what = _checkpoints is null
            ? $"; nothing was saved, because the run has no checkpoint directory ({names.Of(nameof(TrainerOptions.CheckpointDirectory))})."
            : saved
                ? $"; the checkpoint in {_checkpoints.Directory} holds the run up to there: continue it with {names.On(nameof(TrainerOptions.Resume))}, and it ends as an uninterrupted run would."
                : $"; nothing was saved yet in {_checkpoints.Directory}, because no batch was done.";
        return new TrainingInterruptedException(where + what, epoch + 1, batch, saved, token);
    }

    /// <summary>metrics.csv (and with <see cref="TrainerOptions.Plot"/> metrics.png) beside the checkpoint, from the whole history.</summary>
    private void WriteReports(IReadOnlyList<EpochRecord> history)
    {
        if (_checkpoints is null) return;
        _checkpoints.WriteBeside(CheckpointStore.MetricsCsvName, path => MetricsCsv.Write(path, history, _data.Evaluation));
        if (_options.Plot) _checkpoints.WriteBeside(CheckpointStore.MetricsPlotName, path => MetricsPlot.Write(path, history, _model.Name, _data.Evaluation));
    }

    /// <summary>Loads the checkpoint this run continues; returns where it stopped.</summary>
    private TrainingState Resume(CheckpointStore checkpoints)
    {
        // Checked before anything is loaded, so a caller that catches the mismatch still has its own model and optimizer.
        var saved = checkpoints.ReadState();
        CheckResumable(saved, checkpoints.Directory);
        if (saved.Schedule is null)
            _log(ScheduleSettings.UnrecordedNote);
        else if (saved.Schedule.Differences(ScheduleSettings.Of(_options), _options.Names).ToList() is { Count: > 0 } changed)
            _log($"note: the checkpoint was written with {string.Join(", ", changed)}; training goes on from it with this run's settings, " +
                "so it will not end as the uninterrupted run would");
        // A checkpoint past a coefficient split is of the split allocation: it loads into a model rebuilt for it, which
        // (with its optimizer) replaces the trainer's only once the load has succeeded.
        NpasModule? split = _unsharing is not null && _unsharing.IsDoneAfter(saved.Epoch)
            && _unsharing.ForCheckpoint(_single!, checkpoints.ReadAllocation(), _device, _log) is var rebuilt && !ReferenceEquals(rebuilt, _single) ? rebuilt : null;
        TrainingState state;
        var optimizer = split is null ? _optimizer : CreateOptimizer(split);
        try
        {
            state = checkpoints.Load(split is null ? _model : TrainingSubject.Of(split), optimizer);
        }
        catch (Exception e)
        {
            if (split is not null)
            {
                optimizer.Dispose();
                split.Dispose();
            }
            if (e is not AllocationMismatchException mismatch) throw;
            // A command-line run needs the options that rebuild the model; a program, the allocation the checkpoint names.
            var names = _options.Names;
            string rebuild = mismatch.SavedFrom is { } savedFrom && !names.AreOptions
                ? $"resume it with a Trainer of what saved it ({savedFrom})"
                : names.AreOptions
                ? $"resume with {names.ModelSettings ?? "the model, --budget, sharing options and --group-search or --allocation"} it was trained with"
                : $"resume into a model built with the allocation it was trained with (NpasOptions {{ Allocation = AllocationFile.Load(\"{NpasModule.AllocationPathFor(Path.Combine(checkpoints.Directory, "model-….bin"))}\") }}, the allocation file beside its model file there)";
            throw new CheckpointMismatchException($"The checkpoint in {checkpoints.Directory} is of another model or allocation ({mismatch.Difference ?? mismatch.Message}): {rebuild}, " +
                $"or start afresh with {names.On(nameof(TrainerOptions.Overwrite))} or another {names.Of(nameof(TrainerOptions.CheckpointDirectory))}.", e);
        }
        if (split is not null) Replace(split, optimizer);
        // A run goes on drawing its augmentations as it began: a checkpoint from before the seed ranges keeps the old seeds.
        _augmentationSeeds = saved.AugmentationSeeds ?? TrainingState.SeedTimesPrimeAugmentation;
        // TorchSharp's load restores every group's settings as saved; this run's momentum (a change is noted above) holds from here.
        if (_options.Optimizer == OptimizerKind.SgdNesterov)
            foreach (var group in _optimizer.ParamGroups)
                if (group is optim.IMomentum momentum) momentum.Momentum = _options.Momentum;
        _log(state.Epoch == _options.Epochs
            ? string.Format(CultureInfo.InvariantCulture, "the run in {0} is complete ({1} {2}): nothing left to train", checkpoints.Directory, state.Epoch, state.Epoch == 1 ? "epoch" : "epochs")
            : string.Format(CultureInfo.InvariantCulture, "resumed from {0}: epoch {1}, batch {2}", checkpoints.Directory, state.Epoch + 1, state.Step));
        return state;
    }

    private TrainingState Step(TrainingState state, Tensor order, int batch, double rate)
    {
        using var scope = NewDisposeScope();
        long count = order.shape[0];
        long start = (long)batch * _options.BatchSize;
        var index = order.narrow(0, start, Math.Min(_options.BatchSize, count - start));
        var inputs = _data.TrainInputs.index_select(0, index);
        if (_augment is not null)
        {
            using var augmentGenerator = new Generator(AugmentationSeed(_options.Seed, state.GlobalStep, _augmentationSeeds)); // one a step: dispose it
            inputs = _augment(inputs, augmentGenerator);
        }
        inputs = inputs.to(_device);
        var labels = _data.TrainLabels.index_select(0, index).to(_device);

        _optimizer.zero_grad();
        Tensor loss, logits;
        try
        {
            (loss, logits) = _model.Loss(inputs, labels, _options.LabelSmoothing);
        }
        // cross_entropy refuses a label at or above the number of outputs with a native error that names neither ("Target 5 is
        // out of bounds."). Only that one: an index out of bounds in the model's own forward ("index 7 is out of bounds for
        // dimension 1") is the model's, and is left as it is.
        catch (ExternalException e) when (e.Message.Contains("Target ", StringComparison.Ordinal) && e.Message.Contains(" is out of bounds", StringComparison.Ordinal))
        {
            throw LabelsBeyondOutputs(null, e);
        }
        CheckOutputsCover(logits);
        double value = loss.item<float>();
        if (!double.IsFinite(value)) throw DamagedInputs(inputs, state, batch) ?? Diverged($"The loss became {value.ToString(CultureInfo.InvariantCulture)}", state, batch, rate);
        loss.backward();
        // A finite loss can still back-propagate NaN or infinity (an overflow inside the backward pass); one step with
        // such gradients would make every weight NaN, and the next checkpoint would save them.
        if (!GradientsAreFinite())
            throw DamagedInputs(inputs, state, batch) ?? Diverged(string.Format(CultureInfo.InvariantCulture, "The gradients became NaN or infinite (the loss was {0:G6})", value), state, batch, rate);
        _watching?.Accumulate();
        try
        {
            if (_options.GradientClip is { } clip) nn.utils.clip_grad_norm_(_model.Module.parameters(), clip);
            // Weight decay on the selected parameters only (never coefficients, masks, biases or norms), in each optimizer's
            // own form: SGD's is an L2 term in the gradient, so it passes through the momentum as torch.optim.SGD's does
            // (and as SSN's WRN recipe assumes); AdamW's is decoupled, a shrink of the weights beside the adaptive step.
            bool decay = _options.WeightDecay > 0;
            if (decay && _options.Optimizer == OptimizerKind.SgdNesterov)
                using (no_grad())
                    foreach (var p in _decayed)
                        p.grad?.add_(p, alpha: _options.WeightDecay);
            _optimizer.step();
            if (decay && _options.Optimizer == OptimizerKind.AdamW)
                using (no_grad())
                    foreach (var p in _decayed) p.mul_(1 - rate * _options.WeightDecay);
        }
        // libtorch turns every scalar of the update (the rate, AdamW's bias-corrected step, rate x decay, the clip norm) into
        // the weights' float32 and refuses one beyond its range (about 3.4e38) with a native error: a finite double such as
        // --lr 1e300 passes every check before training and would otherwise end the process with a stack trace.
        catch (ExternalException e) when (e.Message.Contains("without overflow", StringComparison.Ordinal))
        {
            throw Overflowed(e, state, batch, rate);
        }

        long correct = logits.argmax(1).eq(labels).sum().item<long>();
        return state with
        {
            Step = batch + 1,
            LossSum = state.LossSum + value * labels.shape[0],
            Correct = state.Correct + correct,
            Seen = state.Seen + labels.shape[0],
            GlobalStep = state.GlobalStep + 1,
        };
    }

    /// <summary>Whether every gradient the last backward pass left is finite: one synchronisation, however many parameters.</summary>
    private bool GradientsAreFinite()
    {
        var checks = _model.Module.parameters().Select(p => p.grad).OfType<Tensor>().Select(g => g.isfinite().all()).ToList();
        return checks.Count == 0 || stack(checks).all().item<bool>();
    }

    /// <summary>
    /// The error that stops a run whose update cannot be computed in float32 (<paramref name="native"/>: a scalar beyond its
    /// range): where, what was kept, and the settings that feed the update, named as the run was configured.
    /// </summary>
    private TrainingDivergedException Overflowed(ExternalException native, TrainingState state, int batch, double rate)
    {
        var names = _options.Names;
        var settings = new List<string> { names.Set(nameof(TrainerOptions.LearningRate), _options.LearningRate) + string.Format(CultureInfo.InvariantCulture, " (the rate now {0:G4})", rate) };
        if (_options.WeightDecay > 0) settings.Add(names.Set(nameof(TrainerOptions.WeightDecay), _options.WeightDecay));
        if (_options.GradientClip is { } clip) settings.Add(names.Set(nameof(TrainerOptions.GradientClip), clip));
        if (_options.Schedule is ScheduleKind.Step or ScheduleKind.MultiStep) settings.Add(names.Set(nameof(TrainerOptions.Gamma), _options.Gamma));
        return new TrainingDivergedException(string.Format(CultureInfo.InvariantCulture,
            "The optimizer's update overflowed float32 at epoch {0}, batch {1} ({2}): training stopped{3}. The weights are float32, which holds numbers up to about 3.4E+38, " +
            "and the update is computed from {4}: give values far below that (a learning rate is rarely above 1).",
            state.Epoch + 1, batch + 1, native.Message.TrimEnd('.'), _checkpoints is { Exists: true } ? $" and the last good checkpoint in {_checkpoints.Directory} is kept" : "",
            string.Join(", ", settings)), native);
    }

    /// <summary>The error that stops a diverged run before its optimizer steps: where, what was kept, and what to change.</summary>
    private TrainingDivergedException Diverged(string what, TrainingState state, int batch, double rate)
        => new(string.Format(CultureInfo.InvariantCulture, "{0} at epoch {1}, batch {2}; training stopped before the optimizer step{3}. Lower the learning rate (now {4:G4}) or clip gradients.",
            what, state.Epoch + 1, batch + 1, Kept, rate));

    private string Kept => _checkpoints is { Exists: true } ? $" and the last good checkpoint in {_checkpoints.Directory} is kept" : "";

    /// <summary>
    /// The error for a non-finite loss or gradient whose batch itself holds NaN or infinite inputs, or null when the inputs
    /// are finite: the data is damaged, and a lower learning rate (what divergence calls for) would not help.
    /// </summary>
    private TrainingDivergedException? DamagedInputs(Tensor inputs, TrainingState state, int batch)
    {
        if (!inputs.is_floating_point()) return null; // token indices cannot be NaN
        long damaged = inputs.isfinite().logical_not().reshape(inputs.shape[0], -1).any(1).sum().item<long>();
        if (damaged == 0) return null;
        return new(string.Format(CultureInfo.InvariantCulture,
            "Batch {0} of epoch {1} holds {2:N0} training example{3} with NaN or infinite values{4}, so the loss could not be computed; training stopped before the optimizer step{5}. " +
            "The data is damaged, not the training: replace those values (torch.nan_to_num) or leave those examples out.",
            batch + 1, state.Epoch + 1, damaged, damaged == 1 ? "" : "s", _augment is null ? "" : " (after augmentation)", Kept));
    }

    /// <summary>
    /// Refuses a checkpoint this run cannot continue exactly: another number of training examples, other settings that
    /// decide the batches or the optimizer, or more epochs done than this run asks for. Checkpoints written before these
    /// were recorded hold none of them and are not checked.
    /// </summary>
    private void CheckResumable(TrainingState saved, string directory)
    {
        var names = _options.Names;
        string Afresh = $"start afresh with {names.On(nameof(TrainerOptions.Overwrite))}, or give another {names.Of(nameof(TrainerOptions.CheckpointDirectory))}.";
        long examples = _data.TrainInputs.shape[0];
        if (saved.TrainExamples != 0 && saved.TrainExamples != examples)
            throw new CheckpointMismatchException(string.Format(CultureInfo.InvariantCulture,
                "The checkpoint in {0} was trained on {1:N0} examples but this run has {2:N0} (" + (names.AreOptions ? "another --validation" : "another validation split") + ", or another data set): " +
                "resume with the same training examples, or " + Afresh, directory, saved.TrainExamples, examples));
        if (saved.TrainData is { } digest && digest != TrainDataFingerprint)
            throw new CheckpointMismatchException(string.Format(CultureInfo.InvariantCulture,
                "The checkpoint in {0} was trained on other examples than this run's (as many, {1:N0}, but other inputs or labels: another data set): " +
                "resume with the data it was trained on, or " + Afresh, directory, examples));
        if (saved.Settings is { } settings && settings.Differences(ResumeSettings.Of(_options), names).ToList() is { Count: > 0 } differences)
            throw new CheckpointMismatchException($"The checkpoint in {directory} was written with {string.Join(", ", differences)}, so a resumed run would " +
                "not see the batches the uninterrupted run sees: resume with those settings, or " + Afresh);
        if (saved.Epoch > _options.Epochs || (saved.Epoch == _options.Epochs && saved.Step > 0))
            throw new CheckpointMismatchException(string.Format(CultureInfo.InvariantCulture,
                "The checkpoint in {0} has done {1} epoch{2}{3}, more than this run's {4}: give {5} or more to continue it, or " + Afresh,
                directory, saved.Epoch, saved.Epoch == 1 ? "" : "s", saved.Step > 0 ? $" and {saved.Step} batches" : "",
                names.Set(nameof(TrainerOptions.Epochs), _options.Epochs), names.Set(nameof(TrainerOptions.Epochs), saved.Epoch + (saved.Step > 0 ? 1 : 0))));
    }

    /// <summary>
    /// The seed of step <paramref name="step"/>'s augmentation under run seed <paramref name="seed"/>. Each run seed has a
    /// range of 2^32 steps of its own, so runs of neighbouring seeds draw independent crops and flips (seed · 7,919 + step,
    /// as before, gave seed 2 the draws of seed 1 shifted by 7,919 steps); seed 1 keeps the values it always had, so
    /// results measured with it still reproduce.
    /// </summary>
    /// <param name="seed">The run seed.</param>
    /// <param name="step">The step (over the whole run).</param>
    /// <param name="scheme"><see cref="TrainingState.SeedRangeAugmentation"/> (new runs), or
    /// <see cref="TrainingState.SeedTimesPrimeAugmentation"/> for a run resumed from a checkpoint that began with it.</param>
    internal static ulong AugmentationSeed(long seed, long step, int scheme = TrainingState.SeedRangeAugmentation)
        => scheme == TrainingState.SeedTimesPrimeAugmentation
            ? unchecked((ulong)(seed * 7_919 + step))
            : unchecked(((ulong)(seed - 1) << 32) + 7_919UL + (ulong)step);

    /// <summary>
    /// Refuses logits with fewer classes than the labels name: one comparison per batch (the largest label is found once).
    /// Training reaches it only where the loss took such labels (label smoothing, or a family's loss of its own).
    /// </summary>
    private void CheckOutputsCover(Tensor logits)
    {
        long largest = _largestLabel ??= _data.LargestLabel();
        if (logits.dim() == 2 && logits.size(1) <= largest) throw LabelsBeyondOutputs(logits.size(1), null);
    }

    private long? _largestLabel;

    private ArgumentException LabelsBeyondOutputs(long? outputs, Exception? inner)
        => new(TrainingData.LabelsBeyondOutputs(_largestLabel ??= _data.LargestLabel(), _model.Name, outputs), inner);

    /// <summary>Accuracy on the whole evaluation set: the test set, or the validation split (<see cref="TrainingData.Evaluation"/>).</summary>
    public double Evaluate()
    {
        _model.Module.eval();
        using var _ = no_grad();
        long count = _data.TestInputs.shape[0], correct = 0;
        for (long start = 0; start < count; start += 1000)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(1000, count - start);
            var logits = _model.Module.call(_data.TestInputs.narrow(0, start, n).to(_device));
            // A label beyond the outputs is never predicted: the accuracy would be silently low, not an error.
            if (start == 0) CheckOutputsCover(logits);
            correct += logits.argmax(1).eq(_data.TestLabels.narrow(0, start, n).to(_device)).sum().item<long>();
        }
        return (double)correct / count;
    }
}
