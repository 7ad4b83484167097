using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using NpasDsl.Allocation;
using NpasDsl.GroupSearch;
using NpasDsl.Planning;

namespace NpasDsl.Training;

/// <summary>
/// The command-line options that give a model other groups than its declaration's, shared by the training programs:
/// <c>--group-search</c> runs SSN's or SuperWeights' search on the training set before training, <c>--allocation</c>
/// rebuilds a saved allocation. A program hands unknown names to <see cref="TryRead"/>, calls <see cref="Check"/> once
/// everything is read, and builds its model with the allocation <see cref="Resolve"/> returns (null: the declared groups).
/// </summary>
public sealed class AllocationCommandLine
{
    /// <summary>What the options do; append it to the program's usage text.</summary>
    public const string Usage =
        "allocation options:\n" +
        "  --group-search M           search the groups on the training set before training: learned (SSN, k-means over the\n" +
        "                             coefficients of a four-template warm-up) or gradient-conflict (SuperWeights, merging\n" +
        "                             layers whose gradients agree); the result goes to " + SearchFileName + "\n" +
        "                             in the checkpoint directory, and --resume reuses the groups of the run it continues\n" +
        "                             (refusing other search settings: method, --groups, --search-steps when given, --seed,\n" +
        "                             --batch-size, budget, sharing, data); a start from epoch 1 refuses a directory\n" +
        "                             holding a search's result unless --overwrite is given\n" +
        "  --search-steps N           warm-up steps of the search (default: a tenth of the run's steps, as SSN suggests)\n" +
        "  --groups G                 learned: how many groups k-means makes (default: as many as by-shape grouping would)\n" +
        "  --allocation FILE          build the model with a saved allocation (a search's " + SearchFileName + ",\n" +
        "                             or the <model>.allocation.json beside a checkpoint): its groups, budget and sharing options";

    /// <summary>The file a search's allocation is written to, in the checkpoint directory.</summary>
    public const string SearchFileName = "group-search.allocation.json";

    /// <summary><c>--group-search</c>, or null for none.</summary>
    public GroupSearchMethod? Search { get; private set; }

    /// <summary><c>--search-steps</c>, or null for a tenth of the run's steps.</summary>
    public int? SearchSteps { get; private set; }

    /// <summary><c>--groups</c>, or null for as many as by-shape grouping would make.</summary>
    public int? Groups { get; private set; }

    /// <summary><c>--allocation</c>, or null.</summary>
    public string? AllocationPath { get; private set; }

    /// <summary>How the options read, for a program's start-up line ("" when none was given).</summary>
    public string Description => Search is { } method
        ? $" group_search={method.CommandLineName()}" + (SearchSteps is { } s ? string.Format(CultureInfo.InvariantCulture, " search_steps={0}", s) : "") + (Groups is { } g ? string.Format(CultureInfo.InvariantCulture, " groups={0}", g) : "")
        : AllocationPath is { } path ? $" allocation={path}" : "";

    /// <summary>Reads <paramref name="name"/> if it is one of these options; returns false, reading nothing, for any other name.</summary>
    /// <exception cref="ArgumentException">The value is missing or not what the option needs.</exception>
    public bool TryRead(string name, Func<string> value)
    {
        switch (name)
        {
            case "--group-search":
                Search = value() switch
                {
                    "learned" => GroupSearchMethod.Learned,
                    "gradient-conflict" => GroupSearchMethod.GradientConflict,
                    var other => throw new ArgumentException($"--group-search must be learned or gradient-conflict, not '{other}'."),
                };
                return true;
            case "--search-steps": SearchSteps = TrainerCommandLine.PositiveInteger(name, value()); return true;
            case "--groups": Groups = TrainerCommandLine.PositiveInteger(name, value()); return true;
            case "--allocation": AllocationPath = value(); return true;
            default: return false;
        }
    }

