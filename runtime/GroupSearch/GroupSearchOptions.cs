using System.Linq;
using NpasDsl.Planning;

namespace NpasDsl.GroupSearch;

/// <summary>Settings of the data-driven group searches.</summary>
public sealed class GroupSearchOptions
{
    /// <summary>Training steps of the warm-up model (SSN suggests 10-15 % of the normal schedule).</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>Adam learning rate of the warm-up.</summary>
    public double LearningRate { get; init; } = 0.001;

    /// <summary>Seed for the warm-up model and the clustering.</summary>
    public long Seed { get; init; }

    /// <summary>The budget of the model the allocation is for; null for the declared one.</summary>
    public BudgetSpec? Budget { get; init; }

    /// <summary>Learned grouping: the number of groups G for k-means; null for as many as ByShape would make.</summary>
    public int? Groups { get; init; }

    /// <summary>Gradient-conflict grouping: how many depth bins the warm-up uses.</summary>
    public int DepthBins { get; init; } = 3;

    /// <summary>
    /// Sharing options that replace the declared <c>[Sharing]</c> in the allocation the search returns (and in the
    /// gradient-conflict warm-up); null keeps the declared ones. The learned-grouping warm-up always reads four templates
    /// mixed by a softmax, as SSN prescribes.
    /// </summary>
    public SharingSpec? Sharing { get; init; }

    /// <summary>The device the warm-up model trains on (null: the CPU); <c>batchLoss</c> must put its batches there.</summary>
    public TorchSharp.torch.Device? Device { get; init; }

    /// <summary>
    /// Stops the search between two warm-up steps once cancelled; it then throws <see cref="GroupSearchInterruptedException"/>
    /// and returns no groups. The default never cancels.
    /// </summary>
    public System.Threading.CancellationToken Cancellation { get; init; }

    /// <summary>What is wrong with these options, or null.</summary>
    public string? Validate()
    {
        if (WarmupSteps < 0) return $"WarmupSteps is {WarmupSteps} but must not be negative";
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) return $"LearningRate is {LearningRate} but must be a finite positive number";
        if (Groups is < 1) return $"Groups is {Groups} but must be at least 1 (null for as many as ByShape would make)";
        if (DepthBins < 1) return $"DepthBins is {DepthBins} but must be at least 1";
        if (Device is { } device && NpasModule.DeviceProblem(device) is { } unusable) return $"Device: {unusable}";
        if (Sharing?.Problems().Select(p => p.Problem).FirstOrDefault() is { } sharing) return $"Sharing is invalid: {sharing}";
        return null;
    }

    /// <summary>The options, checked: <paramref name="options"/> or the defaults.</summary>
    /// <exception cref="System.ArgumentException">An option is out of range.</exception>
    internal static GroupSearchOptions Checked(GroupSearchOptions? options)
    {
        options ??= new GroupSearchOptions();
        return options.Validate() is { } problem ? throw new System.ArgumentException($"Invalid group-search options: {problem}.", nameof(options)) : options;
    }
}
