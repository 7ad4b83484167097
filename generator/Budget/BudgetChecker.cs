using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using NpasDsl.Generator.Diagnostics;
using NpasDsl.Generator.Model;
using NpasDsl.Planning;

namespace NpasDsl.Generator.Budget;

/// <summary>
/// Plans the model with the runtime's own planner, so a budget that compiles is a budget that plans at
/// start-up, and turns what the plan shows into findings: an infeasible budget, a layer too large for its
/// bank with upsampling off, a named group that cannot share, and high-budget capacity no layer can read.
/// A pipeline step of its own over the equatable network: planning a large model costs more than reading it,
/// and an edit that leaves the network as it was (however the class and its properties are written) does not plan it again.
/// </summary>
internal static class BudgetChecker
{
    /// <summary>Share of the budget left unused above which a high budget earns a warning.</summary>
    private const double UnusedWarningShare = 0.005;

    /// <summary>
    /// Tests only: a planner to run instead of <see cref="BudgetPlanner.Plan"/>, to prove that a planner defect becomes
    /// NPAS022 rather than a generator crash. Per thread, because the driver runs the generator on the caller's thread
    /// and tests run in parallel.
    /// </summary>
    [System.ThreadStatic] internal static System.Func<NetworkSpec, AllocationPlan>? PlannerForTests;

