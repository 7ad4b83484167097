using System.Linq;
using NpasDsl.Planning;

namespace NpasDsl.Generator.Model;

/// <summary>Turns the generator's model into the planner's <see cref="NetworkSpec"/>, so the budget is checked by the runtime's own code.</summary>
internal static class NetworkSpecBuilder
{
    public static NetworkSpec Build(NetworkModel model)
    {
        var layers = model.Layers.Select(ToSpec).ToList();
        var budget = model.Budget.IsFraction ? BudgetSpec.Fraction(model.Budget.Fraction) : BudgetSpec.Parameters(model.Budget.Parameters);
        var s = model.Sharing;
        return new NetworkSpec(model.ClassName, budget, layers, new SharingSpec(s.Strategy, s.Combiner, s.Upsampler, s.MaxTemplates, s.Seed, bankSplit: s.BankSplit, coefficientSharing: s.CoefficientSharing, maskPeriod: s.MaskPeriod));
    }

    public static LayerSpec ToSpec(LayerModel l) => l.Kind switch
    {
        LayerKind.Linear => LayerSpec.Linear(l.Name, l.In, l.Out, l.Bias, l.Repeat, l.NoShare, l.Group, l.ShareRate, l.Mapping),
        LayerKind.Conv1d => LayerSpec.Conv1d(l.Name, l.In, l.Out, l.KernelHeight, l.Stride, l.Padding, l.Dilation, l.Groups, l.Bias, l.Repeat, l.NoShare, l.Group, l.ShareRate, l.Mapping),
        LayerKind.Conv2d => LayerSpec.Conv2d(l.Name, l.In, l.Out, l.KernelHeight, l.KernelWidth, l.Stride, l.Padding, l.Dilation, l.Groups, l.Bias, l.Repeat, l.NoShare, l.Group, l.ShareRate, l.Mapping),
        LayerKind.Embedding => LayerSpec.Embedding(l.Name, l.In, l.Out, l.Repeat, l.NoShare, l.Group, l.ShareRate, l.Mapping),
        LayerKind.BatchNorm2d => LayerSpec.BatchNorm2d(l.Name, l.In, l.Repeat),
        _ => LayerSpec.LayerNorm(l.Name, l.In, l.Repeat),
    };
}
