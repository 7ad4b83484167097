using System;
using System.IO;
using System.Linq;
using NpasDsl.Allocation;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using Xunit;

namespace NpasDsl.Runtime.Tests.Modules;

/// <summary>Allocations saved as JSON, given back through the options, and checked when a checkpoint is loaded.</summary>
public sealed class AllocationFileTests : ScratchDirectoryTest
{
    public AllocationFileTests() : base("alloc") => Directory.CreateDirectory(Scratch);

    [Fact]
    public void An_allocation_round_trips_through_readable_json()
    {
        using var model = new MixedNet();
        var file = AllocationFile.From(model.Allocation);
        var path = Path.Combine(Scratch, "mixed.allocation.json");
        file.Save(path);

        var text = File.ReadAllText(path);
        Assert.Contains("\"format\": \"npasdsl-allocation/1\"", text);
        Assert.Contains("\"name\": \"mlp\"", text);
        Assert.Contains("\"strategy\": \"ByShape\"", text);
        Assert.Null(AllocationFile.Load(path).FirstDifference(file));
    }

    [Theory]
    [InlineData("\"groups\": [", "\"groups\": null, \"unused\": [", "\"groups\" is null")]
    [InlineData("\"sharing\": {", "\"sharing\": null, \"unused\": {", "\"sharing\" is null")]
    [InlineData("\"name\": \"mlp\"", "\"name\": null", "has no \"name\"")]
    [InlineData("\"format\": \"npasdsl-allocation/1\",", "", "is not an NpasDsl allocation")]
    [InlineData("\"path\": \"Mixers.1\"", "\"path\": \"Mixers.0\"", "layer 'Mixers.0' appears twice")]
    [InlineData("\"maskPeriod\": 16", "\"maskPeriod\": 0", "holds sharing options no model can use: MaskPeriod is 0")]
    [InlineData("\"combiner\": \"WeightedAverage\"", "\"combiner\": 7", "Combiner 7 is not a Combiner")]
    [InlineData("\"source\": \"Bank\"", "\"source\": 9", "has \"source\" 9, which is not one of")]
    public void A_file_with_a_field_nulled_or_left_out_is_refused_naming_it(string find, string replace, string message)
    {
        using var model = new MixedNet();
        var json = AllocationFile.From(model.Allocation).ToJson();
        Assert.Contains(find, json);
        var e = Assert.Throws<InvalidDataException>(() => AllocationFile.Parse(json.Replace(find, replace), "edited.json"));
        Assert.Contains("edited.json", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void The_mask_period_is_saved_and_an_older_file_without_it_reads_as_the_default()
    {
        using var model = new MaskNet(new NpasOptions { Sharing = new SharingSpec(upsampler: Upsampler.Mask, maskPeriod: 5) });
        var file = AllocationFile.From(model.Allocation);
        var json = file.ToJson();
        Assert.Contains("\"maskPeriod\": 5", json);
        Assert.Equal(5, AllocationFile.Parse(json, "saved").Sharing.MaskPeriod);

        var older = AllocationFile.Parse(json.Replace("\"maskPeriod\": 5", "\"unknownOption\": 0"), "older");
        Assert.Equal(SharingDefaults.MaskPeriod, older.Sharing.MaskPeriod);
        Assert.Contains("the sharing options are", file.FirstDifference(older));
    }

    [Fact]
    public void Other_sharing_options_are_told_by_the_options_that_differ_only()
    {
        // Found by a review: a --resume with another --coefficient-sharing printed both whole records
        // ("SharingRecord { Strategy = Single, Combiner = WeightedAverage, ... }"), the one change buried among options that agree.
        using var model = new MaskNet(new NpasOptions { Sharing = new SharingSpec(upsampler: Upsampler.Mask, maskPeriod: 5) });
        var file = AllocationFile.From(model.Allocation);
        var json = file.ToJson();
        Assert.Contains("\"maskPeriod\": 5", json);
        Assert.Contains("\"maxTemplates\": 8", json);
        var other = AllocationFile.Parse(json.Replace("\"maskPeriod\": 5", "\"maskPeriod\": 16").Replace("\"maxTemplates\": 8", "\"maxTemplates\": 4"), "other");
        Assert.Equal("the sharing options are MaxTemplates = 8, MaskPeriod = 5 here but MaxTemplates = 4, MaskPeriod = 16 there", file.FirstDifference(other));
    }

    [Theory]
    [InlineData(Combiner.WeightedAverage, Upsampler.Repeat, 8, 5)] // a mask period without the Mask upsampler
    [InlineData(Combiner.RoundRobin, Upsampler.Mask, 3, 16)]       // a template cap under the round-robin combiner
    public void An_option_the_others_make_moot_does_not_tell_two_allocations_apart(Combiner combiner, Upsampler upsampler, int maxTemplates, int maskPeriod)
    {
        // Found by a review: NPAS025 says such an option has no effect, yet a run saved with it could not be resumed
        // once the user removed it as advised ("the sharing options are MaskPeriod = 16 here but MaskPeriod = 5 there").
        var path = Path.Combine(Scratch, "moot.bin");
        using (var saved = new MaskNet(new NpasOptions { Sharing = new SharingSpec(combiner: combiner, upsampler: upsampler, maxTemplates: maxTemplates, maskPeriod: maskPeriod) }))
            saved.SaveCheckpoint(path);
        var file = AllocationFile.Load(NpasModule.AllocationPathFor(path));
        Assert.Equal(maskPeriod, file.Sharing.MaskPeriod); // recorded as given
        Assert.Equal(maxTemplates, file.Sharing.MaxTemplates);

        using var without = new MaskNet(new NpasOptions { Sharing = new SharingSpec(combiner: combiner, upsampler: upsampler) });
        Assert.Null(AllocationFile.From(without.Allocation).FirstDifference(file));
        without.LoadCheckpoint(path);
        using var fromFile = new MaskNet(new NpasOptions { Allocation = file });
        Assert.Null(AllocationFile.From(fromFile.Allocation).FirstDifference(file));
    }

    [Fact]
    public void SharingSpec_without_moot_options_resets_only_the_moot_ones()
    {
        var masked = new SharingSpec(upsampler: Upsampler.Mask, maxTemplates: 3, maskPeriod: 5).WithoutMootOptions();
        Assert.Equal((3, 5), (masked.MaxTemplates, masked.MaskPeriod));
        var roundRobin = new SharingSpec(combiner: Combiner.RoundRobin, maxTemplates: 3, maskPeriod: 5).WithoutMootOptions();
        Assert.Equal((SharingDefaults.MaxTemplates, SharingDefaults.MaskPeriod), (roundRobin.MaxTemplates, roundRobin.MaskPeriod));
        Assert.Equal(Combiner.RoundRobin, roundRobin.Combiner);
    }

    [Fact]
    public void A_file_without_max_templates_reads_as_the_default_rather_than_zero()
    {
        using var model = new MixedNet();
        var json = AllocationFile.From(model.Allocation).ToJson();
        var stripped = System.Text.RegularExpressions.Regex.Replace(json, "\"maxTemplates\": \\d+,", "");
        Assert.NotEqual(json, stripped);
        Assert.Equal(SharingDefaults.MaxTemplates, AllocationFile.Parse(stripped, "hand-written").Sharing.MaxTemplates);
    }

    [Fact]
    public void Allocations_differ_when_a_layer_is_on_one_side_only_whichever_side_it_is()
    {
        using var model = new MixedNet();
        var file = AllocationFile.From(model.Allocation);
        var fewer = AllocationFile.Parse(file.ToJson(), "saved");
        var dropped = fewer.Layers[^1];
        fewer.Layers.RemoveAt(fewer.Layers.Count - 1);
        Assert.Equal($"layer '{dropped.Path}' exists here but not there", file.FirstDifference(fewer));
        Assert.StartsWith($"layer '{dropped.Path}' is missing here", fewer.FirstDifference(file));
    }

    [Fact]
    public void A_saved_group_assignment_rebuilds_exactly_the_same_layout()
    {
        // An assignment a group search could have produced: the two mixers and the up projection in one bank.
        var assignment = new GroupAssignment(new[]
        {
            new System.Collections.Generic.KeyValuePair<string, string>("Mixers.0", "searched_a"),
            new System.Collections.Generic.KeyValuePair<string, string>("Mixers.1", "searched_a"),
            new System.Collections.Generic.KeyValuePair<string, string>("Tokens", "searched_b"),
        }, "test search");
        var plan = BudgetPlanner.Plan(MixedNet.Declaration.WithAssignment(assignment));
        var file = AllocationFile.From(plan);

        using var rebuilt = new MixedNet(new NpasOptions { Allocation = file });
        Assert.Null(AllocationFile.From(rebuilt.Allocation).FirstDifference(file));
        Assert.Equal(new[] { "Mixers.0", "Mixers.1" }, rebuilt.Allocation.Group("searched_a").Members);
        Assert.Contains("groups from test search", rebuilt.Allocation.ToString());
        Assert.Equal(rebuilt.Allocation.Breakdown.Total, rebuilt.TrainableParameters);
    }

    [Fact]
    public void A_searched_assignment_with_several_lone_groups_paid_in_full_rebuilds_the_same_layout()
    {
        // Found by a review: the stem and the head alone in their groups are paid in full at budget 0.1; the file kept no
        // group for them, so on reload both fell back to the Single strategy's "shared" group, got a bank, and the rebuilt
        // plan was another (an AllocationMismatchException on loading the searched model's checkpoint).
        string[] body = { "Body.0", "Body.1", "Body.2", "Body.3" };
        var assignment = new GroupAssignment(new[] { new System.Collections.Generic.KeyValuePair<string, string>("Stem", "conflict_0") }
            .Concat(body.Select(b => new System.Collections.Generic.KeyValuePair<string, string>(b, "conflict_1")))
            .Append(new System.Collections.Generic.KeyValuePair<string, string>("Head", "conflict_2")), "test search");
        var plan = BudgetPlanner.Plan(NpasDsl.Examples.FashionMnist.FashionNet.Declaration.WithAssignment(assignment));
        Assert.Equal(new[] { WeightSource.Own, WeightSource.Own }, new[] { plan.Layer("Stem").Source, plan.Layer("Head").Source }); // both paid in full
        var path = Path.Combine(Scratch, "searched.allocation.json");
        AllocationFile.From(plan).Save(path);
        var file = AllocationFile.Load(path);
        Assert.Contains("\"assignedGroup\": \"conflict_2\"", File.ReadAllText(path));

        using var rebuilt = new NpasDsl.Examples.FashionMnist.FashionNet(new NpasOptions { Allocation = file });
        Assert.Null(AllocationFile.From(rebuilt.Allocation).FirstDifference(file));
        Assert.Equal(body, rebuilt.Allocation.Group("conflict_1").Members);
        Assert.Equal(WeightSource.Own, rebuilt.Allocation.Layer("Head").Source);

        // A difference in it is named; an empty one, or one naming a banked group, is refused as not what was saved.
        var other = AllocationFile.Parse(File.ReadAllText(path).Replace("\"assignedGroup\": \"conflict_2\"", "\"assignedGroup\": \"conflict_9\""), "edited");
        Assert.Equal("layer 'Head' is an ordinary layer (alone in group 'conflict_2', paid in full) here but an ordinary layer (alone in group 'conflict_9', paid in full) there",
            file.FirstDifference(other));
        foreach (var bad in new[] { "", "conflict_1" })
        {
            var e = Assert.Throws<InvalidDataException>(() => AllocationFile.Parse(File.ReadAllText(path).Replace("\"assignedGroup\": \"conflict_2\"", $"\"assignedGroup\": \"{bad}\""), "edited"));
            Assert.Contains($"layer 'Head' has \"assignedGroup\" '{bad}', which is empty or the name of a banked group", e.Message);
        }
    }

    [Fact]
    public void A_model_trained_with_sharing_options_given_at_start_up_comes_back_from_its_checkpoint_with_them()
    {
        var path = Path.Combine(Scratch, "masked.bin");
        using (var trained = new MaskNet(new NpasOptions { Seed = 2, Sharing = new SharingSpec(upsampler: Upsampler.Mask, maskPeriod: 5) }))
            trained.SaveCheckpoint(path);

        // What LoadCheckpoint's mismatch message says to do: build the model from the saved allocation.
        var saved = AllocationFile.Load(NpasModule.AllocationPathFor(path));
        using var rebuilt = new MaskNet(new NpasOptions { Allocation = saved });
        Assert.Equal(5, rebuilt.Allocation.Network.Sharing.MaskPeriod);
        Assert.Null(AllocationFile.From(rebuilt.Allocation).FirstDifference(saved));
        rebuilt.LoadCheckpoint(path);
    }

    [Fact]
    public void A_checkpoint_loads_into_a_model_with_the_same_allocation_and_not_into_another()
    {
        var path = Path.Combine(Scratch, "tiny.bin");
        using (var saved = new TinyCnn(new NpasOptions { Seed = 1 })) saved.SaveCheckpoint(path);
        Assert.True(File.Exists(NpasModule.AllocationPathFor(path)));

        using (var same = new TinyCnn(new NpasOptions { Seed = 2 })) same.LoadCheckpoint(path);

        using var other = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(0.2) });
        var e = Assert.Throws<AllocationMismatchException>(() => other.LoadCheckpoint(path));
        Assert.Contains("the budget is 376 here but 188 there", e.Message);
        Assert.Contains("AllocationFile.Load(", e.Message);
        Assert.Equal("the budget is 376 here but 188 there", e.Difference);
    }

