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

    [Theory]
    [InlineData("[Linear(outFeatures: 10, inFeatures: 0)]", "inFeatures: 0", "in features is 0")]
    [InlineData("[Linear(inFeatures: 10, outFeatures: 0)]", "outFeatures: 0", "out features is 0")]
    [InlineData("[Linear(10, outFeatures: 0)]", "outFeatures: 0", "out features is 0")]
    public void NPAS006_points_at_an_argument_that_names_its_parameter(string attribute, string at, string message)
    {
        // Found by a fuzzing review: a named argument made the diagnostic cover the whole attribute.
        var d = Single(ModelSource("[SharedBudget(0.5)]", $"    {attribute} private partial SharedLinear Layer {{ get; }}\n" + OneLayer), "NPAS006");
        Assert.Equal(at, At(d));
        Assert.Contains(message, d.GetMessage());
    }

    [Fact]
    public void NPAS006_a_model_whose_layers_add_up_past_what_the_planner_can_count()
    {
        // Found by a fuzzing review: 90 lists of 100,000 layers of 2^40 weights each, every one within its own limits, add
        // up past a long, and the planner's overflow came out as NPAS022 ("a bug in NpasDsl"). Two lists of 5,000 such
        // layers are past the model limit (2^53, so that even a 1,000x budget fits a long) at the second.
        var members = string.Join("\n", Enumerable.Range(0, 3).Select(i => $"    [Linear(1048576, 1048576, Bias = false), Repeat(5000)] private partial ModuleList<SharedLinear> L{i} {{ get; }}"));
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(1000.0)]", members));
        var d = Assert.Single(diagnostics, d => d.Id.StartsWith("NPAS", StringComparison.Ordinal));
        Assert.Equal("NPAS006", d.Id);
        Assert.Equal("Linear(1048576, 1048576, Bias = false)", At(d));
        Assert.Equal("Layer 'L1': with it the model's layers add up to 10,995,116,277,760,000 parameters, more than the 9,007,199,254,740,992 NpasDsl can plan in one model; use fewer or smaller layers", d.GetMessage());

        // One list is within the limit: it plans (and at 1,000x its budget fits a long).
        var (_, _, one) = GeneratorHarness.Run(ModelSource("[SharedBudget(1000.0)]", members.Split('\n')[0]));
        Assert.DoesNotContain(one, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void NPAS006_counts_the_model_exactly_one_parameter_past_the_limit()
    {
        // 8,192 layers of 2^40 weights are 2^53 exactly, within the limit; one more weight is past it. Summed in doubles,
        // 2^53 + 1 rounds back to 2^53 and the model slipped through.
        const string atLimit = "    [Linear(1048576, 1048576, Bias = false), Repeat(8192)] private partial ModuleList<SharedLinear> Big { get; }";
        var (_, _, within) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", atLimit));
        Assert.DoesNotContain(within, d => d.Id == "NPAS006");

        var d = Single(ModelSource("[SharedBudget(0.5)]", atLimit + "\n    [Linear(1, 1, Bias = false)] private partial SharedLinear One { get; }"), "NPAS006");
        Assert.StartsWith("Layer 'One': with it the model's layers add up to 9,007,199,254,740,993 parameters", d.GetMessage());
    }

    [Fact]
    public void NPAS006_a_model_with_more_layers_than_can_be_planned_while_typing()
    {
        // Found by review: every list within [Repeat]'s limit, thirty lists of 100,000 layers took the generator half a
        // minute to plan, again on every edit of the class. The model's layers are counted, repeats one by one.
        var members = string.Join("\n", Enumerable.Range(0, 30).Select(i => $"    [Conv2d({8 + i}, 64, 3), Repeat(100000)] private partial ModuleList<SharedConv2d> B{i} {{ get; }}"));
        var (driver, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.05), Sharing(Strategy = GroupStrategy.ByShape)]", members));
        var d = Assert.Single(diagnostics);
        Assert.Equal("NPAS006", d.Id);
        Assert.Equal("Conv2d(9, 64, 3)", At(d));
        Assert.Equal("Layer 'B1': with it the model declares 200,000 layers, more than the 110,000 NpasDsl plans in one model; use fewer repeats", d.GetMessage());
        // The model never reaches the planner (what took the half minute), checked by what ran rather than by a clock:
        // a wall-clock limit fails on a busy machine and passes a slow planner on a fast one.
        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        foreach (var step in new[] { NpasGenerator.Steps.Networks, NpasGenerator.Steps.Budget })
            Assert.True(!steps.TryGetValue(step, out var runs) || runs.All(r => r.Outputs.IsEmpty), $"{step} ran for a model past the layer limit");

        // One list of the most repeats is still a model, with a stem and a head beside it (found by a review: a cap equal
        // to [Repeat]'s own refused them, though 100,002 layers plan as fast as 100,000).
        var (_, _, one) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.05)]", members.Split('\n')[0]));
        Assert.DoesNotContain(one, d => d.Severity == DiagnosticSeverity.Error);
        var (_, _, framed) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.05)]",
            "    [Conv2d(3, 8, 3)] private partial SharedConv2d Stem { get; }\n" + members.Split('\n')[0] + "\n" + OneLayer));
        Assert.DoesNotContain(framed, d => d.Severity == DiagnosticSeverity.Error);
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
    public void NPAS007_a_list_of_another_layer_type_is_named_as_docs_diagnostics_NPAS007_quotes_it()
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", "    [Conv2d(3, 4, 3), Repeat(2)] private partial ModuleList<SharedLinear> Body { get; }"), "NPAS007");
        Assert.Equal("Layer 'Body' is declared with [Conv2d] so its type must be 'ModuleList<SharedConv2d>', not 'ModuleList<SharedLinear>'", d.GetMessage());
        Assert.Contains("NPAS007: " + d.GetMessage() + "\n", System.IO.File.ReadAllText(System.IO.Path.Combine(RepoRoot(), "docs", "diagnostics", "NPAS007.md")).Replace("\r\n", "\n"));
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
    public void NPAS008_an_indexer_is_told_to_be_a_named_property_and_gets_no_unimplemented_part_error()
    {
        // Found by a fuzzing review: the fix read 'private partial SharedLinear this[] { get; }', which is no C#, and
        // the compiler added CS9248 because nothing implemented the indexer.
        var (_, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer + "\n    [Linear(10, 10)] public partial SharedLinear this[int i] { get; }"));
        var d = Assert.Single(diagnostics, d => d.Id == "NPAS008");
        Assert.Equal("Layer 'this[]' is an indexer, but a layer is a property with a name (the state dict's key); declare it as 'private partial SharedLinear Linear { get; }'", d.GetMessage());
        var compiler = GeneratorHarness.CompilerProblems(output);
        Assert.True(compiler.Count == 0, string.Join(" | ", compiler.Select(c => c.Id + " " + c.GetMessage())));
    }

    [Fact]
    public void NPAS008_for_each_of_two_overloaded_indexers()
    {
        // Overloads share the name 'this[]'; they are not the compiler's CS0102, so each gets its NPAS008 and its part.
        var (_, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer +
            "\n    [Linear(10, 10)] public partial SharedLinear this[int i] { get; }\n    [Linear(10, 10)] public partial SharedLinear this[string s] { get; }"));
        Assert.Equal(2, diagnostics.Count(d => d.Id == "NPAS008"));
        var compiler = GeneratorHarness.CompilerProblems(output);
        Assert.True(compiler.Count == 0, string.Join(" | ", compiler.Select(c => c.Id + " " + c.GetMessage())));
    }

    [Fact]
    public void NPAS008_suggests_a_keyword_name_escaped()
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", "    [Linear(10, 10)] private SharedLinear @class { get; }\n" + OneLayer), "NPAS008");
        Assert.EndsWith("declare it as 'private partial SharedLinear @class { get; }'", d.GetMessage());
    }

    [Fact]
    public void NPAS009_alone_for_a_list_of_another_layer_type_without_repeat()
    {
        // Found by a fuzzing review: NPAS007 asked for ModuleList<SharedLinear> while NPAS009 said a list needs [Repeat]
        // or should be a SharedLinear; the one diagnostic left names both fixes with the right types.
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", "    [Linear(10, 10)] private partial ModuleList<SharedConv2d> Layers { get; }\n" + OneLayer));
        var d = Assert.Single(diagnostics, d => d.Id.StartsWith("NPAS", StringComparison.Ordinal));
        Assert.Equal("NPAS009", d.Id);
        Assert.Equal("Layer 'Layers' is a ModuleList but has no [Repeat(n)]; declare it as '[Repeat(n)] ModuleList<SharedLinear>' to hold n layers, or as 'SharedLinear' for one", d.GetMessage());
    }

    [Fact]
    public void A_list_of_a_type_that_breaks_the_lists_constraint_leaves_no_error_in_generated_code()
    {
        // ModuleList<int> is the compiler's CS0315 in the user's file; a placeholder repeating the type would repeat it there.
        var (_, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", "    [Linear(10, 10), Repeat(2)] private partial ModuleList<int> Layers { get; }\n" + OneLayer));
        Assert.Contains(diagnostics, d => d.Id == "NPAS007");
        Assert.DoesNotContain(GeneratorHarness.CompilerProblems(output), c => c.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
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
    public void NPAS008_an_explicit_interface_implementation_is_told_the_simple_name()
    {
        // Found by review: the suggested fix was 'private partial SharedLinear Demo.IHas.Head { get; }', the same explicit
        // implementation (CS0754) with an access modifier it cannot have; the layer's name is its simple name.
        var source = ModelSource("[SharedBudget(0.5)]", "    [Linear(100, 10)] partial SharedLinear IHas.Head { get; }\n" + OneLayer.Replace("Head", "Tail"),
            "public sealed partial class Net : NpasModule, IHas", before: "public interface IHas { SharedLinear Head { get; } }");
        var d = Single(source, "NPAS008");
        Assert.Equal("Layer 'Head' implements an interface member explicitly; declare it as 'private partial SharedLinear Head { get; }'", d.GetMessage());
    }

    [Fact]
    public void NPAS010_two_layer_attributes()
    {
        var d = Single(ModelSource("[SharedBudget(0.5)]", "    [Linear(10, 10), Conv2d(1, 1, 1)] private partial SharedLinear Layer { get; }\n" + OneLayer), "NPAS010");
        Assert.Equal("Conv2d(1, 1, 1)", At(d));
    }

    [Fact]
    public void NPAS010_names_each_layer_attribute_once_and_leaves_a_repeated_one_to_the_compiler()
    {
        // Found by review: [Linear(..)][Linear(..)] got the compiler's CS0579 ("Duplicate 'Linear' attribute") and NPAS010
        // ("2 layer attributes ([Linear], [Linear])"), the same mistake twice.
        var (_, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", "    [Linear(10, 10)][Linear(3, 4)] private partial SharedLinear Layer { get; }\n" + OneLayer));
        Assert.Empty(diagnostics);
        Assert.Contains(GeneratorHarness.CompilerProblems(output), d => d.Id == "CS0579");

        var d = Single(ModelSource("[SharedBudget(0.5)]", "    [Linear(10, 10)][Linear(3, 4)][Conv2d(1, 1, 1)] private partial SharedLinear Layer { get; }\n" + OneLayer), "NPAS010");
        Assert.Equal("'Layer' has 2 kinds of layer attribute ([Linear], [Conv2d]); keep one, or declare one property per layer", d.GetMessage());
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

    [Theory]
    [InlineData("private partial SharedLinear Extra { get; }", "add the layer attribute, such as [Linear(in, out)]")]
    [InlineData("private partial ModuleList<SharedConv2d> Extra { get; }", "add the layer attribute with [Repeat(n)], such as [Conv2d(in, out, kernel), Repeat(n)]")]
    [InlineData("private partial BatchNorm2d Extra { get; }", "add the layer attribute, such as [BatchNorm2d(features)]")]
    [InlineData("private partial Dropout Extra { get; }", "not a 'Dropout'; implement the property yourself")]
    public void NPAS024_a_partial_property_without_a_layer_attribute_says_what_to_add(string member, string advice)
    {
        // Without it the compiler's CS9248 ("must have an implementation part") was the only error, with no reason given.
        var source = ModelSource("[SharedBudget(0.5)]", "    " + member + "\n" + OneLayer);
        var (_, output, diagnostics) = GeneratorHarness.Run(source);
        var d = Assert.Single(diagnostics, x => x.Id == "NPAS024");
        Assert.Equal("Extra", At(d));
        Assert.StartsWith("'Extra' is a partial property of the model but has no layer attribute, so nothing implements it; ", d.GetMessage());
        Assert.Contains(advice, d.GetMessage());
        // The placeholder implements it (throwing), so no CS9248 stands beside the NPAS024.
        var compiler = GeneratorHarness.CompilerProblems(output);
        Assert.True(compiler.Count == 0, string.Join(" | ", compiler.Select(x => x.Id + " " + x.GetMessage())));
    }

    [Fact]
    public void NPAS024_is_not_reported_for_a_partial_property_the_user_implements()
    {
        var members = "    private partial Tensor Offset { get; }\n    private partial Tensor Offset => get_buffer(\"offset\")!;\n" + OneLayer;
        var (_, output, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", members));
        Assert.DoesNotContain(diagnostics, x => x.Id == "NPAS024");
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
    }

    [Fact]
    public void NPAS024_leaves_a_partial_property_with_another_attribute_to_whatever_generator_reads_that_attribute()
    {
        // Generators do not see each other's output: a partial property another generator implements looks unimplemented here,
        // and NPAS024 with a placeholder part beside the other generator's would be two errors that are not the user's.
        const string attribute = "[System.AttributeUsage(System.AttributeTargets.Property)] public sealed class FilledElsewhereAttribute : System.Attribute { }";
        var members = "    [FilledElsewhere] private partial Tensor Offset { get; }\n" + OneLayer;
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", members, before: attribute));
        Assert.DoesNotContain(diagnostics, x => x.Id == "NPAS024");
    }
}
