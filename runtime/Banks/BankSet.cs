using System.Collections.Generic;
using System.Linq;
using NpasDsl.Planning;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Banks;

/// <summary>
/// The trainable parameter banks of a model, one flat vector θ_g per group, registered under the group's
/// name so the state dict reads <c>banks.{group}</c>. Layers look their bank up by name on every use, so a
/// bank that <c>.to(device)</c> or <c>load</c> replaced is always the one they read.
/// </summary>
public sealed class BankSet : nn.Module
{
    private readonly List<string> _names = new();
    private readonly Dictionary<string, BankSegments> _segments = new();
    private readonly Dictionary<string, Tensor[]> _pieces = new();

    internal BankSet(AllocationPlan plan, Generator generator) : base("banks")
    {
        // A private scope: the model's tensors must not belong to a dispose scope the caller may have open.
        using var scope = NewDisposeScope();
        foreach (var group in plan.Groups)
        {
            var bank = new Parameter(BankInitializer.Fill(plan, group, generator));
            bank.DetachFromDisposeScope();
            register_parameter(group.Name, bank);
            _names.Add(group.Name);
            _segments[group.Name] = new BankSegments(plan, group);
        }
    }

    /// <summary>
    /// Everything is registered explicitly under its state-dict name. TorchSharp's default would also register
    /// every field it finds by reflection, duplicating components under their field names.
    /// </summary>
    protected override void RegisterComponents() { }

    /// <summary>The group names, in plan order. (A method, not a property: TorchSharp matches registered names against properties.)</summary>
    public IReadOnlyList<string> GroupNames() => _names;

    /// <summary>The current bank of <paramref name="group"/>.</summary>
    public Parameter this[string group] => get_parameter(group) ?? throw new KeyNotFoundException($"No bank '{group}'.");

    /// <summary>
    /// Starts a forward pass that records gradients: each bank is split once into its segments, and layers
    /// read from those pieces. Outside a pass (or under no_grad) layers read the bank directly.
    /// </summary>
    internal void BeginPass()
    {
        _pieces.Clear();
        if (!is_grad_enabled()) return;
        foreach (var name in _names) _pieces[name] = this[name].split(_segments[name].Sizes, 0);
    }

    /// <summary>Ends the forward pass: the pieces stay alive only through the autograd graph.</summary>
    internal void EndPass() => _pieces.Clear();

    /// <summary>The <paramref name="length"/> entries the layer at <paramref name="path"/> reads from <paramref name="offset"/>, circularly.</summary>
    internal Tensor Read(string group, string path, long offset, long length)
    {
        // Pieces from a pass that threw (its end hook never ran) may be disposed already: use them only while valid.
        if (is_grad_enabled() && _pieces.TryGetValue(group, out var pieces) && !pieces[0].IsInvalid && _segments[group].ReadOf(path) is { } segments)
            return segments.Length == 1 ? pieces[segments[0]] : cat(segments.Select(i => pieces[i]).ToList(), 0);
        return Combiners.CircularBankReader.Read(this[group], offset, length);
    }
}