    [Fact]
    public void A_checkpoint_of_another_model_names_the_model_that_saved_it_and_suggests_no_allocation()
    {
        // Building this model from the other model's allocation would only fail again: the fix is the other class.
        var path = Path.Combine(Scratch, "spin.bin");
        using (var saved = new SpinMixerNet()) saved.SaveCheckpoint(path);
        using var tiny = new TinyCnn();
        var e = Assert.Throws<AllocationMismatchException>(() => tiny.LoadCheckpoint(path));
        Assert.Equal($"The checkpoint {path} was saved from a 'SpinMixerNet', not a 'TinyCnn': load it into a SpinMixerNet, or load a checkpoint of a TinyCnn here.", e.Message);
        Assert.Equal("it was saved from a 'SpinMixerNet', not a 'TinyCnn'", e.Difference);
    }

    [Fact]
    public void An_allocation_for_another_model_or_a_bad_file_is_refused()
    {
        using var tiny = new TinyCnn();
        var file = AllocationFile.From(tiny.Allocation);
        var other = Assert.Throws<AllocationMismatchException>(() => new MixedNet(new NpasOptions { Allocation = file }));
        Assert.Equal("The allocation given to 'MixedNet' was made for 'TinyCnn': give it to a 'TinyCnn', or load the allocation saved beside a " +
            "'MixedNet' checkpoint (<checkpoint>.allocation.json).", other.Message);

        var path = Path.Combine(Scratch, "bad.json");
        File.WriteAllText(path, "{\"format\": \"something else\"}");
        Assert.Contains("is not an NpasDsl allocation", Assert.Throws<InvalidDataException>(() => AllocationFile.Load(path)).Message);
        File.WriteAllText(path, "{ not json");
        Assert.Throws<InvalidDataException>(() => AllocationFile.Load(path));
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("\"npasdsl-family/1\"")]
    [InlineData("{\"format\": 3}")]
    public void A_family_allocation_that_is_not_an_object_with_a_format_is_refused_not_crashed_on(string json)
    {
        var path = Path.Combine(Scratch, "family.allocation.json");
        File.WriteAllText(path, json);
        Assert.Contains("is not an NpasDsl family allocation", Assert.Throws<InvalidDataException>(() => NpasDsl.Families.FamilyAllocations.Load(path)).Message);
    }

