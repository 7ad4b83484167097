using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using NpasDsl.Allocation;
using NpasDsl.Planning;

namespace NpasDsl.Training;

/// <summary>
/// What a command-line group search ran with, saved as <see cref="FileName"/> beside its result. The groups a resumed
/// run reads back were found under these settings and no others, so <c>--resume</c> refuses a command line that asks
/// for another search (another budget, sharing, seed, batch size, validation split, method or number of groups)
/// instead of silently training the old groups under the new options. The warm-up length is recorded but not held
/// to, like the number of epochs: by default it follows the run's length, which a resumed run may extend.
/// </summary>
/// <param name="Method">The method, as the command line spells it (<c>learned</c>, <c>gradient-conflict</c>).</param>
/// <param name="WarmupSteps">The warm-up steps the search ran.</param>
/// <param name="Groups"><c>--groups</c>, or null for as many as by-shape grouping would make.</param>
/// <param name="Seed">The seed of the warm-up model and of the search's batch order.</param>
/// <param name="BatchSize">The warm-up's batch size (the trainer's).</param>
/// <param name="TrainingExamples">The images the warm-up drew from (fewer with a validation split).</param>
/// <param name="Budget">The budget asked for (<see cref="Declared"/> for the model's own).</param>
/// <param name="Sharing">The sharing options asked for (<see cref="Declared"/> for the model's own).</param>
public sealed record GroupSearchSettings(string Method, int WarmupSteps, int? Groups, long Seed, int BatchSize, long TrainingExamples,
    string Budget, string Sharing)
{
    /// <summary>The file the settings are written to, in the checkpoint directory.</summary>
    public const string FileName = "group-search.settings.json";

    /// <summary>How <see cref="Budget"/> and <see cref="Sharing"/> read when the command line left the declaration's.</summary>
    public const string Declared = "declared";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The text <see cref="Budget"/> holds for <paramref name="budget"/>.</summary>
    public static string BudgetText(BudgetSpec? budget) => budget is not { } b ? Declared
        : b.IsFraction ? b.FractionValue.ToString("R", CultureInfo.InvariantCulture)
        : b.ParameterCount.ToString(CultureInfo.InvariantCulture) + " parameters";

    /// <summary>The text <see cref="Sharing"/> holds for <paramref name="sharing"/>.</summary>
    public static string SharingText(SharingSpec? sharing) => sharing is null ? Declared
        : string.Format(CultureInfo.InvariantCulture, "strategy {0}, combiner {1}, upsampler {2}, at most {3} templates, bank split {4}, coefficient sharing {5}, mask period {6}",
            sharing.Strategy, sharing.Combiner, sharing.Upsampler, sharing.MaxTemplates, sharing.BankSplit, sharing.CoefficientSharing, sharing.MaskPeriod);

    /// <summary>Each setting of <paramref name="run"/> that differs from these saved ones (the warm-up length aside), as "--option saved (this run: value)".</summary>
    public IEnumerable<string> Differences(GroupSearchSettings run)
    {
        ArgumentNullException.ThrowIfNull(run);
        static string Text(object? value) => value switch
        {
            null => "as by-shape grouping",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString() ?? "",
        };
        if (Method != run.Method) yield return $"--group-search {Method} (this run: {run.Method})";
        if (Groups != run.Groups) yield return $"--groups {Text(Groups)} (this run: {Text(run.Groups)})";
        if (Seed != run.Seed) yield return $"--seed {Text(Seed)} (this run: {Text(run.Seed)})";
        if (BatchSize != run.BatchSize) yield return $"--batch-size {Text(BatchSize)} (this run: {Text(run.BatchSize)})";
        if (TrainingExamples != run.TrainingExamples)
            yield return $"training examples {TrainingExamples:N0} (this run: {run.TrainingExamples:N0}; another --validation split or data set)";
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
