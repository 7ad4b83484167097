using System;
using NpasDsl.Planning;
using NpasDsl.Allocation;
using static TorchSharp.torch;

namespace NpasDsl.GroupSearch;

/// <summary>The data-driven ways of grouping layers into banks, for programs that let their user choose one.</summary>
public enum GroupSearchMethod
{
    /// <summary>SSN: k-means over the softmax coefficients of a briefly trained four-template model (<see cref="LearnedGrouping"/>).</summary>
    Learned,
    /// <summary>SuperWeights: merge layers whose weight gradients agree (<see cref="GradientConflictGrouping"/>).</summary>
    GradientConflict,
}

/// <summary>Runs the search a <see cref="GroupSearchMethod"/> names.</summary>
public static class GroupSearches
{
    /// <summary>Runs <paramref name="method"/>'s search; the arguments are those of <see cref="LearnedGrouping.Search"/>.</summary>
    public static AllocationFile Run<TModel>(GroupSearchMethod method, Func<NpasOptions, TModel> create, Func<TModel, Tensor> batchLoss, GroupSearchOptions? options = null)
        where TModel : NpasModule => method switch
        {
            GroupSearchMethod.Learned => LearnedGrouping.Search(create, batchLoss, options),
            GroupSearchMethod.GradientConflict => GradientConflictGrouping.Search(create, batchLoss, options),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Not a group-search method: use GroupSearchMethod.Learned or GroupSearchMethod.GradientConflict."),
        };

    /// <summary>
    /// Builds, on the CPU, the models <paramref name="method"/>'s search builds before its warm-up (learned grouping's
    /// one-bank warm-up model; gradient-conflict grouping's declared groups and its binned warm-up model), so that a
    /// budget they cannot meet is refused before a caller deletes anything. The groups the search finds are planned
    /// after it. Returns the model's declaration.
    /// </summary>
    /// <exception cref="BudgetInfeasibleException">One of those models cannot meet the budget.</exception>
    internal static NetworkSpec CheckFirstModels<TModel>(GroupSearchMethod method, Func<NpasOptions, TModel> create, GroupSearchOptions options)
        where TModel : NpasModule
    {
        if (method == GroupSearchMethod.Learned)
        {
            using var warmup = create(LearnedGrouping.WarmupOptions(options, device: null));
            return warmup.Network;
        }
        NetworkSpec declared;
        using (var probe = create(new NpasOptions { Seed = options.Seed, Budget = options.Budget, Sharing = options.Sharing }))
            declared = probe.Network;
        using (create(GradientConflictGrouping.WarmupOptions(declared, options, device: null))) { }
        return declared;
    }

    /// <summary>Whether <paramref name="allocation"/> is the result of <paramref name="method"/>'s search (its groups' source says so).</summary>
    public static bool Made(this GroupSearchMethod method, AllocationFile allocation)
        => allocation.AssignmentSource?.StartsWith(method == GroupSearchMethod.Learned ? LearnedGrouping.Source : GradientConflictGrouping.Source, StringComparison.Ordinal) == true;

    /// <summary>How the command line spells <paramref name="method"/>: learned or gradient-conflict.</summary>
    public static string CommandLineName(this GroupSearchMethod method) => method == GroupSearchMethod.Learned ? "learned" : "gradient-conflict";
}
