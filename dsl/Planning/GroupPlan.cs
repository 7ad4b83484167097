using System.Collections.Generic;

namespace NpasDsl.Planning;

/// <summary>One group of layers and the bank it owns.</summary>
public sealed class GroupPlan
{
    internal GroupPlan(string name, long bankSize, IReadOnlyList<string> members, long sharedSize)
    {
        Name = name;
        BankSize = bankSize;
        Members = members;
        SharedSize = sharedSize;
    }

    /// <summary>The group name; the bank is the state-dict entry <c>banks.{Name}</c>.</summary>
    public string Name { get; }
    /// <summary>B_g: trainable entries in the bank.</summary>
    public long BankSize { get; }
    /// <summary>Paths of the member layers, in declaration order.</summary>
    public IReadOnlyList<string> Members { get; }
    /// <summary>S_g: the weights the members would have unshared.</summary>
    public long SharedSize { get; }
}
