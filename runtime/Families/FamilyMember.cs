using System;
using NpasDsl.Planning;

namespace NpasDsl.Families;

/// <summary>
/// One network of a <see cref="ModelFamily"/>: its declaration (the generated static <c>Declaration</c> of its
/// class, used to match its layers against the other members' before it is built) and how to build it.
/// </summary>
public sealed class FamilyMember
{
    private FamilyMember(NetworkSpec declaration, Func<NpasOptions, NpasModule> create, BudgetSpec? budget)
    {
        Declaration = declaration;
        Create = create;
        Budget = budget;
    }

    /// <summary>The member's declared network.</summary>
    public NetworkSpec Declaration { get; }

    /// <summary>Builds the member with the options the family gives it.</summary>
    public Func<NpasOptions, NpasModule> Create { get; }

    /// <summary>
    /// The member's own budget, replacing its <c>[SharedBudget]</c>; a fraction is of what the member adds to the
    /// narrower member it extends (its extra rows and columns, its own layers, biases and norms). Null keeps the declared one.
    /// </summary>
    public BudgetSpec? Budget { get; }

    /// <summary>A member: <c>FamilyMember.Of(Wrn16x2.Declaration, o => new Wrn16x2(o))</c>.</summary>
    public static FamilyMember Of(NetworkSpec declaration, Func<NpasOptions, NpasModule> create, BudgetSpec? budget = null)
        => new(declaration ?? throw new ArgumentNullException(nameof(declaration)), create ?? throw new ArgumentNullException(nameof(create)), budget);
}
