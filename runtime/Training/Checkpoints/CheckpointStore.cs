using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using NpasDsl.Allocation;
using NpasDsl.Unsharing;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Training;

/// <summary>
/// A training checkpoint in a directory: the model (with its allocation), the optimizer, the trainer's state and
/// the state of TorchSharp's global random generator. Model and optimizer files carry the step in their names and the manifest <c>trainer.json</c>,
/// written last and atomically, names them: a run killed at any moment leaves the previous or the new
/// checkpoint whole, never a mix. Older files are removed once the new manifest is in place.
/// </summary>
public sealed class CheckpointStore
{
    // Enums by name, as the allocation file writes them ("optimizer": "AdamW", not 0); the converter still reads the
    // numbers that checkpoints written before it hold.
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private readonly SettingNames _names;

    /// <summary>
    /// Creates a store in <paramref name="directory"/>; its messages name the settings that fix them as <paramref name="names"/>
    /// does (default <see cref="SettingNames.Properties"/>: <c>Resume = true</c>; a command line's: <c>--resume</c>).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is null, empty or blank.</exception>
    public CheckpointStore(string directory, SettingNames? names = null)
    {
        if (string.IsNullOrWhiteSpace(directory))
            throw new ArgumentException($"The checkpoint directory is {(directory is null ? "null" : $"\"{directory}\"")}, which names no directory; give a directory path.", nameof(directory));
        Directory = Path.GetFullPath(directory);
        _names = names ?? SettingNames.Properties;
    }

    /// <summary>The checkpoint directory.</summary>
    public string Directory { get; }

    /// <summary>The manifest's path.</summary>
    public string ManifestPath => Path.Combine(Directory, "trainer.json");

    /// <summary>Whether a checkpoint exists.</summary>
    public bool Exists => File.Exists(ManifestPath);

    /// <summary>Writes a checkpoint.</summary>
    public void Save(NpasModule model, OptimizerHelper optimizer, TrainingState state) => Save(TrainingSubject.Of(model), optimizer, state);

    /// <summary>
    /// Writes a checkpoint; <paramref name="unsharing"/>, when a run stops inside the epoch whose coefficient gradients
    /// decide a split, saves the sums so far beside it.
    /// </summary>
    /// <exception cref="CheckpointException">A file could not be written (disk full, permissions); the last complete checkpoint is intact.</exception>
    internal void Save(TrainingSubject model, OptimizerHelper optimizer, TrainingState state, CoefficientUnsharing? unsharing = null)
        => Writing("the checkpoint", () => WriteCheckpoint(model, optimizer, state, unsharing));

    /// <summary>Writes a file of the run beside the checkpoint (metrics.csv, metrics.png) through <paramref name="write"/>, which gets its path.</summary>
    /// <exception cref="CheckpointException">The file could not be written; the checkpoint is unaffected.</exception>
    internal void WriteBeside(string name, Action<string> write) => Writing(name, () => write(Path.Combine(Directory, name)));

    // A full disk or a permission change in the middle of a run is the user's to fix, not a stack trace: every file is
    // written through a temporary and trainer.json is replaced last, so what --resume reads is still whole.
    private void Writing(string what, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"Could not write {what} in {Directory} ({e.Message}). The last complete checkpoint there is intact: " +
                $"free disk space or fix the permissions and continue with {_names.On(nameof(TrainerOptions.Resume))}, or resume from a copy in another {_names.Of(nameof(TrainerOptions.CheckpointDirectory))}.", e);
        }
    }

    private void WriteCheckpoint(TrainingSubject model, OptimizerHelper optimizer, TrainingState state, CoefficientUnsharing? unsharing)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string tag = state.GlobalStep.ToString("D9", CultureInfo.InvariantCulture);
        var manifest = new Manifest
        {
            Model = $"model-{tag}.bin",
            Optimizer = $"optimizer-{tag}.bin",
            Unsharing = unsharing is null ? null : $"unsharing-{tag}.bin",
            RandomState = GlobalRandomState.Capture(),
            State = state,
        };
        model.Save(Path.Combine(Directory, manifest.Model));
        AtomicFile.Write(Path.Combine(Directory, manifest.Optimizer), stream =>
        {
            using var writer = new BinaryWriter(stream);
            optimizer.save_state_dict(writer);
        });
        if (unsharing is not null)
            AtomicFile.Write(Path.Combine(Directory, manifest.Unsharing!), stream =>
            {
                using var writer = new BinaryWriter(stream);
                unsharing.Save(writer);
            });
        AtomicFile.Write(ManifestPath, stream => JsonSerializer.Serialize(stream, manifest, Json));

        // Only files this store wrote (model-000000123.bin, its allocation, optimizer-000000123.bin, unsharing-000000123.bin,
        // and temporaries of theirs or of trainer.json that a killed save left) are removed, never the ones the new manifest names.
        var current = new[] { manifest.Model, manifest.Optimizer, manifest.Unsharing }.OfType<string>().ToList();
        foreach (var old in System.IO.Directory.GetFiles(Directory))
        {
            var name = Path.GetFileName(old);
            if (OwnFile.Match(name) is not { Success: true } match) continue;
            bool remove = match.Groups["pid"].Success
                ? !IsAnotherLiveProcess(int.Parse(match.Groups["pid"].Value, CultureInfo.InvariantCulture)) // a save still in progress elsewhere keeps its file
                : name != "trainer.json" && !current.Any(c => name.StartsWith(c, StringComparison.Ordinal));
            if (!remove) continue;
            try
            {
                File.Delete(old);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The new checkpoint is complete; a file left over is removed by a later save.
            }
        }
    }

    // The store's own files, and the temporaries a killed save leaves (AtomicFile names them "<file>.tmp-<process id>").
    private static readonly System.Text.RegularExpressions.Regex OwnFile = new(@"^((model|optimizer|unsharing)-\d{9}\.bin(\.allocation\.json)?|trainer\.json)(\.tmp-(?<pid>\d{1,9}))?$");

    private static bool IsAnotherLiveProcess(int pid)
    {
        if (pid == Environment.ProcessId) return false;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false; // no such process: what it left is garbage
        }
    }

    /// <summary>The allocation the checkpoint's model was saved with (a coefficient split changes it during training).</summary>
    /// <exception cref="CheckpointException">The manifest or the allocation cannot be read.</exception>
    internal AllocationFile ReadAllocation()
    {
        string path = NpasModule.AllocationPathFor(Path.Combine(Directory, ReadManifest().Model));
        try
        {
            return AllocationFile.Load(path);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw Damaged($"the allocation {Path.GetFileName(path)} cannot be read ({e.Message})", e);
        }
    }

    /// <summary>Loads the coefficient gradient sums the checkpoint saved inside the watched epoch into <paramref name="unsharing"/>.</summary>
    /// <exception cref="CheckpointException">The checkpoint has none, or they cannot be read.</exception>
    internal void LoadUnsharing(CoefficientUnsharing unsharing)
    {
        var manifest = ReadManifest();
        if (manifest.Unsharing is null || !File.Exists(Path.Combine(Directory, manifest.Unsharing)))
            throw Damaged($"it stopped inside the epoch whose coefficient gradients decide the split but holds no gradient sums ({manifest.Unsharing ?? "none named"})", null);
        try
        {
            using var stream = File.OpenRead(Path.Combine(Directory, manifest.Unsharing));
            using var reader = new BinaryReader(stream);
            unsharing.Load(reader);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or EndOfStreamException or ArgumentException)
        {
            throw Damaged($"its coefficient gradient sums {manifest.Unsharing} cannot be loaded ({e.Message})", e);
        }
    }

    /// <summary>Loads the checkpoint into <paramref name="model"/> and <paramref name="optimizer"/>; returns the trainer state.</summary>
    /// <exception cref="AllocationMismatchException">The checkpoint is of a model with another allocation.</exception>
    /// <exception cref="CheckpointException">The checkpoint is damaged or incomplete.</exception>
    public TrainingState Load(NpasModule model, OptimizerHelper optimizer) => Load(TrainingSubject.Of(model), optimizer);

    /// <summary>The trainer state of the checkpoint, read without loading the model or the optimizer (to check it first).</summary>
    /// <exception cref="CheckpointException">The manifest cannot be read.</exception>
    public TrainingState ReadState() => ReadManifest().State;

    private Manifest ReadManifest()
    {
        try
        {
            var manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(ManifestPath), Json);
            if (manifest is null || manifest.State is null || manifest.State.History is null || manifest.State.History.Contains(null!) || string.IsNullOrEmpty(manifest.Model) || string.IsNullOrEmpty(manifest.Optimizer))
                throw new InvalidDataException("it does not name a model, an optimizer and a trainer state");
            if (manifest.State.Epoch < 0 || manifest.State.Step < 0)
                throw new InvalidDataException($"its epoch ({manifest.State.Epoch}) or batch ({manifest.State.Step}) is negative");
            return manifest;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw Damaged($"{ManifestPath} cannot be read ({e.Message})", e);
        }
    }

    internal TrainingState Load(TrainingSubject model, OptimizerHelper optimizer)
    {
        var manifest = ReadManifest();
        string modelPath = Path.Combine(Directory, manifest.Model), optimizerPath = Path.Combine(Directory, manifest.Optimizer);
        foreach (var path in new[] { modelPath, optimizerPath })
            if (!File.Exists(path)) throw Damaged($"{ManifestPath} names {Path.GetFileName(path)}, which is missing", null);
        try
        {
            if (manifest.RandomState is { } random) GlobalRandomState.Restore(random); // first: the cheapest to find damaged
            model.Load(modelPath);
            using var stream = File.OpenRead(optimizerPath);
            using var reader = new BinaryReader(stream);
            optimizer.load_state_dict(reader);
        }
        // TorchSharp reports a truncated or foreign file as one of these; an allocation mismatch has its own exception and passes through.
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or EndOfStreamException or JsonException)
        {
            throw Damaged($"its files cannot be loaded into this model ({e.Message})", e);
        }
        return manifest.State;
    }

    private CheckpointException Damaged(string what, Exception? inner)
        => new($"The checkpoint in {Directory} is damaged or incomplete: {what}. Start afresh with {_names.On(nameof(TrainerOptions.Overwrite))}, or give another {_names.Of(nameof(TrainerOptions.CheckpointDirectory))}.", inner);

    /// <summary>
    /// Forgets the checkpoint here (an <c>--overwrite</c> run, before it trains): its manifest goes at once, its files
    /// with the next save's clean-up. A new run's files have the same step-numbered names as the old run's, so a run
    /// killed inside its first save would otherwise leave the old manifest naming a new model beside an old optimizer.
    /// </summary>
    internal void Discard()
    {
        // The discarded run's reports go with it: a new run without --plot would otherwise leave the old curves beside its own
        // metrics. Before the manifest, so that a failure here still leaves a whole checkpoint, as the error says.
        foreach (var report in new[] { MetricsCsvName, MetricsPlotName })
            Writing(report, () => File.Delete(Path.Combine(Directory, report))); // no error when it is absent
        Writing("trainer.json", () => { if (File.Exists(ManifestPath)) File.Delete(ManifestPath); });
    }

    /// <summary>The metrics history a run writes beside its checkpoints.</summary>
    internal const string MetricsCsvName = "metrics.csv";

    /// <summary>The plot of the metrics history (with <see cref="TrainerOptions.Plot"/>).</summary>
    internal const string MetricsPlotName = "metrics.png";

    /// <summary>
    /// Refuses, before training, a checkpoint directory the trainer could not write (found only at the first save, after a whole
    /// epoch), and one whose checkpoint a fresh start would replace without <see cref="TrainerOptions.Overwrite"/>.
    /// </summary>
    /// <exception cref="CheckpointException">The directory is a file, cannot be written, or holds a run that would be lost.</exception>
    internal void PrepareFor(TrainerOptions options)
    {
        if (File.Exists(Directory))
            throw new CheckpointException($"{_names.Set(nameof(TrainerOptions.CheckpointDirectory), Directory)} is a file; give a directory (it is created when missing).");
        if (Exists && !options.Resume && !options.Overwrite)
        {
            string done;
            try
            {
                var state = ReadState();
                string epochs = state.Epoch == 1 ? "1 epoch" : $"{state.Epoch} epochs";
                done = state.Step > 0 ? $"{epochs} and {state.Step} batches done" : $"{epochs} done";
            }
            catch (CheckpointException)
            {
                done = "unreadable";
            }
            throw new CheckpointException($"{Directory} already holds a checkpoint ({done}): continue it with {_names.On(nameof(TrainerOptions.Resume))}, replace it with {_names.On(nameof(TrainerOptions.Overwrite))}, or give another {_names.Of(nameof(TrainerOptions.CheckpointDirectory))}.");
        }
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            string probe = Path.Combine(Directory, $".write-test-{System.Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"Checkpoints cannot be written to {Directory} ({e.Message}); give a writable {_names.Of(nameof(TrainerOptions.CheckpointDirectory))}.", e);
        }
    }

    private sealed record Manifest
    {
        public string Model { get; init; } = "";
        public string Optimizer { get; init; } = "";
        /// <summary>The coefficient gradient sums of a checkpoint inside the watched epoch; null otherwise.</summary>
        public string? Unsharing { get; init; }
        /// <summary>TorchSharp's global CPU generator at the save, in base64 (<see cref="GlobalRandomState"/>); null in older checkpoints.</summary>
        public string? RandomState { get; init; }
        public TrainingState State { get; init; } = new();
    }
}
