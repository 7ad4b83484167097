using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpasDsl.Allocation;

namespace NpasDsl.Families;

/// <summary>
/// The allocations of a family's members in one readable JSON file beside its checkpoint:
/// <c>{ "format": "npasdsl-family/1", "members": [ allocation, ... ] }</c>, each allocation as <see cref="AllocationFile"/> writes it.
/// </summary>
internal static class FamilyAllocations
{
    public const string Format = "npasdsl-family/1";

    public static void Save(string path, IReadOnlyList<AllocationFile> members)
    {
        var document = new JsonObject
        {
            ["format"] = Format,
            ["members"] = new JsonArray(members.Select(m => JsonNode.Parse(m.ToJson())).ToArray()),
        };
        AtomicFile.Write(path, stream =>
        {
            using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            document.WriteTo(writer);
        });
    }

    public static IReadOnlyList<AllocationFile> Load(string path)
    {
        JsonNode? document;
        try
        {
            document = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a readable NpasDsl family allocation: {e.Message}", e);
        }
        // A top-level array or value has no named entries (its string indexer would throw).
        if (document is not JsonObject || document["format"] is not JsonValue format || !format.TryGetValue<string>(out var text) || text != Format || document["members"] is not JsonArray members)
            throw new InvalidDataException($"{path} is not an NpasDsl family allocation (expected \"format\": \"{Format}\" and a \"members\" array).");
        return members.Select((m, i) => AllocationFile.Parse(m?.ToJsonString() ?? "null", $"{path} (member {i})")).ToList();
    }
}