    /// <summary>
    /// Refuses combinations that cannot mean what they say. <paramref name="replacedByAllocation"/> names the program's
    /// options that an <c>--allocation</c> would override (its budget, its sharing options): each entry is the option's
    /// name when it was given on this command line, null when it was not.
    /// </summary>
    /// <exception cref="ArgumentException">Two options contradict each other, or one needs another that is missing.</exception>
    public void Check(params string?[] replacedByAllocation)
    {
        if (AllocationPath is not null && Search is not null)
            throw new ArgumentException("Give either --allocation (groups saved before) or --group-search (groups searched now), not both.");
        if (AllocationPath is not null && replacedByAllocation.FirstOrDefault(o => o is not null) is { } replaced)
            throw new ArgumentException($"--allocation carries its own budget, groups and sharing options; drop {replaced}, or search again with --group-search and {replaced}.");
        if (Search is null && (SearchSteps is not null || Groups is not null))
            throw new ArgumentException($"{(SearchSteps is not null ? "--search-steps" : "--groups")} only applies to --group-search; add --group-search learned or gradient-conflict.");
        if (Search == GroupSearchMethod.GradientConflict && Groups is not null)
            throw new ArgumentException("--groups sets the number of k-means clusters of --group-search learned; gradient-conflict finds its own number of groups.");
    }

    /// <summary>
    /// The allocation to build the model with (<see cref="NpasOptions.Allocation"/>), or null for the declared groups.
    /// A search warms up <paramref name="create"/>'s model with <paramref name="model"/>'s seed, budget, sharing options and
    /// device on <paramref name="data"/>'s training set in batches of the trainer's size, and writes its result to
    /// <see cref="SearchFileName"/> in the checkpoint directory. A resumed run searches nothing: it reads the groups of the
    /// checkpoint it continues (or, killed before its first checkpoint, the file its search wrote). A run that starts from
    /// epoch 1 (fresh, or resumed with no checkpoint) in a directory holding a finished search's result is refused unless
    /// the result is the <c>--allocation</c> given, or <c>--overwrite</c> is given, which deletes it; before anything is
    /// deleted, the model the run builds first is built on the CPU, so that a run refused for its model loses nothing.
    /// </summary>
    /// <exception cref="ArgumentException"><c>--allocation</c> names a file that is missing or is not an allocation, or the trainer options or data are unusable.</exception>
    /// <exception cref="UnsharingUnavailableException"><c>--unshare-at</c> is given for a model whose coefficients cannot be split.</exception>
    /// <exception cref="CheckpointException">The checkpoint directory cannot be written; holds a checkpoint, or a search's result, that a run from epoch 1 would replace without --overwrite (or that a --resume without its --group-search would ignore); or its allocation or search settings cannot be read.</exception>
    /// <exception cref="CheckpointMismatchException">The run to resume was not trained with this search, or searched with other settings.</exception>
    /// <exception cref="TrainingDivergedException">The search's warm-up loss became NaN or infinite.</exception>
    /// <exception cref="BudgetInfeasibleException">The budget cannot be met by the models the search builds before its warm-up, or (where files would be deleted) by the model the run trains. The groups a search finds are planned after it, and may still fail then.</exception>
    /// <exception cref="AllocationMismatchException">Where files would be deleted: the <c>--allocation</c> given does not fit the model.</exception>
    /// <exception cref="GroupSearchInterruptedException"><paramref name="cancellationToken"/> was cancelled during the search's warm-up; nothing was written.</exception>
    public AllocationFile? Resolve<TModel>(Func<NpasOptions, TModel> create, TrainingData data, TrainerOptions trainer, NpasOptions model, Action<string> log,
        CancellationToken cancellationToken = default)
        where TModel : NpasModule
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(log);
        // The trainer's own refusals come first: before the search's minutes, and before any file is deleted.
        Trainer.ThrowIfUnusable(trainer, data);
        if (AllocationPath is { } path)
        {
            var given = Read(path, "--allocation " + path);
            try
            {
                ThrowIfRefused(create, new NpasOptions { Seed = model.Seed, Allocation = given }, trainer, path);
            }
            catch (AllocationMismatchException e)
            {
                throw DoesNotFit(path, e);
            }
            ReplaceSearchFiles(trainer, given, log);
            log($"allocation: {path} ({given.AssignmentSource ?? "its declared groups"})");
            return given;
        }
        if (Search is not { } method)
        {
            ThrowIfSearchedRunResumedWithout(trainer);
            ThrowIfRefused(create, new NpasOptions { Seed = model.Seed, Budget = model.Budget, Sharing = model.Sharing }, trainer);
            ReplaceSearchFiles(trainer, null, log);
            return null;
        }