    /// <summary>Plans <paramref name="network"/>'s budget; its model can be generated unless an error was found.</summary>
    public static BudgetVerdict Check(NetworkModel network, CancellationToken cancellationToken)
    {
        var findings = new List<BudgetFinding>();
        bool feasible;
        try
        {
            feasible = Check(network, findings, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A generator that throws leaves the user with CS8785 and a CS9248 per layer: a defect of the planner
            // is reported as what it is, on the budget, and the class gets no model code.
            findings.Add(Finding(DiagnosticDescriptors.PlannerFailure, FindingAnchor.Budget, null, network.ClassName, e.GetType().Name, e.Message));
            feasible = false;
        }
        return new BudgetVerdict(network, feasible, findings.ToEquatableArray());
    }

    private static bool Check(NetworkModel network, List<BudgetFinding> findings, CancellationToken cancellationToken)
    {
        var spec = NetworkSpecBuilder.Build(network);
        // A [ShareGroup] name the strategy also uses would merge the strategy's layers into the named group, silently.
        if (GroupAssigner.StrategyNameClash(spec) is { } clash)
        {
            findings.Add(Finding(DiagnosticDescriptors.InvalidSharingOption, FindingAnchor.ShareGroup, clash.Named, clash.Named, GroupAssigner.ClashProblem(spec, clash)));
            return false;
        }
        AllocationPlan plan;
        try
        {
            plan = PlannerForTests is { } planner ? planner(spec) : BudgetPlanner.Plan(spec);
        }
        catch (BudgetInfeasibleException infeasible)
        {
            findings.Add(InfeasibleBudget(spec, infeasible));
            return false;
        }
        cancellationToken.ThrowIfCancellationRequested();

        foreach (var group in plan.Groups.Where(g => g.Members.Count == 1))
        {
            var layer = plan.Layer(group.Members[0]);
            if (layer.Spec.Group is null || layer.Spec.WeightSize <= group.BankSize) continue;
            findings.Add(Finding(DiagnosticDescriptors.LoneGroupTiled, FindingAnchor.ShareGroup, layer.Spec.Name,
                group.Name, layer.Path, N(layer.Spec.WeightSize), N(group.BankSize), ((double)layer.Spec.WeightSize / group.BankSize).ToString("0.##", CultureInfo.InvariantCulture)));
        }

        // Below the unshared count too: with one template per layer (round robin, MaxTemplates = 1) or Interpolate's grids
        // the layers may read less than the budget could pay for, and methods.md §6 asks for that to be reported, not hidden.
        // A model with exact (SPIN) sharing is left alone below it: its weight sets are fewer than its layers by design, so a
        // budget above what they hold (SPIN's [SharedBudget(1.0)] with one slice per set) is a ceiling, not a target.
        long unused = plan.Breakdown.Unused;
        bool exactSharing = HasExactSharing(spec);
        // Below it, only where a read limit is what leaves the budget unused: a plan without one (no template cap, the weighted
        // average for round robin, Repeat for Interpolate) uses it. What else is left there is the rounding of banks against
        // coefficients, which no budget but a lower one avoids and no option the message names would change.
        if (unused > UnusedWarningShare * plan.Budget
            && (plan.Budget > plan.Unshared || (!exactSharing && Uses(WithoutReadLimits(spec), plan.Budget, cancellationToken))))
        {
            int? enough = SmallestMaxTemplatesThatUses(spec, plan.Budget, cancellationToken);
            string raise = enough is { } k2 ? " or raise [Sharing(MaxTemplates = " + k2.ToString(CultureInfo.InvariantCulture) + ")]"
                : spec.Sharing.Combiner == Combiner.RoundRobin && Uses(WithCombiner(spec, Combiner.WeightedAverage), plan.Budget, cancellationToken)
                    ? " or choose [Sharing(Combiner = Combiner.WeightedAverage)], whose layers combine several templates"
                    : "";
            findings.Add(Finding(DiagnosticDescriptors.UnusableCapacity, FindingAnchor.Budget, null,
                N(unused), N(plan.Budget), ReadLimit(spec.Sharing, plan), N(UsableBudget(spec, plan, cancellationToken)), raise));
        }
        return true;
    }

    private static BudgetFinding Finding(DiagnosticDescriptor descriptor, FindingAnchor anchor, string? layer, params object[] arguments)
        => new(descriptor.Id, anchor, layer, DiagnosticInfo.Texts(arguments));

    private static BudgetFinding InfeasibleBudget(NetworkSpec spec, BudgetInfeasibleException infeasible)
    {
        if (spec.Sharing.Upsampler == Upsampler.None)
        {
            var tiled = new NetworkSpec(spec.ModelName, spec.Budget, spec.Layers,
                spec.Sharing.With(upsampler: Upsampler.Repeat));
            if (BudgetCheck.For(tiled).IsFeasible)
            {
                var largest = spec.Layers.Where(l => l.IsShareable).OrderByDescending(l => l.WeightSize).First();
                return Finding(DiagnosticDescriptors.LayerLargerThanBank, FindingAnchor.Budget, null, largest.Name, N(largest.WeightSize),
                    N(infeasible.Budget), N(infeasible.Minimum), BudgetInfeasibleException.FeasibleFraction(infeasible.Minimum, infeasible.Unshared));
            }
        }
        return Finding(DiagnosticDescriptors.InfeasibleBudget, FindingAnchor.Budget, null, infeasible.Message);
    }

    /// <summary>
    /// A K_max (up to 4,096) at which the budget is used, found by bisection; null if none is. More templates also mean
    /// more coefficients, so a higher K_max can make the plan infeasible (without upsampling, small layers' coefficients
    /// outgrow the budget): such a K_max counts as not using the budget, and the one suggested is always one that plans.
    /// </summary>
    private static int? SmallestMaxTemplatesThatUses(NetworkSpec spec, long budget, CancellationToken cancellationToken)
    {
        // The round-robin combiner reads one template whatever MaxTemplates says.
        if (spec.Sharing.Combiner == Combiner.RoundRobin) return null;
        bool Uses(int k) => BudgetChecker.Uses(WithMaxTemplates(spec, k), budget, cancellationToken);
        int high = 4096;
        // Compared before adding 1: MaxTemplates may be int.MaxValue (no cap), and its successor would wrap below 4096.
        if (spec.Sharing.MaxTemplates >= high || !Uses(high)) return null;
        int low = spec.Sharing.MaxTemplates + 1;
        while (low < high)
        {
            int middle = low + (high - low) / 2;
            if (Uses(middle)) high = middle;
            else low = middle + 1;
        }
        return high;
    }

    /// <summary>Whether <paramref name="spec"/> plans at <paramref name="budget"/> leaving no more unused than the warning allows.</summary>
    private static bool Uses(NetworkSpec spec, long budget, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested(); // each plan of a large model takes a while; an edit may have made this one moot
        try
        {
            return BudgetPlanner.Plan(spec).Breakdown.Unused <= UnusedWarningShare * budget;
        }
        catch (BudgetInfeasibleException)
        {
            return false;
        }
    }

    /// <summary>
    /// The budget to suggest instead: one that plans and leaves no more unused than the warning allows, so that following
    /// the advice silences it. What the plan used (its total and the coefficient-unsharing reserve it set aside) is the
    /// first guess; a smaller budget can plan smaller banks and reserve less, so each guess is planned and lowered by
    /// what it leaves unused until one fits. Above the unshared count the guesses stop at the unshared count where that
    /// never warns (a model with exact sharing); any other model is warned below it too, so the guesses go on from there,
    /// each lower than the last.
    /// </summary>
    internal static long UsableBudget(NetworkSpec spec, AllocationPlan plan, CancellationToken cancellationToken = default)
    {
        long Unused(long budget)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return BudgetPlanner.Plan(new NetworkSpec(spec.ModelName, BudgetSpec.Parameters(budget), spec.Layers, spec.Sharing,
                spec.Assignment, spec.CoefficientPartition, spec.ExtendedFrom)).Breakdown.Unused;
        }
        long firstGuess = plan.Budget - plan.Breakdown.Unused;
        long candidate = firstGuess;
        // Above the unshared count the guesses descend towards it; where they reach it, a model with exact sharing stops
        // there (it never warns), any other goes on from it with a bounded number of guesses below.
        bool aboveUnshared = plan.Budget > plan.Unshared;
        int guessesBelow = 0;
        while (true)
        {
            if (aboveUnshared && candidate <= plan.Unshared)
            {
                if (HasExactSharing(spec)) return plan.Unshared;
                candidate = plan.Unshared;
                aboveUnshared = false;
            }
            // Below the unshared count each guess is lower than the last and the plans end infeasible at worst; the cap only
            // bounds the work on a pathological model.
            if (!aboveUnshared && guessesBelow++ == MaxLowBudgetGuesses) return candidate;
            long unused;
            try
            {
                unused = Unused(candidate);
            }
            catch (BudgetInfeasibleException)
            {
                // Not expected at or above what a feasible plan used.
                return aboveUnshared ? plan.Unshared : firstGuess;
            }
            if (unused <= UnusedWarningShare * candidate) return candidate;
            candidate -= unused;
        }
    }

