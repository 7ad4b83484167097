using System;
using System.IO;
using System.Linq;
using TorchSharp.Modules;

namespace NpasDsl.Unsharing;

/// <summary>
/// Carries an optimizer's per-parameter state (AdamW's moments and step count, SGD's momentum buffer) from the model
/// before a coefficient split to the optimizer of the rebuilt model, so that the split does not restart the optimizer:
/// a parameter keeps its own state, and a vector the split added starts with the state of the vector its layer read,
/// as its values do (<see cref="StateTransfer"/>). Each state goes through the optimizer's own serialisation, so this
/// works for every TorchSharp optimizer without knowing what its state holds.
/// </summary>
internal static class OptimizerStateTransfer
{
    public static void Copy(NpasModule from, OptimizerHelper fromOptimizer, NpasModule to, OptimizerHelper toOptimizer)
    {
        // The trainer builds each optimizer from its model's parameters(), so state i belongs to named parameter i.
        var sourceIndex = from.named_parameters().Select((p, i) => (p.name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var sources = fromOptimizer.state_dict().State;
        var targets = toOptimizer.state_dict().State;
        var targetNames = to.named_parameters().Select(p => p.name).ToList();
        if (sources.Count != sourceIndex.Count || targets.Count != targetNames.Count)
            throw new InvalidOperationException("An optimizer does not hold one state per parameter of its model; build it from the model's parameters() alone.");
        var sourceOf = StateTransfer.SourcesIn(from);
        for (int j = 0; j < targetNames.Count; j++)
        {
            string name = targetNames[j];
            string source = sourceOf(name) is { } found && sourceIndex.ContainsKey(found) ? found : throw StateTransfer.NoCounterpart(name, to);
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
                sources[sourceIndex[source]].SaveStateDict(writer);
            buffer.Position = 0;
            using var reader = new BinaryReader(buffer);
            targets[j].LoadStateDict(reader);
        }
    }
}
