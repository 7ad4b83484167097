using System;
using NpasDsl.Families;
using NpasDsl.Runtime.Tests.Models;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Families;

/// <summary>A family's public members given arguments they cannot use: a clear exception, not an IndexOutOfRange or a wrong accuracy. Found by a review.</summary>
public sealed class FamilyArgumentTests
{
    private static readonly FamilyMember Narrow = FamilyMember.Of(FamilyNarrow.Declaration, o => new FamilyNarrow(o));
    private static readonly FamilyMember Wide = FamilyMember.Of(FamilyWide.Declaration, o => new FamilyWide(o));

    [Fact]
    public void A_member_index_outside_the_family_is_out_of_range()
    {
        using var family = new ModelFamily(new[] { Narrow, Wide });
        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => family.NarrowerOf(2)).ParamName);
        Assert.Contains("The family has 2 members: give an index from 0 to 1", Assert.Throws<ArgumentOutOfRangeException>(() => family.WhyStandalone(-1)).Message);
        Assert.Equal("FamilyNarrow", family.NarrowerOf(1));
    }

    [Fact]
    public void A_null_member_or_a_factory_that_returns_null_is_named()
    {
        Assert.StartsWith("Member 1 of the family is null", Assert.Throws<ArgumentException>(() => new ModelFamily(new[] { Narrow, null! })).Message);
        var e = Assert.Throws<ArgumentException>(() => new ModelFamily(new[] { Narrow, FamilyMember.Of(FamilyWide.Declaration, _ => null!) }));
        Assert.StartsWith("Member 1's factory (FamilyWide) returned null", e.Message);
    }

    [Fact]
    public void Evaluation_refuses_labels_it_would_score_wrongly()
    {
        using var family = new ModelFamily(new[] { Narrow, Wide }, new NpasOptions { Seed = 2 });
        using var images = randn(new long[] { 6, 1, 8, 8 }, generator: new TorchSharp.torch.Generator(3));
        // [6, 1] labels broadcast against the [6] predictions: an ensemble accuracy of 2 was reported.
        string Refused(Tensor labels) => Assert.Throws<ArgumentException>(() => family.Evaluate(images, labels)).Message;
        Assert.StartsWith("Evaluation needs labels of shape [N], one class index per image, not [6, 1]", Refused(zeros(new long[] { 6, 1 }, dtype: ScalarType.Int64)));
        Assert.StartsWith("Evaluation needs class indices as integers, but the labels are Float32", Refused(zeros(6)));
        Assert.StartsWith("The labels include -1, but class indices start at 0", Refused(full(new long[] { 6 }, -1L)));
        // A class no member has an output for was never predicted: accuracy 0, silently.
        Assert.StartsWith("The labels go up to class 9, but 'FamilyNarrow' gives 4 outputs", Refused(full(new long[] { 6 }, 9L)));
        var evaluation = family.Evaluate(images, zeros(6, dtype: ScalarType.Int64));
        Assert.InRange(evaluation.EnsembleAccuracy, 0, 1);
    }

    [Fact]
    public void Counting_the_cost_of_an_empty_batch_is_refused()
    {
        using var model = new FamilyNarrow();
        using var empty = zeros(0, 1, 8, 8);
        Assert.Equal("example", Assert.Throws<ArgumentException>(() => MacCounter.PerExample(model, empty)).ParamName); // was a DivideByZeroException
    }
}
