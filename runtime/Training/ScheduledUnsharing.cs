using System;
using NpasDsl.Planning;
using System.Globalization;
using NpasDsl.Allocation;
using NpasDsl.Unsharing;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Training;

/// <summary>
/// Coefficient unsharing as the trainer runs it (<see cref="TrainerOptions.UnshareAtEpoch"/>): watches the coefficient
/// gradients through one epoch, splits the disagreeing layers at its end and rebuilds the model and its optimizer with
/// the values and optimizer state carried over, so that training goes on from exactly where it was.
/// </summary>
internal sealed class ScheduledUnsharing
{
    private readonly int _epoch;
    private readonly double _threshold;
    private readonly Func<NpasOptions, NpasModule> _rebuild;

    private ScheduledUnsharing(int epoch, double threshold, Func<NpasOptions, NpasModule> rebuild)
        => (_epoch, _threshold, _rebuild) = (epoch, threshold, rebuild);

    /// <summary>The unsharing <paramref name="options"/> ask for, or null; refuses a model or a call that cannot do it.</summary>
    /// <exception cref="UnsharingUnavailableException">Unsharing is asked for but the model cannot be rebuilt, shares no coefficients or belongs to a family.</exception>
    public static ScheduledUnsharing? For(TrainerOptions options, NpasModule? model, Func<NpasOptions, NpasModule>? rebuild)
    {
        if (options.UnshareAtEpoch is not { } epoch) return null;
        string unshare = options.Names.Of(nameof(TrainerOptions.UnshareAtEpoch));
        if (model is null)
            throw new UnsharingUnavailableException($"Coefficient unsharing ({unshare}) rebuilds one model with a new allocation; it cannot run on a family of networks, whose members share their banks: leave {unshare} out, or train the members as separate models.");
        ThrowIfRefused(model.Allocation.Network, options.Names);
        if (rebuild is null)
            throw new UnsharingUnavailableException($"Coefficient unsharing ({unshare}) builds '{model.Network.ModelName}' again for the split allocation: " +
                $"give the trainer rebuild: o => new {model.Network.ModelName}(o).");
        return new ScheduledUnsharing(epoch, threshold: options.UnshareThreshold, rebuild);
    }

    /// <summary>
    /// Refuses a model whose coefficients cannot be split: it shares none, or it is a family member. The message names the
    /// settings as <paramref name="names"/> does (default <see cref="SettingNames.Properties"/>).
    /// </summary>
    /// <exception cref="UnsharingUnavailableException">The model cannot be unshared; the message names the fix.</exception>
    public static void ThrowIfRefused(NpasModule model, SettingNames? names = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ThrowIfRefused(model.Allocation.Network, names ?? SettingNames.Properties);
    }

    /// <summary>
    /// The same refusal for a model that would be planned as <paramref name="planned"/>, before it is built, naming the
    /// settings as <paramref name="names"/> does.
    /// </summary>
    /// <param name="planned">The model's plan.</param>
    /// <param name="names">How the settings are named.</param>
    /// <param name="allocationPath">The <c>--allocation</c> file the plan comes from, if any: its sharing options are the file's, so the fix is another file.</param>
    internal static void ThrowIfRefused(NetworkSpec planned, SettingNames names, string? allocationPath = null)
    {
        string unshare = names.Of(nameof(TrainerOptions.UnshareAtEpoch));
        string sharingFix = allocationPath is not null
            ? $"its sharing options come from the allocation {allocationPath}, which shares no coefficient vectors; give an allocation saved by a run " +
              $"with --coefficient-sharing by-shape (or search one with --group-search and --coefficient-sharing by-shape), or leave {unshare} out"
            : "declare [Sharing(CoefficientSharing = CoefficientSharing.ByShape)] with the weighted-average combiner " +
              (names.AreOptions ? "(or --coefficient-sharing by-shape, where the program has that option)" : "(or NpasOptions.Sharing with coefficientSharing: CoefficientSharing.ByShape)") +
              $", or leave {unshare} out";
        if (CoefficientUnsharing.Refusal(planned, $"Coefficient unsharing ({unshare})", sharingFix) is { } refusal)
            throw new UnsharingUnavailableException(refusal);
    }

    /// <summary>Whether <paramref name="epoch"/> (0-based) is the one whose gradients decide the split.</summary>
    public bool Watches(int epoch) => epoch + 1 == _epoch;

    /// <summary>Whether the split is behind a run that has finished <paramref name="epochsDone"/> epochs.</summary>
    public bool IsDoneAfter(int epochsDone) => epochsDone >= _epoch;

    /// <summary>
    /// Splits what <paramref name="tracker"/> saw and, if anything was split, returns the rebuilt model, on
    /// <paramref name="device"/>, with a new optimizer made by <paramref name="createOptimizer"/> that holds the old
    /// one's state; null where every set stayed whole. Either way the tracker is disposed.
    /// </summary>
    public (NpasModule Model, OptimizerHelper Optimizer)? Split(NpasModule model, OptimizerHelper optimizer, CoefficientUnsharing tracker,
        Device device, Func<NpasModule, OptimizerHelper> createOptimizer, Action<string> log)
    {
        CoefficientSplit split;
        using (tracker) split = tracker.Split(_threshold);
        log(split.ToString().TrimEnd('\n'));
        if (!split.Changed) return null;
        var next = OnDevice(split.Rebuild(model, _rebuild), device);
        OptimizerHelper? nextOptimizer = null;
        try
        {
            nextOptimizer = createOptimizer(next);
            OptimizerStateTransfer.Copy(model, optimizer, next, nextOptimizer);
            return (next, nextOptimizer);
        }
        catch
        {
            nextOptimizer?.Dispose();
            next.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The model a resumed run loads its checkpoint into: <paramref name="model"/> where the checkpoint has its
    /// allocation, else (the split is behind the checkpoint) the model built for the checkpoint's allocation.
    /// </summary>
    /// <remarks>
    /// Only a checkpoint that differs from the model in its coefficient vectors alone is taken up; one of another budget
    /// or layout is left to the load, which names the difference.
    /// </remarks>
    public NpasModule ForCheckpoint(NpasModule model, AllocationFile saved, Device device, Action<string> log)
    {
        var mine = AllocationFile.From(model.Allocation);
        if (mine.FirstDifference(saved) is null || mine.FirstDifference(saved, coefficients: false) is not null) return model;
        var next = OnDevice(_rebuild(CoefficientSplit.OptionsFor(model, saved)), device);
        log(string.Format(CultureInfo.InvariantCulture, "the checkpoint's coefficient vectors were split at epoch {0}: continuing with its allocation ({1:N0} trainable parameters)",
            _epoch, next.TrainableParameters));
        return next;
    }

    /// <summary>The rebuilt model on the trainer's device (the rebuild builds it on the device its options name).</summary>
    private static NpasModule OnDevice(NpasModule model, Device device)
    {
        model.to(device);
        return model;
    }
}
