using System;
using NpasDsl.GroupSearch;
using NpasDsl.Runtime.Tests.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.GroupSearch;

/// <summary>The group searches refuse arguments they cannot run with before they build or train anything. Found by a review.</summary>
public sealed class GroupSearchArgumentTests
{
    private static Tensor Loss(TinyCnn model) => model.call(ones(2, 1, 8, 8)).pow(2).mean();

    [Theory]
    [InlineData(GroupSearchMethod.Learned)]
    [InlineData(GroupSearchMethod.GradientConflict)]
    public void A_null_factory_or_loss_is_named_before_any_model_is_built(GroupSearchMethod method)
    {
        int built = 0;
        // The null loss threw a NullReferenceException at the first warm-up step, after the warm-up model was built.
        var e = Assert.Throws<ArgumentNullException>(() => GroupSearches.Run(method, o => { built++; return new TinyCnn(o); }, null!));
        Assert.Equal("batchLoss", e.ParamName);
        Assert.Equal(0, built);
        Assert.Equal("create", Assert.Throws<ArgumentNullException>(() => GroupSearches.Run<TinyCnn>(method, null!, Loss)).ParamName);
    }

    [Fact]
    public void A_device_that_does_not_exist_is_an_invalid_option()
    {
        var missing = cuda.is_available() ? new Device(DeviceType.CUDA, cuda.device_count()) : new Device("cuda");
        var options = new GroupSearchOptions { Device = missing };
        Assert.StartsWith("Device: cuda", options.Validate());
        var e = Assert.Throws<ArgumentException>(() => LearnedGrouping.Search(o => new TinyCnn(o), Loss, options));
        Assert.StartsWith("Invalid group-search options: Device: cuda", e.Message);
    }
}
