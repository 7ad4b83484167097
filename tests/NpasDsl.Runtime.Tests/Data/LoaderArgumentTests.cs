using System;
using NpasDsl.Data;
using Xunit;

namespace NpasDsl.Runtime.Tests.Data;

/// <summary>The loaders' entry points given a value no data set has. Found by a review.</summary>
public sealed class LoaderArgumentTests
{
    [Fact]
    public void An_undefined_cifar_variant_is_refused_rather_than_read_as_cifar_100()
    {
        var variant = (CifarVariant)7;
        Assert.Equal("variant", Assert.Throws<ArgumentOutOfRangeException>(() => CifarDataset.Load("/nonexistent", variant)).ParamName);
        Assert.Equal("variant", Assert.Throws<ArgumentOutOfRangeException>(() => CifarDataset.FileNames(variant)).ParamName);
        Assert.Equal("variant", Assert.Throws<ArgumentOutOfRangeException>(() => CifarDataset.Statistics(variant)).ParamName);
        Assert.Equal("variant", Assert.Throws<ArgumentOutOfRangeException>(() => CifarDataset.BlackPixel(variant)).ParamName);
    }

    [Fact]
    public void A_null_directory_is_named()
    {
        // Path.Combine's refusal named its own parameter, 'path1'.
        Assert.Equal("directory", Assert.Throws<ArgumentNullException>(() => FashionMnistDataset.Load(null!)).ParamName);
        Assert.Equal("directory", Assert.Throws<ArgumentNullException>(() => CifarDataset.Load(null!, CifarVariant.Cifar10)).ParamName);
    }
}
