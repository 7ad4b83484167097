using System;
using NpasDsl.Families;
using NpasDsl.Runtime.Tests.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>
/// A device TorchSharp cannot use here (CUDA on a machine without it, a GPU index beyond the machine's) is refused by name
/// before the model is built. Found by a review: TorchSharp's bare "CUDA is not available." came from the final move.
/// </summary>
public sealed class DeviceOptionTests
{
    /// <summary>A CUDA device that does not exist on this machine, with or without a GPU.</summary>
    private static Device Missing() => cuda.is_available() ? new Device(DeviceType.CUDA, cuda.device_count()) : new Device("cuda");

    [Fact]
    public void A_model_on_a_device_that_does_not_exist_is_refused_naming_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => new TinyCnn(new NpasOptions { Device = Missing() }));
        Assert.Equal("options", e.ParamName);
        Assert.StartsWith("NpasOptions.Device for 'TinyCnn': cuda", e.Message);
        Assert.Contains(cuda.is_available() ? "CUDA device" : "leave Device null to stay on the CPU", e.Message);
    }

    [Fact]
    public void A_family_on_a_device_that_does_not_exist_is_refused_before_its_members_are_built()
    {
        int built = 0;
        var members = new[]
        {
            FamilyMember.Of(FamilyNarrow.Declaration, o => { built++; return new FamilyNarrow(o); }),
            FamilyMember.Of(FamilyWide.Declaration, o => { built++; return new FamilyWide(o); }),
        };
        var e = Assert.Throws<ArgumentException>(() => new ModelFamily(members, new NpasOptions { Device = Missing() }));
        Assert.StartsWith("NpasOptions.Device for the family FamilyNarrow+FamilyWide: cuda", e.Message);
        Assert.Equal(0, built);
    }

    [Fact]
    public void The_cpu_device_is_accepted()
    {
        using var cpu = new TinyCnn(new NpasOptions { Device = CPU });
        Assert.Equal(DeviceType.CPU, cpu.Banks["shared"].device_type);
    }
}
