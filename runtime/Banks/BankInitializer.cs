using System.Linq;
using NpasDsl.Planning;
using static TorchSharp.torch;

namespace NpasDsl.Banks;

/// <summary>
/// Fills a bank with Kaiming-normal values in each member layer's own scale, block by block (methods.md
/// section 3), so that the region a layer reads starts with the spread its own ordinary weight would have.
/// Where members overlap, the later member's scale wins; the per-layer scale correction fixes the rest.
/// </summary>
internal static class BankInitializer
{
    public static Tensor Fill(AllocationPlan plan, GroupPlan group, Generator generator)
    {
        var bank = zeros(group.BankSize, dtype: float32);
        using var _ = no_grad();
        foreach (var layer in group.Members.Select(plan.Layer))
            foreach (var (start, end) in TemplateLayout.Intervals(group.BankSize, layer.Offset, layer.ReadLength))
                bank.narrow(0, start, end - start).normal_(0, layer.Spec.InitialStd, generator);
        return bank;
    }
}
