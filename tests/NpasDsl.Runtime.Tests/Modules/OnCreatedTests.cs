using System;
using System.Linq;
using NpasDsl.Runtime.Tests.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>The OnCreated hook runs once every layer exists and before the construction is checked and the model moved.</summary>
public sealed class OnCreatedTests
{
    [Fact]
    public void What_OnCreated_registers_is_part_of_the_model_and_goes_where_the_model_goes()
    {
        using var model = new BufferedNet(new NpasOptions { Device = CPU });
        Assert.Equal(model.TrainableParameters, model.ParametersSeenByOnCreated);
        Assert.Contains("offset", model.state_dict().Keys);
        model.to(ScalarType.Float64);
        Assert.Equal(ScalarType.Float64, model.named_buffers().Single(b => b.name == "offset").buffer.dtype);
        using var output = model.call(ones(2, 8, dtype: ScalarType.Float64));
        Assert.Equal(new long[] { 2, 4 }, output.shape);
    }

    [Fact]
    public void A_trainable_parameter_registered_in_OnCreated_is_refused_because_the_budget_bounds_every_one()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new ExtraParameterNet());
        Assert.Contains("a module or parameter registered in OnCreated cannot be trained beside it", e.Message);
        Assert.Contains("Declare it as a layer property", e.Message);
    }
}
