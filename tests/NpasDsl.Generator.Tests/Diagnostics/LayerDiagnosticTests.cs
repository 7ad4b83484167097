using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using NpasDsl.Generator.Tests.Infrastructure;
using Xunit;
using static NpasDsl.Generator.Tests.Infrastructure.TestModels;

namespace NpasDsl.Generator.Tests;

/// <summary>Layer properties: their numbers, types, partial get-only shape, Repeat with ModuleList, one layer attribute each, reserved names.</summary>
public sealed class LayerDiagnosticTests
{
    [Theory]
    [InlineData("[Linear(0, 10)]", "SharedLinear", "0", "in features is 0")]
    [InlineData("[Conv2d(3, -4, 3)]", "SharedConv2d", "-4", "out channels is -4")]
    [InlineData("[Conv2d(3, 4, 3, Groups = 2)]", "SharedConv2d", "Groups = 2", "divide both in channels (3)")]
    [InlineData("[Conv2d(4, 4, 3, Stride = 0)]", "SharedConv2d", "Stride = 0", "Stride is 0")]
    [InlineData("[Conv2d(4, 4, 3, Padding = -1)]", "SharedConv2d", "Padding = -1", "must not be negative")]
    [InlineData("[Conv2d(4, 4, 3, 0)]", "SharedConv2d", "0", "kernel width is 0")]
    [InlineData("[Embedding(0, 8)]", "SharedEmbedding", "0", "row count is 0")]
    public void NPAS006_impossible_layer_numbers_point_at_the_argument(string attribute, string type, string at, string message)
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", $"    {attribute} private partial {type} Layer {{ get; }}\n" + OneLayer), "NPAS006");
        Assert.Equal(at, At(d));
        Assert.Contains(message, d.GetMessage());
    }

    [Fact]
    public void NPAS006_repeat_count_not_positive()
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", "    [Linear(10, 10), Repeat(0)] private partial ModuleList<SharedLinear> Layers { get; }\n" + OneLayer), "NPAS006");
        Assert.Equal("0", At(d));
    }

    [Fact]
    public void NPAS007_names_the_full_type_where_the_users_own_class_has_the_same_short_name()
    {
        var source = ModelSource("[SharedBudget(0.5)]", "    [Linear(100, 10)] private partial SharedLinear? Head { get; }")
            .Replace("namespace Demo;", "namespace Demo;\npublic sealed class SharedLinear { }\n");
        var d = Single(source, "NPAS007");
        Assert.Contains("must be 'SharedLinear', not 'Demo.SharedLinear?'", d.GetMessage());
    }

    [Fact]
    public void NPAS007_a_module_list_of_nullable_layers_is_refused_by_its_name()
    {
        // The list's layers are never null; accepting the '?' would leave a nullability warning in the generated file.
        var d = Single(ModelSource("[SharedBudget(0.5)]", "    [Linear(100, 10), Repeat(2)] private partial ModuleList<SharedLinear?> Body { get; }"), "NPAS007");
        Assert.Contains("must be 'ModuleList<SharedLinear>', not 'ModuleList<SharedLinear?>'", d.GetMessage());
        var own = ModelSource("[SharedBudget(0.5)]", "    [Linear(100, 10), Repeat(2)] private partial ModuleList<SharedLinear?> Body { get; }")
            .Replace("namespace Demo;", "namespace Demo;\npublic sealed class SharedLinear { }\n");
        Assert.Contains("not 'TorchSharp.Modules.ModuleList<Demo.SharedLinear?>'", Single(own, "NPAS007").GetMessage());
    }

    [Fact]
    public void NPAS007_wrong_property_type_points_at_the_property()
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", "    [Conv2d(3, 4, 3)] private partial SharedLinear Layer { get; }\n" + OneLayer), "NPAS007");
        Assert.Equal("Layer", At(d));
        Assert.Contains("must be 'SharedConv2d', not 'SharedLinear'", d.GetMessage());
    }

    [Theory]
    [InlineData("private SharedLinear Layer { get; }", "is not partial")]
    [InlineData("private partial SharedLinear Layer { get; set; }", "has a setter")]
    public void NPAS008_property_must_be_partial_get_only(string declaration, string problem)
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", $"    [Linear(10, 10)] {declaration}\n" + OneLayer), "NPAS008");
        Assert.Equal("Layer", At(d));
        Assert.Contains(problem, d.GetMessage());
    }

    [Fact]
    public void NPAS009_repeat_without_list_type()
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", "    [Linear(10, 10), Repeat(3)] private partial SharedLinear Layers { get; }\n" + OneLayer), "NPAS009");
        Assert.Equal("Repeat(3)", At(d));
        Assert.Contains("ModuleList<SharedLinear>", d.GetMessage());
    }

    [Fact]
    public void NPAS009_list_type_without_repeat()
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", "    [Linear(10, 10)] private partial ModuleList<SharedLinear> Layers { get; }\n" + OneLayer), "NPAS009");
        Assert.Equal("Layers", At(d));
    }

    [Fact]
    public void NPAS010_two_layer_attributes()
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", "    [Linear(10, 10), Conv2d(1, 1, 1)] private partial SharedLinear Layer { get; }\n" + OneLayer), "NPAS010");
        Assert.Equal("Conv2d(1, 1, 1)", At(d));
    }

    [Fact]
    public void NPAS011_no_layers()
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", ""), "NPAS011");
        Assert.Equal("Net", At(d));
    }

    [Theory]
    [InlineData("Declaration", "has a name NpasDsl generates")]
    [InlineData("OnCreated", "has a name NpasDsl generates")]
    [InlineData("banks", "the state-dict entry of the model's parameter banks")]
    [InlineData("combiner", "the state-dict entry of the embedding combiner's shared coefficients")]
    [InlineData("Allocation", "a member the model inherits from NpasModule")]
    public void NPAS016_reserved_layer_names(string name, string problem)
    {
        var source = ModelSource("[SharedBudget(0.5)]", $"    [Linear(10, 10)] private partial SharedLinear {name} {{ get; }}\n" + OneLayer);
        var d = Single(source, "NPAS016");
        Assert.Equal(name, At(d));
        Assert.Contains(problem, d.GetMessage());
        // Nothing is reported inside the generated file (a placeholder getter named Declaration beside the generated Declaration was CS0102).
        var (_, output, _) = GeneratorHarness.Run(source);
        var inGenerated = GeneratorHarness.CompilerProblems(output).Where(p => p.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true).ToList();
        Assert.True(inGenerated.Count == 0, string.Join(" | ", inGenerated.Select(p => p.Id + " " + p.GetMessage())));
    }

    [Fact]
    public void A_repeat_count_out_of_range_is_reported_once_without_listing_its_divisors()
    {
        // int.MaxValue, a typo the repeat limit exists for: listing its divisors took 2^31 steps on every keystroke.
        var source = ModelSource("[SharedBudget(0.5)]", "    [Linear(10, 10), Repeat(2147483647), ShareGroup(\"g\", Rate = 2)] private partial ModuleList<SharedLinear> Layers { get; }\n" + OneLayer);
        var d = Single(source, "NPAS006");
        Assert.Contains("must repeat the layer from 1 to 100,000 times", d.GetMessage());
        var (_, _, diagnostics) = GeneratorHarness.Run(source);
        Assert.DoesNotContain(diagnostics, x => x.Id == "NPAS013");
    }
}