    [Fact]
    public void A_file_that_is_no_checkpoint_of_the_model_is_refused_naming_the_file_instead_of_with_TorchSharps_counts()
    {
        // Found by a review: a foreign state dict with no allocation beside it gave TorchSharp's bare "Mismatched state_dict
        // sizes: expected 41, but found 104 entries"; a file that is no state dict, an end of stream.
        using var tiny = new TinyCnn();
        using var mixed = new MixedNet();
        var foreign = Path.Combine(Scratch, "mixed.bin");
        mixed.SaveAtomically(foreign); // no .allocation.json: nothing to compare but the names and shapes
        var garbage = Path.Combine(Scratch, "notes.txt");
        File.WriteAllText(garbage, "not a checkpoint");
        foreach (var path in new[] { foreign, garbage })
        {
            var e = Assert.Throws<NpasDsl.Training.CheckpointException>(() => tiny.LoadCheckpoint(path));
            Assert.StartsWith($"{path} cannot be loaded into this 'TinyCnn': ", e.Message);
            Assert.Contains("It is not a checkpoint SaveCheckpoint wrote for this model", e.Message);
        }
        var missing = Assert.Throws<FileNotFoundException>(() => tiny.LoadCheckpoint(Path.Combine(Scratch, "absent.bin")));
        Assert.Contains("There is no checkpoint at ", missing.Message);
    }
}