        int steps = WarmupSteps(trainer, data);
        var options = new GroupSearchOptions
        {
            WarmupSteps = steps, Seed = model.Seed ?? trainer.Seed, Budget = model.Budget, Sharing = model.Sharing, Device = model.Device, Groups = Groups,
            Cancellation = cancellationToken,
        };
        // Command-line names even for options built in code: this class reads a command line, and its own messages name --group-search.
        var store = trainer.CheckpointDirectory is { } directory ? new CheckpointStore(directory, SettingNames.CommandLine) : null;
        // Before the search, not after it: a directory the run could not write, or a run a fresh start would replace, is refused now.
        store?.PrepareFor(trainer);
        var declaration = GroupSearches.CheckFirstModels(method, create, options);
        var planned = Warmup.Planned(declaration, options);
        if (trainer.UnshareAtEpoch is not null) ScheduledUnsharing.ThrowIfRefused(planned, SettingNames.CommandLine);
        var settings = GroupSearchSettings.For(method.CommandLineName(), steps, Groups, options.Seed, trainer.BatchSize, data.TrainInputs.shape[0], planned);
        string? searchFile = null, settingsFile = null;
        if (store is not null)
        {
            searchFile = Path.Combine(store.Directory, SearchFileName);
            settingsFile = Path.Combine(store.Directory, GroupSearchSettings.FileName);
            if (trainer.Resume && (store.Exists || File.Exists(searchFile)))
                return Resumed(method, settings, declaration, SearchSteps is not null, store, searchFile, settingsFile, log);
            // A fresh start: what a replaced run left must not be resumed if this one is killed during its search. The
            // search files go first: if they cannot be deleted, the checkpoint is still whole.
            ReplaceSearchFiles(trainer, null, log);
            if (trainer.Overwrite && store.Exists)
            {
                store.Discard();
                log($"--overwrite: the checkpoint in {store.Directory} is discarded; this run searches its groups and starts from epoch 1");
            }
        }

        log(string.Format(CultureInfo.InvariantCulture, "group search: {0}, {1:N0} warm-up step{5} in batches of {2} from the {3:N0} training examples{4}",
            method.CommandLineName(), steps, trainer.BatchSize, data.TrainInputs.shape[0], SearchSteps is null ? " (a tenth of the run's steps)" : "", steps == 1 ? "" : "s"));
        var batches = new SearchBatches(data, trainer.BatchSize, trainer.Seed, model.Device);
        AllocationFile allocation;
        try
        {
            allocation = GroupSearches.Run(method, create, batches.Loss, options);
        }
        catch (GroupSearchDivergedException e)
        {
            // A stopped run with the fix the command line offers, not a crash.
            throw new TrainingDivergedException($"{e.Problem}; try fewer --search-steps, another --seed, or no --group-search.");
        }
        catch (GroupSearchInterruptedException e)
        {
            // Nothing is written before the search ends, so a start with the same command searches again from scratch.
            throw new GroupSearchInterruptedException($"{e.Message} and wrote nothing; the same command searches again (--search-steps sets a shorter warm-up)",
                e.StepsDone, e.Steps, e.CancellationToken);
        }
        log($"group search: {allocation.AssignmentSource}: {allocation.Groups.Count} {(allocation.Groups.Count == 1 ? "group" : "groups")}");
        if (searchFile is not null && settingsFile is not null)
        {
            string writing = settingsFile;
            try
            {
                // Settings first: a run killed between the two writes searches again rather than resuming unchecked groups.
                settings.Save(settingsFile);
                writing = searchFile;
                allocation.Save(searchFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CheckpointException($"Could not write {writing} ({e.Message}); free disk space or fix the permissions, or give another --checkpoint-dir.", e);
            }
            log($"group search: saved to {searchFile} (build the same model again with --allocation {searchFile})");
        }
        return allocation;
    }

