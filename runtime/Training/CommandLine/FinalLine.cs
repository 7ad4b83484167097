using System.Linq;
using System.Collections.Generic;
using System.Globalization;

namespace NpasDsl.Training;

/// <summary>The one line every example ends with, so scripts and CI can read a run's outcome.</summary>
public static class FinalLine
{
    /// <summary>
    /// <c>final: accuracy=0.8712 parameters=12,345 budget=12,500 unshared=125,000</c>: the last epoch's accuracy on the evaluation set and the
    /// model's exact accounting. When the run evaluated on a validation split, the line ends <c>evaluated_on=validation</c>,
    /// so a script never takes a validation accuracy for a test one.
    /// </summary>
    public static string For(NpasModule model, IReadOnlyList<EpochRecord> history, string evaluation = "test")
        => string.Format(CultureInfo.InvariantCulture, "final: accuracy={0:0.0000} parameters={1:N0} budget={2:N0} unshared={3:N0}{4}",
            history[^1].TestAccuracy, model.TrainableParameters, model.Allocation.Budget, model.Allocation.Unshared, Suffix(evaluation));

    /// <summary>
    /// The same line for a family of networks (ending <c>evaluated_on=validation</c> likewise): the ensemble's accuracy, the family's parameters, the sum of its
    /// members' budgets, and what the members cost as separate unshared networks.
    /// </summary>
    public static string For(Families.ModelFamily family, Families.FamilyEvaluation evaluation, string evaluationSet = "test")
        => string.Format(CultureInfo.InvariantCulture, "final: accuracy={0:0.0000} parameters={1:N0} budget={2:N0} unshared={3:N0}{4}",
            evaluation.EnsembleAccuracy, family.TrainableParameters, family.Members.Sum(m => m.Allocation.Budget), family.FullyParameterized, Suffix(evaluationSet));

    private static string Suffix(string evaluation) => evaluation == "test" ? "" : " evaluated_on=" + evaluation;
}
