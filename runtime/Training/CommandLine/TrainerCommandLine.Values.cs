using System;
using System.Collections.Generic;
using System.Globalization;

namespace NpasDsl.Training;

// The value readers of the command line: each turns one option's text into a checked value, or throws an
// ArgumentException whose message names the option, the range it needs and the text it got. Programs use them for
// their own options too, so that every program words its errors alike.
public sealed partial class TrainerCommandLine
{
    /// <summary>An integer (any sign), or an error naming <paramref name="option"/>.</summary>
    public static long Integer(string option, string text)
        => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"{option} needs an integer, not '{text}'.");

    /// <summary>
    /// A model option that programs share because <c>--unshare-at</c> needs it: "none" or "by-shape" (same-shape layers start
    /// with one coefficient vector), or an error naming <paramref name="option"/>.
    /// </summary>
    public static CoefficientSharing CoefficientSharingNamed(string option, string text) => text switch
    {
        "none" => CoefficientSharing.None,
        "by-shape" => CoefficientSharing.ByShape,
        _ => throw new ArgumentException($"{option} must be none or by-shape, not '{text}'."),
    };

    /// <summary>A finite number (any sign), or an error naming <paramref name="option"/>.</summary>
    public static double Number(string option, string text)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : throw new ArgumentException($"{option} needs a finite number, not '{text}'.");

    /// <summary>How <c>--optimizer</c> spells <paramref name="kind"/>: adamw or sgd.</summary>
    public static string OptimizerName(OptimizerKind kind) => kind == OptimizerKind.SgdNesterov ? "sgd" : "adamw";

    /// <summary>A schedule as <c>--schedule</c> names it: constant, step, multi-step or cosine.</summary>
    public static string ScheduleName(ScheduleKind kind) => kind == ScheduleKind.MultiStep ? "multi-step" : kind.ToString().ToLowerInvariant();

    /// <summary>Comma-separated increasing epoch counts ("60,120,160"), or an error naming <paramref name="option"/>.</summary>
    public static IReadOnlyList<int> Milestones(string option, string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var milestones = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out milestones[i]) || milestones[i] < 1 || i > 0 && milestones[i] <= milestones[i - 1])
                throw new ArgumentException($"{option} needs increasing positive epoch counts separated by commas (e.g. 60,120,160), not '{text}'.");
        return milestones;
    }

    /// <summary>An integer above 0, or an error naming <paramref name="option"/>.</summary>
    public static int PositiveInteger(string option, string text)
        => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{option} needs a positive integer, not '{text}'.");

    /// <summary>
    /// The most threads <see cref="ThreadCount"/> accepts: four per core, and at least 64. Far more threads than cores
    /// only slow TorchSharp down, and a count in the tens of thousands makes libtorch hang while it starts them.
    /// </summary>
    public static int MaxThreads => Math.Max(64, 4 * Environment.ProcessorCount);

    /// <summary>A thread count from 1 to <see cref="MaxThreads"/>, or an error naming <paramref name="option"/> and this machine's cores.</summary>
    public static int ThreadCount(string option, string text)
    {
        int threads = PositiveInteger(option, text);
        return threads <= MaxThreads
            ? threads
            : throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                "{0} {1} is more threads than this machine can use: it has {2} CPU cores; give at most {3} (one per core is usually fastest).",
                option, threads, Environment.ProcessorCount, MaxThreads));
    }

    /// <summary>A parameter count above 0 (a long: budgets may pass 2^31), or an error naming <paramref name="option"/>.</summary>
    public static long PositiveCount(string option, string text)
        => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{option} needs a positive whole number, not '{text}'.");

    /// <summary>An integer of at least 0, or an error naming <paramref name="option"/>.</summary>
    public static int NonNegativeInteger(string option, string text)
        => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : throw new ArgumentException($"{option} needs an integer of at least 0, not '{text}'.");

    /// <summary>A finite number above 0, or an error naming <paramref name="option"/>.</summary>
    public static double PositiveNumber(string option, string text)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v) ? v : throw new ArgumentException($"{option} needs a finite positive number, not '{text}'.");

    /// <summary>
    /// A budget fraction of the unshared model, above 0 and at most <see cref="Planning.BudgetSpec.MaxFraction"/>: the
    /// value of a program's <c>--budget</c>, checked where it is typed rather than when the model is built.
    /// </summary>
    /// <exception cref="ArgumentException">The text is not such a fraction; the message names <paramref name="option"/>.</exception>
    /// <param name="option">The option's name, for the message.</param>
    /// <param name="text">The value typed.</param>
    /// <param name="ofWhat">What the fraction is of, for the message (a family member's budget is of what it adds).</param>
    public static double BudgetFraction(string option, string text, string ofWhat = "the unshared model")
    {
        var max = Planning.BudgetSpec.MaxFraction;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && v <= max
            ? v
            : throw new ArgumentException($"{option} needs a fraction of {ofWhat} above 0 and at most {max.ToString(CultureInfo.InvariantCulture)} (e.g. 0.1 or 2), not '{text}'.");
    }

    /// <summary>Which ends of a <see cref="NumberBetween"/> range belong to it.</summary>
    public enum Ends
    {
        /// <summary>Both ends allowed: [low, high].</summary>
        Closed,
        /// <summary>The low end allowed, the high end not: [low, high).</summary>
        ClosedOpen,
        /// <summary>Neither end allowed: (low, high).</summary>
        Open,
    }

    /// <summary>
    /// A number from <paramref name="low"/> to <paramref name="high"/> (<paramref name="ends"/> says whether each end is
    /// allowed), or an error naming <paramref name="option"/> and the range, so that the user reads the option they typed
    /// rather than the <see cref="TrainerOptions"/> property it sets.
    /// </summary>
    public static double NumberBetween(string option, string text, double low, double high, Ends ends)
    {
        bool parsed = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v);
        // Written so that NaN fails: every comparison with NaN is false.
        bool inside = ends switch
        {
            Ends.Closed => v >= low && v <= high,
            Ends.ClosedOpen => v >= low && v < high,
            _ => v > low && v < high,
        };
        if (parsed && inside) return v;
        string Show(double x) => x.ToString(CultureInfo.InvariantCulture);
        string range = ends switch
        {
            Ends.Closed => $"from {Show(low)} to {Show(high)}",
            Ends.ClosedOpen => $"from {Show(low)} up to but not including {Show(high)}",
            _ => $"above {Show(low)} and below {Show(high)}",
        };
        throw new ArgumentException($"{option} needs a number {range}, not '{text}'.");
    }

    /// <summary>A finite number of at least 0, or an error naming <paramref name="option"/>.</summary>
    public static double NonNegativeNumber(string option, string text)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && double.IsFinite(v) ? v : throw new ArgumentException($"{option} needs a finite number of at least 0, not '{text}'.");
}
