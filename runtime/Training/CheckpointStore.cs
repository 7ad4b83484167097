using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using NpasDsl.Allocation;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Training;

/// <summary>
/// A training checkpoint in a directory: the model (with its allocation), the optimizer and the trainer's
/// state. Model and optimizer files carry the step in their names and the manifest <c>trainer.json</c>,
/// written last and atomically, names them: a run killed at any moment leaves the previous or the new
/// checkpoint whole, never a mix. Older files are removed once the new manifest is in place.
/// </summary>
public sealed class CheckpointStore
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Creates a store in <paramref name="directory"/>.</summary>
    public CheckpointStore(string directory) => Directory = Path.GetFullPath(directory);

    /// <summary>The checkpoint directory.</summary>
    public string Directory { get; }

    /// <summary>The manifest's path.</summary>
    public string ManifestPath => Path.Combine(Directory, "trainer.json");

    /// <summary>Whether a checkpoint exists.</summary>
    public bool Exists => File.Exists(ManifestPath);

    /// <summary>Writes a checkpoint.</summary>
    public void Save(NpasModule model, OptimizerHelper optimizer, TrainingState state) => Save(TrainingSubject.Of(model), optimizer, state);

    internal void Save(TrainingSubject model, OptimizerHelper optimizer, TrainingState state)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string tag = state.GlobalStep.ToString("D9", CultureInfo.InvariantCulture);
        var manifest = new Manifest { Model = $"model-{tag}.bin", Optimizer = $"optimizer-{tag}.bin", State = state };
        model.Save(Path.Combine(Directory, manifest.Model));
        AtomicFile.Write(Path.Combine(Directory, manifest.Optimizer), stream =>
        {
            using var writer = new BinaryWriter(stream);
            optimizer.save_state_dict(writer);
        });
        AtomicFile.Write(ManifestPath, stream => JsonSerializer.Serialize(stream, manifest, Json));

        // Only files this store wrote (model-000000123.bin, its allocation, optimizer-000000123.bin) are removed.
        foreach (var old in System.IO.Directory.GetFiles(Directory))
        {
            var name = Path.GetFileName(old);
            if (OwnFile.IsMatch(name) && !name.StartsWith(manifest.Model, System.StringComparison.Ordinal) && !name.StartsWith(manifest.Optimizer, System.StringComparison.Ordinal))
                File.Delete(old);
        }
    }

    private static readonly System.Text.RegularExpressions.Regex OwnFile = new(@"^(model|optimizer)-\d{9}\.bin(\.allocation\.json)?$");

    /// <summary>Loads the checkpoint into <paramref name="model"/> and <paramref name="optimizer"/>; returns the trainer state.</summary>
    /// <exception cref="AllocationMismatchException">The checkpoint is of a model with another allocation.</exception>
    public TrainingState Load(NpasModule model, OptimizerHelper optimizer) => Load(TrainingSubject.Of(model), optimizer);

    /// <summary>The trainer state of the checkpoint, read without loading the model or the optimizer (to check it first).</summary>
    public TrainingState ReadState() => ReadManifest().State;

    private Manifest ReadManifest() => JsonSerializer.Deserialize<Manifest>(File.ReadAllText(ManifestPath), Json)
        ?? throw new InvalidDataException($"{ManifestPath} is empty.");

    internal TrainingState Load(TrainingSubject model, OptimizerHelper optimizer)
    {
        var manifest = ReadManifest();
        model.Load(Path.Combine(Directory, manifest.Model));
        using (var stream = File.OpenRead(Path.Combine(Directory, manifest.Optimizer)))
        using (var reader = new BinaryReader(stream))
            optimizer.load_state_dict(reader);
        return manifest.State;
    }

    private sealed record Manifest
    {
        public string Model { get; init; } = "";
        public string Optimizer { get; init; } = "";
        public TrainingState State { get; init; } = new();
    }
}
