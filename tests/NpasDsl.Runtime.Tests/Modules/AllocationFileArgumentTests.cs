using System;
using NpasDsl.Allocation;
using NpasDsl.Runtime.Tests.Models;
using Xunit;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>The allocation file's entry points given null: named, not a NullReferenceException. Found by a review.</summary>
public sealed class AllocationFileArgumentTests
{
    [Fact]
    public void A_null_plan_or_allocation_to_compare_is_named()
    {
        Assert.Equal("plan", Assert.Throws<ArgumentNullException>(() => AllocationFile.From(null!)).ParamName);
        using var model = new TinyCnn();
        var file = AllocationFile.From(model.Allocation);
        Assert.Equal("other", Assert.Throws<ArgumentNullException>(() => file.FirstDifference(null!)).ParamName);
        Assert.Null(file.FirstDifference(file));
    }
}