    /// <summary>Whether a layer has exact (SPIN) sharing: fewer weight sets than repeats.</summary>
    private static bool HasExactSharing(NetworkSpec spec) => spec.Layers.Any(l => l.WeightSets < l.Count);

    private const int MaxLowBudgetGuesses = 16;

    /// <summary>What keeps the layers from reading more of their banks, for the message: the template cap, and Interpolate's grids where a layer reads one.</summary>
    private static string ReadLimit(SharingSpec sharing, AllocationPlan plan)
        => plan.Layers.Any(l => l.Grid is not null)
            ? TemplateLimit(sharing) + " and Upsampler.Interpolate (a layer larger than its bank reads one grid of it, its sides in steps of 5 %)"
            : TemplateLimit(sharing);

    private static string TemplateLimit(SharingSpec sharing) => sharing.Combiner == Combiner.RoundRobin
        ? "the round-robin combiner (one template per layer)"
        : "MaxTemplates = " + sharing.MaxTemplates.ToString(CultureInfo.InvariantCulture);

    /// <summary><paramref name="spec"/> with what bounds how much of a bank a layer reads lifted: the template cap, one template per layer, Interpolate's grids.</summary>
    private static NetworkSpec WithoutReadLimits(NetworkSpec spec)
        => new(spec.ModelName, spec.Budget, spec.Layers, spec.Sharing.With(
            combiner: spec.Sharing.Combiner == Combiner.RoundRobin ? Combiner.WeightedAverage : spec.Sharing.Combiner,
            upsampler: spec.Sharing.Upsampler == Upsampler.Interpolate ? Upsampler.Repeat : spec.Sharing.Upsampler,
            maxTemplates: System.Math.Max(spec.Sharing.MaxTemplates, 4096)));

    private static NetworkSpec WithCombiner(NetworkSpec spec, Combiner combiner)
        => new(spec.ModelName, spec.Budget, spec.Layers, spec.Sharing.With(combiner: combiner));

    private static NetworkSpec WithMaxTemplates(NetworkSpec spec, int maxTemplates)
        => new(spec.ModelName, spec.Budget, spec.Layers, spec.Sharing.With(maxTemplates: maxTemplates));

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
