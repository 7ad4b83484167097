using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Text.RegularExpressions;
using NpasDsl.Allocation;
using NpasDsl.Planning;

namespace NpasDsl.Training;

/// <summary>
/// What a command-line group search ran with, saved as <see cref="FileName"/> beside its result. The groups a resumed
/// run reads back were found under these settings and no others, so <c>--resume</c> refuses a command line that asks
/// for another search (another budget, sharing, seed, batch size, validation split, method or number of groups)
/// instead of silently training the old groups under the new options. The warm-up length is recorded but not held
/// to unless <c>--search-steps</c> is given, like the number of epochs: by default it follows the run's length, which a resumed run may extend.
/// </summary>
/// <param name="Method">The method, as the command line spells it (<c>learned</c>, <c>gradient-conflict</c>).</param>
/// <param name="WarmupSteps">The warm-up steps the search ran.</param>
/// <param name="Groups"><c>--groups</c>, or null for as many as by-shape grouping would make.</param>
/// <param name="Seed">The seed of the warm-up model and of the search's batch order.</param>
/// <param name="BatchSize">The warm-up's batch size (the trainer's).</param>
/// <param name="TrainingExamples">The images the warm-up drew from (fewer with a validation split).</param>
/// <param name="Budget">The budget the searched model had, in parameters (a fraction and the count it comes to are the same budget).</param>
/// <param name="Sharing">The sharing options the searched model had: the command line's or, where it gave none, the declaration's.</param>
public sealed record GroupSearchSettings(string Method, int WarmupSteps, int? Groups, long Seed, int BatchSize, long TrainingExamples,
    string Budget, string Sharing)
{
    /// <summary>The file the settings are written to, in the checkpoint directory.</summary>
    public const string FileName = "group-search.settings.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>
    /// The settings of a search of <paramref name="method"/> on a model planned as <paramref name="planned"/> (its
    /// declaration with the run's budget and sharing options): its effective budget and sharing are recorded, so a
    /// resume that spells the declared ones out matches a run that left them to the declaration.
    /// </summary>
    public static GroupSearchSettings For(string method, int warmupSteps, int? groups, long seed, int batchSize, long trainingExamples, NetworkSpec planned)
    {
        ArgumentNullException.ThrowIfNull(planned);
        return new GroupSearchSettings(method, warmupSteps, groups, seed, batchSize, trainingExamples,
            BudgetText(planned.Budget.Resolve(planned.UnsharedParameters)), SharingText(planned.Sharing.WithoutMootOptions()));
    }

    private const string ParametersSuffix = " parameters";

    /// <summary>How NpasDsl before December 2026 recorded a budget or sharing left to the declaration.</summary>
    private const string OlderDeclared = "declared";

    private static string BudgetText(long parameters) => parameters.ToString("N0", CultureInfo.InvariantCulture) + ParametersSuffix;

    private static string SharingText(SharingSpec sharing) => string.Format(CultureInfo.InvariantCulture,
        "strategy {0}, combiner {1}, upsampler {2}, at most {3} templates, bank split {4}, coefficient sharing {5}, mask period {6}",
        sharing.Strategy, sharing.Combiner, sharing.Upsampler, sharing.MaxTemplates, sharing.BankSplit, sharing.CoefficientSharing, sharing.MaskPeriod);

    /// <summary>
    /// These settings as this version records them, for <paramref name="declaration"/> (the model searched). Versions
    /// before December 2026 wrote what the command line gave: "declared" where it left the budget or sharing to the
    /// declaration, a budget fraction as the fraction, and a parameter count without separators; each is resolved here
    /// to the parameters and sharing the model had, so a resume is compared on every setting whatever wrote the file.
    /// </summary>
    public GroupSearchSettings Upgraded(NetworkSpec declaration)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        long unshared = declaration.UnsharedParameters;
        string budget = Budget == OlderDeclared ? BudgetText(declaration.Budget.Resolve(unshared))
            : Parameters(Budget) is { } count ? BudgetText(count)
            : double.TryParse(Budget, NumberStyles.Float, CultureInfo.InvariantCulture, out double fraction) && BudgetSpec.Fraction(fraction).Validate() is null
                ? BudgetText(BudgetSpec.Fraction(fraction).Resolve(unshared))
                : Budget; // not a budget any version wrote: compared as it stands, so it differs
        return this with { Budget = budget, Sharing = Sharing == OlderDeclared ? SharingText(declaration.Sharing.WithoutMootOptions()) : WithoutMootOptions(Sharing) };
    }

    /// <summary>
    /// Sharing text as <see cref="SharingText"/> writes it, with a template cap or mask period that its combiner or
    /// upsampler makes moot set to the default: versions before December 2026 recorded them as declared, and a user who
    /// removed one as NPAS025 advises searches the same model.
    /// </summary>
    private static string WithoutMootOptions(string sharing)
    {
        var combiner = Regex.Match(sharing, @"\bcombiner (\w+)");
        var upsampler = Regex.Match(sharing, @"\bupsampler (\w+)");
        if (combiner.Success && Enum.TryParse<Combiner>(combiner.Groups[1].Value, out var c) && !SharingSpec.MaxTemplatesMatters(c))
            sharing = Regex.Replace(sharing, @"\bat most \d+ templates\b", "at most " + SharingDefaults.MaxTemplates.ToString(CultureInfo.InvariantCulture) + " templates");
        if (upsampler.Success && Enum.TryParse<Upsampler>(upsampler.Groups[1].Value, out var u) && !SharingSpec.MaskPeriodMatters(u))
            sharing = Regex.Replace(sharing, @"\bmask period \d+$", "mask period " + SharingDefaults.MaskPeriod.ToString(CultureInfo.InvariantCulture));
        return sharing;
    }

    /// <summary>A budget as a parameter count ("1,234 parameters", or "1234 parameters" as older versions wrote it), or null.</summary>
    private static long? Parameters(string budget)
        => budget.EndsWith(ParametersSuffix, StringComparison.Ordinal)
           && long.TryParse(budget.AsSpan(0, budget.Length - ParametersSuffix.Length), NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out long count)
            ? count : null;

    /// <summary>Each setting of <paramref name="run"/> that differs from these saved ones (the warm-up length only when given), as "--option saved (this run: value)"; compare <see cref="Upgraded"/> settings.</summary>
    /// <param name="run">The settings this run would search with.</param>
    /// <param name="warmupGiven">Whether this run gave <c>--search-steps</c>: a length asked for outright is held to, since the resumed run will not search with it.</param>
    public IEnumerable<string> Differences(GroupSearchSettings run, bool warmupGiven = false)
    {
        ArgumentNullException.ThrowIfNull(run);
        static string Text(object? value) => value switch
        {
            null => "as by-shape grouping",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString() ?? "",
        };
        if (Method != run.Method) yield return $"--group-search {Method} (this run: {run.Method})";
        if (warmupGiven && WarmupSteps != run.WarmupSteps) yield return $"--search-steps {Text(WarmupSteps)} (this run: {Text(run.WarmupSteps)})";
        if (Groups != run.Groups) yield return $"--groups {Text(Groups)} (this run: {Text(run.Groups)})";
        if (Seed != run.Seed) yield return $"--seed {Text(Seed)} (this run: {Text(run.Seed)})";
        if (BatchSize != run.BatchSize) yield return $"--batch-size {Text(BatchSize)} (this run: {Text(run.BatchSize)})";
        if (TrainingExamples != run.TrainingExamples)
            yield return string.Create(CultureInfo.InvariantCulture, $"training examples {TrainingExamples:N0} (this run: {run.TrainingExamples:N0}; another --validation split or data set)");
        if (Budget != run.Budget) yield return $"budget {Budget} (this run: {run.Budget})";
        if (Sharing != run.Sharing) yield return $"sharing options {Sharing} (this run: {run.Sharing})";
    }

    /// <summary>Writes the settings as JSON, atomically.</summary>
    public void Save(string path) => AtomicFile.WriteText(path, JsonSerializer.Serialize(this, Json).Replace("\r\n", "\n") + "\n");

    /// <summary>Reads settings <see cref="Save"/> wrote.</summary>
    /// <exception cref="CheckpointException">The file cannot be read or is not group-search settings.</exception>
    public static GroupSearchSettings Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<GroupSearchSettings>(File.ReadAllText(path), Json) is { Method: not null, Budget: not null, Sharing: not null } settings
                ? settings
                : throw new CheckpointException($"{path} does not hold group-search settings; delete it to resume without checking them, or start afresh with --overwrite.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new CheckpointException($"{path} cannot be read ({e.Message}); delete it to resume without checking the search settings, or start afresh with --overwrite.", e);
        }
    }
}
