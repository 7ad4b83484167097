using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using NpasDsl.Generator.Tests.Infrastructure;
using Xunit;
using static NpasDsl.Generator.Tests.Infrastructure.TestModels;

namespace NpasDsl.Generator.Tests;

/// <summary>NpasDsl attributes in a class the generator does not read, because it has no [SharedBudget].</summary>
public sealed class MissingBudgetDiagnosticTests
{
    /// <summary>A model with a layer of its own, for classes that derive from it.</summary>
    /// <summary>An abstract base of models, with <paramref name="attributes"/> on it and <paramref name="members"/> after its constructor.</summary>
    private static string AbstractBase(string attributes, string members)
        => attributes + "public abstract partial class Base : NpasModule { protected Base(NpasDsl.Planning.NetworkSpec declaration, NpasOptions? options) : base(declaration, options) { } "
            + (members.Length > 0 ? members + " " : "") + "}";

    private const string ModelBase = "[SharedBudget(0.5)] public partial class Base : NpasModule { [Linear(3, 4)] private partial SharedLinear Tail { get; } public override Tensor forward(Tensor x) => x; }";

    [Theory]
    // Found by review: without [SharedBudget] the generator never looked at the class, so a forgotten budget left the
    // compiler's bare CS9248 per layer (and CS7036 for the constructor nothing generated), with no word of the cause.
    [InlineData("", OneLayer, "public sealed partial class Net : NpasModule",
        "'Net' has [Linear] on 'Head' but no [SharedBudget], so NpasDsl generates nothing for it; add a budget to the class, such as [SharedBudget(0.25)] (a fraction of the unshared model) or [SharedBudget(Parameters = 100000)]")]
    [InlineData("[Sharing(MaxTemplates = 2)]", OneLayer, "public sealed partial class Net : NpasModule", "'Net' has [Sharing] but no [SharedBudget]")]
    [InlineData("", "    [Conv2d(1, 2, 3), Repeat(2)] private partial ModuleList<SharedConv2d> Body { get; }\n" + OneLayer, "public sealed partial class Net : NpasModule",
        "'Net' has [Conv2d] on 'Body' but no [SharedBudget]")]
    [InlineData("", "    [NoShare] private partial SharedLinear Head { get; }", "public sealed partial class Net : NpasModule", "'Net' has [NoShare] on 'Head'")]
    [InlineData("", OneLayer, "public sealed partial class Net", "add a budget to the class, such as [SharedBudget(0.25)], and derive it from NpasModule")]
    public void NPAS026_NpasDsl_attributes_in_a_class_without_a_budget_are_reported_once_on_the_class(string classAttributes, string members, string declaration, string message)
    {
        var (driver, _, diagnostics) = GeneratorHarness.Run(ModelSource(classAttributes, members, declaration));
        var d = Assert.Single(diagnostics);
        Assert.Equal("NPAS026", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("Net", At(d));
        Assert.Contains(message, d.GetMessage());
        Assert.Empty(GeneratorHarness.GeneratedFiles(driver));
    }

    [Fact]
    public void NPAS026_for_a_class_in_two_files_names_its_first_layer_once()
    {
        var first = SampleModels.Usings + "namespace Demo;\npublic sealed partial class Net : NpasModule\n{\n    [Linear(3, 4)] private partial SharedLinear Tail { get; }\n    public override Tensor forward(Tensor x) => x;\n}\n";
        var second = SampleModels.Usings + "namespace Demo;\npublic sealed partial class Net\n{\n" + OneLayer + "\n}\n";
        var (_, _, diagnostics) = GeneratorHarness.Run(first, second);
        var d = Assert.Single(diagnostics);
        Assert.Equal("NPAS026", d.Id);
        Assert.Equal("Model0.cs", d.Location.SourceTree!.FilePath);
        Assert.Contains("[Linear] on 'Tail'", d.GetMessage());
    }

    [Fact]
    public void NPAS026_for_layers_in_a_class_derived_from_a_model_says_where_layers_go()
    {
        var source = ModelSource("", OneLayer, "public sealed partial class Net : Base",
            before: ModelBase);
        var d = Single(source, "NPAS026");
        Assert.Contains("it derives from the model 'Base', whose budget covers only the layers 'Base' declares; declare the layers in 'Base', or derive 'Net' directly from NpasModule", d.GetMessage());
    }

    [Fact]
    public void NPAS026_for_layers_in_an_abstract_base_says_to_move_them_into_the_model()
    {
        // A budget on the abstract base would only lead to NPAS017 ("is abstract"): the layers belong in the model.
        var source = ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : Base",
            before: AbstractBase("", "[Linear(3, 4)] protected partial SharedLinear Tail { get; }"));
        var d = Single(source, "NPAS026");
        Assert.Equal("Base", At(d));
        Assert.Equal("'Base' has [Linear] on 'Tail' but no [SharedBudget], so NpasDsl generates nothing for it; 'Base' is abstract, and a model cannot be (it is built with 'new'); " +
            "declare the layers in the model class that derives from it, the one with [SharedBudget]", d.GetMessage());
    }

