using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using NpasDsl.Planning;

namespace NpasDsl.Allocation;

/// <summary>
/// An allocation as readable JSON: the budget, the sharing options, which layers share which bank, and every
/// layer's templates and offset. Saved next to checkpoints; passed back through <c>NpasOptions.Allocation</c>
/// so that a model rebuilt later (or after a data-driven group search) has exactly the same layout.
/// </summary>
public sealed class AllocationFile
{
    /// <summary>The format tag written into every file.</summary>
    public const string CurrentFormat = "npasdsl-allocation/1";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The format tag (empty when a file has none, which is then refused).</summary>
    public string Format { get; init; } = "";
    /// <summary>The model class name.</summary>
    public string Model { get; init; } = "";
    /// <summary>In a family of networks, the narrower member this model extends (its layers hold only what they add); null otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Extends { get; init; }
    /// <summary>The budget in parameters.</summary>
    public long Budget { get; init; }
    /// <summary>Trainable parameters with no sharing.</summary>
    public long Unshared { get; init; }
    /// <summary>Group strategy, combiner, upsampler, K_max.</summary>
    public SharingRecord Sharing { get; init; } = new();
    /// <summary>What chose the groups when it was not the strategy (a group search); null otherwise.</summary>
    public string? AssignmentSource { get; init; }
    /// <summary>Every group with its bank size and members.</summary>
    public List<GroupRecord> Groups { get; init; } = new();
    /// <summary>Every layer with a weight.</summary>
    public List<LayerRecord> Layers { get; init; } = new();

    /// <summary>The allocation of <paramref name="plan"/>.</summary>
    public static AllocationFile From(AllocationPlan plan) => plan is null ? throw new ArgumentNullException(nameof(plan), "Give a model's Allocation (AllocationFile.From(model.Allocation)).") : new()
    {
        Format = CurrentFormat,
        Model = plan.Network.ModelName,
        Extends = plan.Network.ExtendedFrom,
        Budget = plan.Budget,
        Unshared = plan.Unshared,
        Sharing = new SharingRecord
        {
            Strategy = plan.Network.Sharing.Strategy,
            Combiner = plan.Network.Sharing.Combiner,
            Upsampler = plan.Network.Sharing.Upsampler,
            MaxTemplates = plan.Network.Sharing.MaxTemplates,
            BankSplit = plan.Network.Sharing.BankSplit,
            CoefficientSharing = plan.Network.Sharing.CoefficientSharing,
            MaskPeriod = plan.Network.Sharing.MaskPeriod,
        },
        AssignmentSource = plan.Network.Assignment?.Source,
        Groups = plan.Groups.Select(g => new GroupRecord { Name = g.Name, Bank = g.BankSize, Members = g.Members.ToList() }).ToList(),
        Layers = plan.Layers.Where(l => l.Source != WeightSource.None).Select(l => new LayerRecord
        {
            Path = l.Path,
            Source = l.Source,
            Group = l.Group,
            Templates = l.Templates,
            Offset = l.Offset,
            ReadLength = l.Source == WeightSource.Bank ? l.ReadLength : 0,
            SharesWeightsWith = l.SharesWeightsWith,
            CoefficientsFrom = l.CoefficientsFrom,
            AssignedGroup = l.Source == WeightSource.Own && !l.Spec.NoShare && plan.Network.Assignment?.Groups.TryGetValue(l.Path, out var assigned) == true ? assigned : null,
        }).ToList(),
    };

    /// <summary>
    /// The group of every banked layer, and of every layer a group search put alone in a group that was then paid in full,
    /// to plan the same layout again: without the latter, such layers fell back to the strategy's groups (under Single,
    /// two of them made one banked group) and the rebuilt plan was another.
    /// </summary>
    public GroupAssignment ToAssignment()
        => new(Groups.SelectMany(g => g.Members.Select(m => new KeyValuePair<string, string>(m, g.Name)))
                .Concat(Layers.Where(l => l.AssignedGroup is not null).Select(l => new KeyValuePair<string, string>(l.Path, l.AssignedGroup!))),
            AssignmentSource ?? "allocation file");

    /// <summary>
    /// How the shared coefficient vectors are split (every banked layer → the first member of its set), to plan the
    /// same vectors again; null when the allocation does not share coefficients.
    /// </summary>
    public CoefficientPartition? ToCoefficientPartition()
        => Sharing.CoefficientSharing == CoefficientSharing.None ? null
            : new(Layers.Where(l => l.Source == WeightSource.Bank).Select(l => new KeyValuePair<string, string>(l.Path, l.CoefficientsFrom ?? l.Path)));