    /// <summary>
    /// The groups of the run being resumed: its checkpoint's (or, killed before its first checkpoint, the file its search
    /// wrote), once the run is known to have searched with <paramref name="method"/> and <paramref name="settings"/>.
    /// </summary>
    private static AllocationFile Resumed(GroupSearchMethod method, GroupSearchSettings settings, NetworkSpec declaration, bool warmupGiven, CheckpointStore store,
        string searchFile, string settingsFile, Action<string> log)
    {
        var (saved, where) = store.Exists
            ? (store.ReadAllocation(), "its checkpoint")
            : (Read(searchFile, searchFile), $"{SearchFileName}, written before its first checkpoint");
        const string Fix = "resume it with the options it was started with, or start afresh with --overwrite or another --checkpoint-dir.";
        if (!method.Made(saved))
            throw new CheckpointMismatchException($"The run in {store.Directory} was not trained with --group-search {method.CommandLineName()} (its groups come from " +
                $"{saved.AssignmentSource ?? "the declaration"}): {Fix}");
        if (File.Exists(settingsFile))
        {
            var differences = GroupSearchSettings.Load(settingsFile).Upgraded(declaration).Differences(settings, warmupGiven).ToList();
            if (differences.Count > 0)
                throw new CheckpointMismatchException($"The run in {store.Directory} searched its groups with other settings: {string.Join("; ", differences)}. {char.ToUpperInvariant(Fix[0])}{Fix[1..]}");
        }
        else
            log($"group search: {store.Directory} has no {GroupSearchSettings.FileName} (older versions did not write it); the search settings of the run being resumed are not checked");
        log($"group search: not run again; the groups of the run being resumed are read from {where} ({saved.AssignmentSource})");
        return saved;
    }

    /// <summary>
    /// Builds the model the run will train on the CPU, where it matters before files are deleted: with --unshare-at (a
    /// model that shares no coefficients is refused) or with search files that <see cref="ReplaceSearchFiles"/> would
    /// delete (a budget it cannot meet, or an allocation of another model, is refused while they are still there).
    /// </summary>
    private static void ThrowIfRefused<TModel>(Func<NpasOptions, TModel> create, NpasOptions options, TrainerOptions trainer, string? allocationPath = null) where TModel : NpasModule
    {
        bool deletes = trainer.Overwrite && trainer.CheckpointDirectory is { } directory
            && (File.Exists(Path.Combine(directory, SearchFileName)) || File.Exists(Path.Combine(directory, GroupSearchSettings.FileName)));
        if (trainer.UnshareAtEpoch is null && !deletes) return;
        using var probe = create(options);
        if (trainer.UnshareAtEpoch is not null) ScheduledUnsharing.ThrowIfRefused(probe.Allocation.Network, SettingNames.CommandLine, allocationPath);
    }

