using NpasDsl.Planning;
using static TorchSharp.torch;

namespace NpasDsl.Combiners;

/// <summary>
/// A layer's K templates as one [K, |W|] tensor: K consecutive |W|-sized slices of its circular read of the
/// bank (a view when the read does not wrap); for a layer grown by the Interpolate upsampler, its grid of
/// bank entries resized bilinearly to the layer's [out, in·k] shape; for a layer grown by the Mask upsampler,
/// its tiled read with every copy after the first multiplied by that copy's 1 + mask (<see cref="MaskedCopies"/>);
/// for a layer grown by the Hash upsampler, its tiled read permuted and signed (<see cref="HashedCopies"/>).
/// </summary>
internal static class TemplateReader
{
    public static Tensor Read(Banks.BankSet banks, LayerPlan plan, Tensor? mask = null, int maskPeriod = SharingDefaults.MaskPeriod, HashedCopies? hash = null)
    {
        long size = plan.GeneratedSize;
        var read = banks.Read(plan.Group!, plan.Path, plan.Offset, plan.ReadLength);
        if (hash is not null) return hash.Apply(read, plan.Path).view(1, size);
        if (mask is not null) return (read * MaskedCopies.Multiplier(mask, size, banks[plan.Group!].shape[0], maskPeriod)).view(1, size);
        if (plan.Grid is not { } grid) return read.view(plan.Templates, size);

        long rows = plan.WeightShape[0];
        var resized = nn.functional.interpolate(read.view(1, 1, grid.Rows, grid.Columns), size: new[] { rows, size / rows },
            mode: InterpolationMode.Bilinear, align_corners: false);
        return resized.view(1, size);
    }
}