    /// <summary>The JSON text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json).Replace("\r\n", "\n") + "\n";

    /// <summary>Reads an allocation saved by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not an NpasDsl allocation.</exception>
    public static AllocationFile Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>
    /// The "format" tag of a saved allocation's JSON text (<see cref="CurrentFormat"/>, or a family's), or null where it has
    /// none or is no JSON object: how a load tells a family's checkpoint from a single model's before refusing it.
    /// </summary>
    internal static string? FormatOf(string json)
    {
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(json) is System.Text.Json.Nodes.JsonObject document
                && document["format"] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var format) ? format : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads an allocation from its JSON text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The text is not an NpasDsl allocation.</exception>
    internal static AllocationFile Parse(string json, string source)
    {
        AllocationFile? file;
        try
        {
            file = JsonSerializer.Deserialize<AllocationFile>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not a readable NpasDsl allocation: {e.Message}", e);
        }
        if (file is null || file.Format != CurrentFormat)
            throw new InvalidDataException($"{source} is not an NpasDsl allocation (expected \"format\": \"{CurrentFormat}\", found \"{file?.Format}\").");
        if (file.MissingField() is { } missing)
            throw new InvalidDataException($"{source} is not a complete NpasDsl allocation: {missing}. Save the allocation again (AllocationFile.From(model.Allocation).Save(path)).");
        // The rules options given at start-up are held to: a hand-edited "maskPeriod": 0 or "combiner": 7 would
        // otherwise plan silently without masks or fail far from the file.
        if (file.Sharing.ToSpec().Problems().Select(p => p.Problem).FirstOrDefault() is { } invalid)
            throw new InvalidDataException($"{source} holds sharing options no model can use: {invalid}.");
        return file;
    }