    /// <summary>
    /// A run that starts from epoch 1 must not leave a replaced run's search files for a later <c>--group-search
    /// --resume</c> to take for its own. They stay when they hold the allocation given to <c>--allocation</c> (whatever
    /// path names it); otherwise they go with <c>--overwrite</c>, each deletion logged, and without it the start is
    /// refused: a finished search is minutes of work that a run killed before its first checkpoint resumes from.
    /// A run resumed from its checkpoint leaves them alone.
    /// </summary>
    /// <exception cref="CheckpointException">The files are there and <c>--overwrite</c> was not given, or they cannot be deleted.</exception>
    private static void ReplaceSearchFiles(TrainerOptions trainer, AllocationFile? given, Action<string> log)
    {
        if (trainer.CheckpointDirectory is not { } directory || !Directory.Exists(directory)) return;
        var store = new CheckpointStore(directory, SettingNames.CommandLine);
        if (trainer.Resume && store.Exists) return;
        store.PrepareFor(trainer);
        string searchFile = Path.Combine(store.Directory, SearchFileName), settingsFile = Path.Combine(store.Directory, GroupSearchSettings.FileName);
        if (File.Exists(searchFile))
        {
            if (given is not null && Holds(searchFile, given))
            {
                log($"allocation: {searchFile} is the allocation given, so it stays (with its search settings)");
                return;
            }
            string found = $"{store.Directory} holds the groups a search found ({SearchFileName}) and no checkpoint";
            if (trainer.Resume)
                throw new CheckpointException($"{found}: the run to resume was killed after its search. Resume it with {SearchOption(searchFile)}" +
                    $" (or build from those groups with --allocation {searchFile}), replace it with --overwrite instead of --resume, or give another --checkpoint-dir.");
            if (!trainer.Overwrite)
                throw new CheckpointException($"{found}: continue the run that searched them with --resume and {SearchOption(searchFile)}, " +
                    "replace them with --overwrite, or give another --checkpoint-dir.");
        }
        if (!trainer.Overwrite) return; // a settings file without its search is nothing a resume reads; it is replaced by the next search
        foreach (var file in new[] { searchFile, settingsFile }.Where(File.Exists))
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CheckpointException($"Could not delete {file}, left by the run this one replaces ({e.Message}); fix the permissions, or give another --checkpoint-dir.", e);
            }
            log($"--overwrite: deleted {file}, left by the run this one replaces");
        }
    }

    /// <summary>
    /// A <c>--resume</c> without <c>--group-search</c> of a run whose checkpoint holds searched groups would build the declared
    /// groups and fail on the allocation mismatch in words that do not name the option left out: said here, with it.
    /// </summary>
    /// <exception cref="CheckpointMismatchException">The checkpoint to resume holds the groups of a search.</exception>
    private static void ThrowIfSearchedRunResumedWithout(TrainerOptions trainer)
    {
        if (!trainer.Resume || trainer.CheckpointDirectory is not { } directory) return;
        var store = new CheckpointStore(directory, SettingNames.CommandLine);
        if (!store.Exists) return;
        var saved = store.ReadAllocation();
        if (MethodThatMade(saved) is not { } searched) return;
        // Started with --group-search, or with --allocation from such a search: the checkpoint cannot tell, so both are offered.
        string searchFile = Path.Combine(store.Directory, SearchFileName);
        string allocation = File.Exists(searchFile) ? searchFile : "FILE it was started with";
        throw new CheckpointMismatchException($"The checkpoint in {store.Directory} holds searched groups ({saved.AssignmentSource}), but this run has neither " +
            $"--group-search nor --allocation, so it would build the declared groups: resume it with the options it was started with, --group-search " +
            $"{searched.CommandLineName()} (with the same search settings{(searched == GroupSearchMethod.Learned ? ", --groups" : "")}, --search-steps, --seed and --batch-size; " +
            "it reads the groups from the checkpoint and searches nothing) or the same " +
            $"--allocation {allocation}, or start afresh with --overwrite or another --checkpoint-dir.");
    }

    /// <summary>The search whose groups <paramref name="allocation"/> holds (its groups' source says so), or null for declared groups.</summary>
    private static GroupSearchMethod? MethodThatMade(AllocationFile allocation)
        => Enum.GetValues<GroupSearchMethod>().Where(m => m.Made(allocation)).Select(m => (GroupSearchMethod?)m).FirstOrDefault();

    /// <summary>The <c>--group-search</c> option that made <paramref name="searchFile"/>, as the command line spells it.</summary>
    private static string SearchOption(string searchFile)
    {
        try
        {
            var saved = AllocationFile.Load(searchFile);
            return MethodThatMade(saved) is { } method ? "--group-search " + method.CommandLineName() : "the --group-search option it was started with";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            return "the --group-search option it was started with";
        }
    }

    /// <summary>Whether <paramref name="file"/> holds <paramref name="allocation"/> (compared by content: another path, a link or another letter case may name the same file).</summary>
    private static bool Holds(string file, AllocationFile allocation)
    {
        try
        {
            return AllocationFile.Load(file).FirstDifference(allocation) is null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>The warm-up steps a search runs for this run: <c>--search-steps</c>, or a tenth of the run's steps.</summary>
    public int WarmupSteps(TrainerOptions trainer, TrainingData data) => SearchSteps ?? DefaultSteps(trainer, data);

    /// <summary>
    /// The model to train: built by <paramref name="create"/> from the allocation <see cref="Resolve"/> returns (with
    /// <paramref name="model"/>'s seed and device; the allocation carries budget and sharing options), or from
    /// <paramref name="model"/> itself when these options ask for the declared groups.
    /// </summary>
    /// <exception cref="ArgumentException">See <see cref="Resolve"/>.</exception>
    /// <exception cref="CheckpointException">See <see cref="Resolve"/>.</exception>
    /// <exception cref="CheckpointMismatchException">See <see cref="Resolve"/>.</exception>
    /// <exception cref="GroupSearchInterruptedException">See <see cref="Resolve"/>.</exception>
    public TModel Build<TModel>(Func<NpasOptions, TModel> create, TrainingData data, TrainerOptions trainer, NpasOptions model, Action<string> log,
        CancellationToken cancellationToken = default)
        where TModel : NpasModule
    {
        if (Resolve(create, data, trainer, model, log, cancellationToken) is not { } allocation) return create(model);
        try
        {
            return create(new NpasOptions { Seed = model.Seed, Device = model.Device, Allocation = allocation });
        }
        catch (AllocationMismatchException e) when (AllocationPath is { } path)
        {
            throw DoesNotFit(path, e);
        }
    }

    /// <summary>The library's fix for a mismatch is C#; on a command line the file given is the wrong argument.</summary>
    private static ArgumentException DoesNotFit(string path, AllocationMismatchException e)
        => new($"--allocation {path} does not fit this model ({e.Difference ?? e.Message}): give an allocation saved for it " +
            $"(a group search's {SearchFileName}, or <model>.allocation.json beside one of its checkpoints), or leave --allocation out.", e);

    /// <summary>A tenth of the run's training steps (SSN warms up for 10-15 % of the schedule), at least one.</summary>
    internal static int DefaultSteps(TrainerOptions trainer, TrainingData data)
    {
        long examples = data.TrainInputs.shape[0];
        long batches = (examples + trainer.BatchSize - 1) / trainer.BatchSize;
        if (trainer.BatchesPerEpoch is { } limit) batches = Math.Min(batches, limit);
        return (int)Math.Clamp(trainer.Epochs * batches / 10, 1, int.MaxValue);
    }

    private static AllocationFile Read(string path, string what)
    {
        try
        {
            return AllocationFile.Load(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArgumentException($"{what}: there is no such file; give the path of a saved allocation (a group search's {SearchFileName}, or <model>.allocation.json beside a checkpoint).", e);
        }
        catch (UnauthorizedAccessException e) when (Directory.Exists(path))
        {
            throw new ArgumentException($"{what} is a directory; give the allocation file in it (a group search's {SearchFileName}, or <model>.allocation.json beside a checkpoint).", e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ArgumentException($"{what} cannot be read ({e.Message}); fix its permissions, or give another saved allocation.", e);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            // The parser's message starts with the path, which the option already names.
            string reason = e.Message.StartsWith(path + " ", StringComparison.Ordinal) ? e.Message.Substring(path.Length + 1) : "is not a readable allocation: " + e.Message;
            throw new ArgumentException($"{what} {reason.TrimEnd('.')}; give a file NpasDsl wrote, or search again with --group-search.", e);
        }
    }
}
