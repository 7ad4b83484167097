using System.Collections.Generic;
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
}