    /// <summary>
    /// What a hand-edited or damaged file lacks that the rest of the runtime relies on: JSON <c>null</c> replaces the
    /// defaults of these records, so "groups": null would otherwise surface as a NullReferenceException far from the file.
    /// </summary>
    private string? MissingField()
    {
        if (string.IsNullOrEmpty(Model)) return "\"model\" is missing or empty";
        if (Sharing is null) return "\"sharing\" is null";
        if (Groups is null) return "\"groups\" is null";
        if (Layers is null) return "\"layers\" is null";
        for (int i = 0; i < Groups.Count; i++)
        {
            if (Groups[i] is null) return $"group {i} is null";
            if (string.IsNullOrEmpty(Groups[i].Name)) return $"group {i} has no \"name\"";
            if (Groups[i].Members is null || Groups[i].Members.Any(m => string.IsNullOrEmpty(m))) return $"group '{Groups[i].Name}' has a null or empty \"members\" entry";
        }
        for (int i = 0; i < Layers.Count; i++)
        {
            if (Layers[i] is null || string.IsNullOrEmpty(Layers[i].Path)) return $"layer {i} has no \"path\"";
            if (!Enum.IsDefined(typeof(WeightSource), Layers[i].Source)) return $"layer '{Layers[i].Path}' has \"source\" {(int)Layers[i].Source}, which is not one of {string.Join(", ", Enum.GetNames(typeof(WeightSource)))}";
        }
        if (Groups.GroupBy(g => g.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twiceGroup) return $"group '{twiceGroup.Key}' appears twice";
        // A layer paid in full was alone in its group: a group of that name with a bank, or no name, is not what was saved.
        if (Layers.FirstOrDefault(l => l.AssignedGroup is { } g && (g.Length == 0 || Groups.Any(b => b.Name == g))) is { } misassigned)
            return $"layer '{misassigned.Path}' has \"assignedGroup\" '{misassigned.AssignedGroup}', which is empty or the name of a banked group";
        if (Layers.GroupBy(l => l.Path, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twiceLayer) return $"layer '{twiceLayer.Key}' appears twice";
        return null;
    }

    /// <summary>Writes the JSON atomically (a temporary file renamed into place).</summary>
    public void Save(string path) => AtomicFile.Write(path, stream =>
    {
        using var writer = new StreamWriter(stream);
        writer.Write(ToJson());
    });

    /// <summary>
    /// The first difference between this allocation and <paramref name="other"/>, in words; null when they are the same
    /// layout. With <paramref name="coefficients"/> false, which layers read which coefficient vector is left out: what
    /// a coefficient split changes.
    /// </summary>
    public string? FirstDifference(AllocationFile other, bool coefficients = true)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Model != other.Model) return $"the model is '{Model}' here but '{other.Model}' there";
        if (Extends != other.Extends) return $"the model extends {Extends ?? "no family member"} here but {other.Extends ?? "no family member"} there";
        // Before the budget: "the budget is 188 here but 1,884 there" sent a user who trained with NpasOptions.Unshared to
        // --budget-parameters 1884, which plans banks at that budget and is refused again.
        bool unsharedHere = IsUnsharedBuild() && other.Groups.Count > 0;
        if (unsharedHere || other.IsUnsharedBuild() && Groups.Count > 0)
            return $"the model draws its weights from banks {(unsharedHere ? "there" : "here")} but is unshared {(unsharedHere ? "here" : "there")} (every weight its own, as NpasOptions.Unshared builds it)";
        if (Budget != other.Budget) return $"the budget is {Budget:N0} here but {other.Budget:N0} there";
        if (Unshared != other.Unshared) return $"the unshared network has {Unshared:N0} parameters here but {other.Unshared:N0} there";
        // As they act: a MaskPeriod or MaxTemplates the other options make moot (NPAS025) plans the same model, and a
        // user who removed one as the warning advises must still resume the run saved with it.
        var (sharing, theirSharing) = (Sharing.Effective(), other.Sharing.Effective());
        if (sharing != theirSharing) return $"the sharing options are {SharingDifference(sharing, theirSharing, here: true)} here but {SharingDifference(sharing, theirSharing, here: false)} there";
        var mine = Groups.ToDictionary(g => g.Name);
        foreach (var group in other.Groups)
        {
            if (!mine.TryGetValue(group.Name, out var match)) return $"group '{group.Name}' exists there but not here";
            if (match.Bank != group.Bank) return $"bank '{group.Name}' has {match.Bank:N0} entries here but {group.Bank:N0} there";
            if (!match.Members.SequenceEqual(group.Members)) return $"group '{group.Name}' holds {string.Join(", ", match.Members)} here but {string.Join(", ", group.Members)} there";
        }
        if (Groups.Count != other.Groups.Count) return $"there are {Groups.Count} groups here but {other.Groups.Count} there";
        var layers = Layers.ToDictionary(l => l.Path);
        foreach (var layer in other.Layers)
            if (!layers.TryGetValue(layer.Path, out var match)
                || (coefficients ? match != layer : match with { CoefficientsFrom = null } != layer with { CoefficientsFrom = null }))
                return $"layer '{layer.Path}' is {Describe(match)} here but {Describe(layer)} there";
        // Both ways: a layer only here (a model with one more layer than the file) would otherwise pass.
        var theirs = other.Layers.Select(l => l.Path).ToHashSet(StringComparer.Ordinal);
        if (Layers.FirstOrDefault(l => !theirs.Contains(l.Path)) is { } extra) return $"layer '{extra.Path}' exists here but not there";
        return null;
    }

    /// <summary>
    /// Whether the allocation has no bank and exactly the unshared parameter count: a model built with
    /// <c>NpasOptions.Unshared</c> (or one with nothing to share at a budget of 1). A shared model with a shareable layer
    /// always keeps at least one bank, so beside an allocation with groups this is the unshared build of the class.
    /// </summary>
    private bool IsUnsharedBuild() => Groups.Count == 0 && Budget == Unshared && Layers.All(l => l.Source != WeightSource.Bank);

