using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NpasDsl.Families;

/// <summary>
/// One member's accuracy on the evaluation set (test, or a validation split) with its own parameters (not those of the
/// narrower member it extends, whose blocks it reads too) and its cost per example.
/// </summary>
public sealed record MemberResult(string Name, long Parameters, long MacsPerExample, double Accuracy);

/// <summary>A point of the anytime curve: the ensemble of the <see cref="Members"/> cheapest members, ending with <see cref="Added"/>.</summary>
public sealed record AnytimePoint(int Members, string Added, long CumulativeMacs, double Accuracy);

/// <summary>What <see cref="ModelFamily.Evaluate"/> measured.</summary>
public sealed record FamilyEvaluation(IReadOnlyList<MemberResult> Members, IReadOnlyList<AnytimePoint> Anytime, long Parameters, long FullyParameterized)
{
    /// <summary>The accuracy of the ensemble of every member.</summary>
    public double EnsembleAccuracy => Anytime[^1].Accuracy;

    /// <summary>Two tables: the members, and the anytime curve.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        // A member's own parameters: a wider member also reads the blocks of the narrower one it extends.
        text.Append("member                 own parameters   MACs/example  accuracy\n");
        foreach (var m in Members)
            text.Append(string.Create(CultureInfo.InvariantCulture, $"{m.Name,-24} {m.Parameters,13:N0} {m.MacsPerExample,14:N0}  {m.Accuracy:0.0000}\n"));
        text.Append("anytime (cheapest first)   members  cumulative MACs  accuracy\n");
        foreach (var p in Anytime)
            text.Append(string.Create(CultureInfo.InvariantCulture, $"+ {p.Added,-24} {p.Members,7} {p.CumulativeMacs,16:N0}  {p.Accuracy:0.0000}\n"));
        text.Append(string.Create(CultureInfo.InvariantCulture, $"ensemble of {Members.Count}: accuracy={EnsembleAccuracy:0.0000} parameters={Parameters:N0} (separate unshared networks: {FullyParameterized:N0})\n"));
        return text.ToString();
    }
}