    [Fact]
    public void NPAS026_for_a_class_nested_in_a_model_leaves_the_model_alone()
    {
        var (driver, _, diagnostics) = GeneratorHarness.Run(ModelSource("[SharedBudget(0.5)]", OneLayer + "\n    public partial class Inner { [Linear(1, 2)] private partial SharedLinear X { get; } }"));
        var d = Assert.Single(diagnostics);
        Assert.Equal("NPAS026", d.Id);
        Assert.Equal("Inner", At(d));
        Assert.DoesNotContain("Placeholder layers", Assert.Single(GeneratorHarness.GeneratedFiles(driver)).Value);
    }

    [Fact]
    public void NPAS026_for_sharing_alone_on_a_class_derived_from_a_model_says_where_sharing_goes()
    {
        // Found by review: a [Sharing] with no layers beside it was told to "declare the layers in 'Base'", layers it has none of.
        var source = ModelSource("[Sharing(MaxTemplates = 2)]", "", "public sealed partial class Net : Base",
            before: ModelBase);
        var d = Single(source, "NPAS026");
        Assert.Equal("'Net' has [Sharing] but no [SharedBudget], so NpasDsl generates nothing for it; it derives from the model 'Base', but [Sharing] is not inherited " +
            "and sets the options of the model it is on; put it on 'Base', or give the options when the model is built (NpasOptions.Sharing)", d.GetMessage());
        Assert.DoesNotContain("declare the layers", d.GetMessage());

        // With layers of its own beside it, the layers are what the advice is about.
        var withLayers = Single(ModelSource("[Sharing(MaxTemplates = 2)]", OneLayer, "public sealed partial class Net : Base",
            before: ModelBase), "NPAS026");
        Assert.Contains("declare the layers in 'Base'", withLayers.GetMessage());
    }

    [Fact]
    public void NPAS026_for_sharing_alone_on_an_abstract_base_says_to_put_it_on_the_model()
    {
        var source = ModelSource("[SharedBudget(0.5)]", OneLayer, "public sealed partial class Net : Base",
            before: AbstractBase("[Sharing(MaxTemplates = 2)] ", ""));
        var d = Single(source, "NPAS026");
        Assert.Equal("Base", At(d));
        Assert.EndsWith("'Base' is abstract, and a model cannot be (it is built with 'new'), and [Sharing] is not inherited; put it on the model class that derives from it, " +
            "the one with [SharedBudget]", d.GetMessage());
    }

    [Theory]
    [InlineData("[SharedBudg]")]     // the budget being typed: the compiler's CS0246 first
    [InlineData("[SharedBudget(]")]
    [InlineData("[SharedBudget(0.5)]")]
    public void NPAS026_is_not_reported_where_the_class_has_or_is_being_given_a_budget(string classAttributes)
    {
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource(classAttributes, OneLayer));
        Assert.DoesNotContain(diagnostics, d => d.Id == "NPAS026");
    }

    [Fact]
    public void NPAS026_is_not_reported_on_a_struct_which_cannot_take_a_budget()
    {
        var (_, _, diagnostics) = GeneratorHarness.Run(ModelSource("", "    [Linear(1, 2)] public SharedLinear? X { get; }", "public partial struct Net"));
        Assert.DoesNotContain(diagnostics, d => d.Id == "NPAS026");
    }
}