    /// <summary>
    /// The sharing options that differ, as <c>CoefficientSharing = ByShape</c>: the whole record
    /// (<c>SharingRecord { Strategy = Single, ... }</c>) would bury the one a user changed among seven that agree.
    /// </summary>
    private static string SharingDifference(SharingRecord mine, SharingRecord theirs, bool here)
    {
        var differing = new List<string>();
        void Compare<T>(string name, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b)) differing.Add(string.Format(CultureInfo.InvariantCulture, "{0} = {1}", name, here ? a : b));
        }
        Compare(nameof(SharingRecord.Strategy), mine.Strategy, theirs.Strategy);
        Compare(nameof(SharingRecord.Combiner), mine.Combiner, theirs.Combiner);
        Compare(nameof(SharingRecord.Upsampler), mine.Upsampler, theirs.Upsampler);
        Compare(nameof(SharingRecord.MaxTemplates), mine.MaxTemplates, theirs.MaxTemplates);
        Compare(nameof(SharingRecord.BankSplit), mine.BankSplit, theirs.BankSplit);
        Compare(nameof(SharingRecord.CoefficientSharing), mine.CoefficientSharing, theirs.CoefficientSharing);
        Compare(nameof(SharingRecord.MaskPeriod), mine.MaskPeriod, theirs.MaskPeriod);
        // A property added to the record and not listed above still shows, as the whole record.
        return differing.Count > 0 ? string.Join(", ", differing) : (here ? mine : theirs).ToString();
    }

    private static string Describe(LayerRecord? layer) => layer is null ? "missing"
        : layer.Source == WeightSource.Bank ? $"in bank '{layer.Group}' with {layer.Templates} templates at offset {layer.Offset:N0}"
            + (layer.CoefficientsFrom is { } from ? $", reading the coefficients of '{from}'" : "")
        : "an ordinary layer" + (layer.AssignedGroup is { } assigned ? $" (alone in group '{assigned}', paid in full)" : "");

    /// <summary>The sharing options as stored.</summary>
    public sealed record SharingRecord
    {
        /// <summary>Group strategy.</summary>
        public GroupStrategy Strategy { get; init; }
        /// <summary>Combiner.</summary>
        public Combiner Combiner { get; init; }
        /// <summary>Upsampler.</summary>
        public Upsampler Upsampler { get; init; }
        /// <summary>K_max (absent in a hand-written file: the default, 8).</summary>
        public int MaxTemplates { get; init; } = SharingDefaults.MaxTemplates;
        /// <summary>How the bank budget was divided.</summary>
        public BankSplit BankSplit { get; init; }
        /// <summary>Whether same-shape layers share coefficient vectors (absent in older files: none).</summary>
        public CoefficientSharing CoefficientSharing { get; init; }
        /// <summary>The Mask upsampler's period (absent in older files: the default, 16).</summary>
        public int MaskPeriod { get; init; } = SharingDefaults.MaskPeriod;

        /// <summary>
        /// These options as they act: MaxTemplates and MaskPeriod at their defaults where the combiner or upsampler makes
        /// them moot, as <see cref="SharingSpec.WithoutMootOptions"/> does for the declared ones.
        /// </summary>
        public SharingRecord Effective()
        {
            var acting = ToSpec().WithoutMootOptions();
            return this with { MaxTemplates = acting.MaxTemplates, MaskPeriod = acting.MaskPeriod };
        }

        /// <summary>These options as a <see cref="SharingSpec"/> (seed 0: the file does not record one).</summary>
        public SharingSpec ToSpec() => new(Strategy, Combiner, Upsampler, MaxTemplates, bankSplit: BankSplit, coefficientSharing: CoefficientSharing, maskPeriod: MaskPeriod);
    }

    /// <summary>One group as stored.</summary>
    public sealed record GroupRecord
    {
        /// <summary>Group name.</summary>
        public string Name { get; init; } = "";
        /// <summary>Bank entries.</summary>
        public long Bank { get; init; }
        /// <summary>Member layer paths.</summary>
        public List<string> Members { get; init; } = new();
    }

    /// <summary>One layer as stored.</summary>
    public sealed record LayerRecord
    {
        /// <summary>Layer path.</summary>
        public string Path { get; init; } = "";
        /// <summary>Where its weight comes from.</summary>
        public WeightSource Source { get; init; }
        /// <summary>Its group, when banked.</summary>
        public string? Group { get; init; }
        /// <summary>K_l.</summary>
        public int Templates { get; init; }
        /// <summary>Offset of its first template.</summary>
        public long Offset { get; init; }
        /// <summary>Bank entries it reads.</summary>
        public long ReadLength { get; init; }
        /// <summary>The layer whose weight it uses (exact sharing), or null.</summary>
        public string? SharesWeightsWith { get; init; }
        /// <summary>With coefficient sharing, the layer whose coefficient vector it reads (the first member of its set), or null.</summary>
        public string? CoefficientsFrom { get; init; }
        /// <summary>
        /// For an ordinary layer that an assignment (a group search) put alone in a group, paid in full: that group's name,
        /// so that the assignment is planned again the same way; null otherwise, and left out of the JSON then.
        /// </summary>
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? AssignedGroup { get; init; }
    }
}
