using System;
using System.Globalization;
using System.IO;
using System.Linq;
using NpasDsl.Allocation;
using NpasDsl.GroupSearch;
using NpasDsl.Planning;
using NpasDsl.Runtime.Tests.Models;
using NpasDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.GroupSearch;

/// <summary>
/// <c>--group-search</c> and <c>--allocation</c>: reading and checking the options, running a search on a training set
/// before training, writing its result, and reusing it (never searching again) when a run is resumed.
/// </summary>
public sealed class AllocationCommandLineTests : ScratchDirectoryTest
{
    public AllocationCommandLineTests() : base("allocation-line") { }

    private static AllocationCommandLine Read(params string[] args)
    {
        var line = new AllocationCommandLine();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            Assert.True(line.TryRead(name, () => args[++i]), $"{name} is an allocation option");
        }
        return line;
    }

    private static TrainingData Data()
    {
        var (images, labels) = TestData.Images(count: 40);
        var (test, testLabels) = TestData.Images(count: 8, seed: 12);
        return new TrainingData(images, labels, test, testLabels);
    }

    private TrainerOptions Trainer(bool resume = false) => new() { Epochs = 5, BatchSize = 8, Seed = 2, CheckpointDirectory = Path.Combine(Scratch, "run"), Resume = resume };

    /// <summary>Builds TinyCnn and counts how often, so a test sees whether a search ran.</summary>
    private sealed class CountingFactory
    {
        public int Models { get; private set; }
        public TinyCnn Create(NpasOptions o)
        {
            Models++;
            return new TinyCnn(o);
        }
    }

    [Fact]
    public void The_options_are_read_and_described_for_the_start_up_line()
    {
        var line = Read("--group-search", "learned", "--search-steps", "7", "--groups", "2");
        Assert.Equal(GroupSearchMethod.Learned, line.Search);
        Assert.Equal(" group_search=learned search_steps=7 groups=2", line.Description);
        Assert.Equal(GroupSearchMethod.GradientConflict, Read("--group-search", "gradient-conflict").Search);
        Assert.Equal(" allocation=a.json", Read("--allocation", "a.json").Description);
        Assert.Equal("", new AllocationCommandLine().Description);
        Assert.False(new AllocationCommandLine().TryRead("--epochs", () => throw new InvalidOperationException("no value is taken for another option")));
    }

    [Theory]
    [InlineData(new[] { "--group-search", "kmeans" }, "--group-search must be learned or gradient-conflict, not 'kmeans'")]
    [InlineData(new[] { "--search-steps", "0" }, "--search-steps")]
    [InlineData(new[] { "--groups", "-1" }, "--groups")]
    public void Bad_values_are_refused_naming_the_option(string[] args, string message)
        => Assert.Contains(message, Assert.Throws<ArgumentException>(() => Read(args)).Message);

    [Fact]
    public void Contradicting_options_are_refused_with_the_fix()
    {
        Assert.Contains("either --allocation", Assert.Throws<ArgumentException>(() => Read("--allocation", "a.json", "--group-search", "learned").Check()).Message);
        Assert.Contains("drop --budget", Assert.Throws<ArgumentException>(() => Read("--allocation", "a.json").Check("--budget")).Message);
        Assert.Contains("add --group-search", Assert.Throws<ArgumentException>(() => Read("--search-steps", "5").Check()).Message);
        Assert.Contains("add --group-search", Assert.Throws<ArgumentException>(() => Read("--groups", "2").Check()).Message);
        Assert.Contains("gradient-conflict finds its own number", Assert.Throws<ArgumentException>(() => Read("--group-search", "gradient-conflict", "--groups", "2").Check()).Message);
        Read("--group-search", "learned", "--groups", "2").Check("--budget"); // a search under another budget is what --budget is for
    }

    [Fact]
    public void Without_either_option_the_model_keeps_its_declared_groups()
        => Assert.Null(new AllocationCommandLine().Resolve(o => new TinyCnn(o), Data(), Trainer(), new NpasOptions(), _ => { }));

    [Fact]
    public void A_search_runs_before_training_and_its_allocation_is_written_to_the_checkpoint_directory()
    {
        var factory = new CountingFactory();
        var log = new System.Collections.Generic.List<string>();
        var allocation = Read("--group-search", "learned", "--search-steps", "3", "--groups", "2")
            .Resolve(factory.Create, Data(), Trainer(), new NpasOptions { Seed = 2, Budget = BudgetSpec.Fraction(0.5) }, log.Add);

        Assert.NotNull(allocation);
        Assert.True(GroupSearchMethod.Learned.Made(allocation!));
        Assert.Contains("k-means into 2 groups after 3 warm-up steps", allocation!.AssignmentSource);
        Assert.True(factory.Models > 0);
        string saved = Path.Combine(Scratch, "run", AllocationCommandLine.SearchFileName);
        Assert.Null(AllocationFile.Load(saved).FirstDifference(allocation));
        Assert.Contains(log, l => l.StartsWith("group search: learned, 3 warm-up steps in batches of 8 from the 40 training examples", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains($"--allocation {saved}"));

        // The searched model is built from the allocation alone: the budget it was searched under comes with it.
        using var model = new TinyCnn(new NpasOptions { Allocation = allocation });
        using var declared = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(0.5) });
        Assert.Equal(declared.Allocation.Budget, model.Allocation.Budget);
        Assert.True(model.TrainableParameters <= model.Allocation.Budget);
    }

    [Fact]
    public void The_searched_allocation_keeps_the_sharing_options_given_at_start_up()
    {
        var sharing = TinyCnn.Declaration.Sharing.With(upsampler: Upsampler.Mask);
        var allocation = Read("--group-search", "gradient-conflict", "--search-steps", "2")
            .Resolve(o => new TinyCnn(o), Data(), Trainer() with { CheckpointDirectory = null }, new NpasOptions { Sharing = sharing, Budget = BudgetSpec.Fraction(0.3) }, _ => { });
        Assert.True(GroupSearchMethod.GradientConflict.Made(allocation!));
        Assert.Equal(Upsampler.Mask, allocation!.Sharing.Upsampler);
        Assert.False(File.Exists(Path.Combine(Scratch, "run", AllocationCommandLine.SearchFileName)), "no checkpoint directory: nothing is written");
    }

    [Fact]
    public void A_resumed_run_reads_the_groups_its_search_wrote_and_searches_nothing()
    {
        var first = Read("--group-search", "learned", "--search-steps", "3").Resolve(o => new TinyCnn(o), Data(), Trainer(), new NpasOptions { Seed = 2 }, _ => { });
        var factory = new CountingFactory();
        var log = new System.Collections.Generic.List<string>();
        var resumed = Read("--group-search", "learned", "--search-steps", "3").Resolve(factory.Create, Data(), Trainer(resume: true), new NpasOptions { Seed = 2 }, log.Add);
        Assert.Equal(1, factory.Models); // the probe that gives the settings to compare, no warm-up
        Assert.Null(resumed!.FirstDifference(first!));
        Assert.Contains(log, l => l.StartsWith("group search: not run again", StringComparison.Ordinal));

        // Another step count given outright is refused: the resumed run will not search with it.
        var e = Assert.Throws<CheckpointMismatchException>(() => Read("--group-search", "learned", "--search-steps", "50")
            .Resolve(factory.Create, Data(), Trainer(resume: true), new NpasOptions { Seed = 2 }, _ => { }));
        Assert.Contains("--search-steps 3 (this run: 50)", e.Message);
    }

    [Fact]
    public void A_resumed_run_reads_the_groups_of_its_checkpoint_and_refuses_one_trained_without_the_search()
    {
        var trainer = Trainer();
        var searched = Read("--group-search", "learned", "--search-steps", "3").Resolve(o => new TinyCnn(o), Data(), trainer, new NpasOptions(), _ => { })!;
        Checkpoint(new TinyCnn(new NpasOptions { Allocation = searched }), trainer.CheckpointDirectory!);
        var factory = new CountingFactory();
        var resumed = Read("--group-search", "learned").Resolve(factory.Create, Data(), Trainer(resume: true), new NpasOptions(), _ => { });
        Assert.Equal(1, factory.Models); // the probe, no warm-up
        Assert.Null(resumed!.FirstDifference(searched));

        // The same directory resumed with the other search: the checkpoint's groups are not that search's.
        var e = Assert.Throws<CheckpointMismatchException>(() => Read("--group-search", "gradient-conflict").Resolve(factory.Create, Data(), Trainer(resume: true), new NpasOptions(), _ => { }));
        Assert.Contains("was not trained with --group-search gradient-conflict", e.Message);
        Assert.Contains("its groups come from learned grouping", e.Message);
        Assert.Equal(3, factory.Models); // and gradient-conflict grouping's two models before its warm-up, untrained

        // Resumed with no --group-search at all: the message names the option left out, before any model is built.
        var without = Assert.Throws<CheckpointMismatchException>(() => Read().Resolve(factory.Create, Data(), Trainer(resume: true), new NpasOptions(), _ => { }));
        Assert.Contains("holds searched groups (learned grouping", without.Message);
        Assert.Contains("resume it with the options it was started with, --group-search learned (with the same search settings, --groups, --search-steps", without.Message);
        Assert.Contains("or the same --allocation " + Path.Combine(trainer.CheckpointDirectory!, AllocationCommandLine.SearchFileName), without.Message);
        Assert.Equal(3, factory.Models); // refused before any model is built
        // With --allocation instead, the same checkpoint's groups are taken (that path returns before this check).
        var given = Read("--allocation", Path.Combine(trainer.CheckpointDirectory!, AllocationCommandLine.SearchFileName))
            .Resolve(factory.Create, Data(), Trainer(resume: true), new NpasOptions(), _ => { });
        Assert.Null(given!.FirstDifference(searched));
    }

    [Fact]
    public void A_resumed_run_refuses_a_command_line_that_asks_for_another_search_listing_every_difference()
    {
        var first = Read("--group-search", "learned", "--search-steps", "3", "--groups", "2")
            .Resolve(o => new TinyCnn(o), Data(), Trainer(), new NpasOptions { Seed = 2, Budget = BudgetSpec.Fraction(0.5) }, _ => { });
        var saved = GroupSearchSettings.Load(Path.Combine(Scratch, "run", GroupSearchSettings.FileName));
        using (var half = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(0.5) }))
            Assert.Equal(("learned", 3, (int?)2, 2L, 8, 40L, half.Allocation.Budget.ToString("N0", CultureInfo.InvariantCulture) + " parameters"),
                (saved.Method, saved.WarmupSteps, saved.Groups, saved.Seed, saved.BatchSize, saved.TrainingExamples, saved.Budget));
        var declared = TinyCnn.Declaration.Sharing;
        Assert.StartsWith($"strategy {declared.Strategy}, combiner {declared.Combiner}, upsampler {declared.Upsampler}, at most {declared.MaxTemplates} templates", saved.Sharing);

        var factory = new CountingFactory();
        var sharing = TinyCnn.Declaration.Sharing.With(upsampler: Upsampler.Mask);
        var e = Assert.Throws<CheckpointMismatchException>(() => Read("--group-search", "learned", "--search-steps", "3", "--groups", "3")
            .Resolve(factory.Create, Data().HoldOut(8), Trainer(resume: true), new NpasOptions { Seed = 2, Budget = BudgetSpec.Fraction(0.25), Sharing = sharing }, _ => { }));
        Assert.Contains("searched its groups with other settings", e.Message);
        Assert.Contains("--groups 2 (this run: 3)", e.Message);
        Assert.Contains("training examples 40 (this run: 32; another --validation split", e.Message);
        Assert.Matches(@"budget [0-9,]+ parameters \(this run: [0-9,]+ parameters\)", e.Message);
        Assert.Matches($@"sharing options strategy {declared.Strategy}, combiner {declared.Combiner}, upsampler {declared.Upsampler},[^;]*\(this run: strategy {sharing.Strategy}, combiner {sharing.Combiner}, upsampler Mask,", e.Message);
        Assert.Contains(". Resume it with the options it was started with", e.Message);
        Assert.Equal(1, factory.Models); // the probe

        // The same options again resume, whatever the warm-up length: a resumed run may be longer.
        var resumed = Read("--group-search", "learned", "--groups", "2")
            .Resolve(factory.Create, Data(), Trainer(resume: true) with { Epochs = 50 }, new NpasOptions { Seed = 2, Budget = BudgetSpec.Fraction(0.5) }, _ => { });
        Assert.Null(resumed!.FirstDifference(first!));
        Assert.Equal(2, factory.Models); // two probes, no warm-up
    }

    [Fact]
    public void A_resume_that_spells_out_what_the_first_run_left_to_the_declaration_is_the_same_search()
    {
        // The first run leaves budget and sharing to the declaration; the resume gives the declared sharing and the
        // budget as the parameter count the declared fraction comes to: the same search, so it resumes.
        var first = Read("--group-search", "learned", "--search-steps", "3").Resolve(o => new TinyCnn(o), Data(), Trainer(), new NpasOptions { Seed = 2 }, _ => { });
        long declaredBudget;
        using (var declared = new TinyCnn()) declaredBudget = declared.Allocation.Budget;
        var resumed = Read("--group-search", "learned").Resolve(o => new TinyCnn(o), Data(), Trainer(resume: true),
            new NpasOptions { Seed = 2, Budget = BudgetSpec.Parameters(declaredBudget), Sharing = TinyCnn.Declaration.Sharing }, _ => { });
        Assert.Null(resumed!.FirstDifference(first!));
    }

    [Fact]
    public void A_fresh_start_removes_what_a_replaced_run_left_before_it_searches()
    {
        var trainer = Trainer();
        var searched = Read("--group-search", "learned", "--search-steps", "3").Resolve(o => new TinyCnn(o), Data(), trainer, new NpasOptions(), _ => { })!;
        Checkpoint(new TinyCnn(new NpasOptions { Allocation = searched }), trainer.CheckpointDirectory!);
        string searchFile = Path.Combine(trainer.CheckpointDirectory!, AllocationCommandLine.SearchFileName);
        string settingsFile = Path.Combine(trainer.CheckpointDirectory!, GroupSearchSettings.FileName);

        // --overwrite, killed during its search (here: the warm-up model, built after the probe, cannot be built).
        var log = new System.Collections.Generic.List<string>();
        int built = 0;
        Assert.Throws<InvalidOperationException>(() => Read("--group-search", "learned").Resolve(
            o => ++built == 1 ? new TinyCnn(o) : throw new InvalidOperationException("killed during the search"), Data(), trainer with { Overwrite = true }, new NpasOptions(), log.Add));
        Assert.Equal(2, built);
        Assert.False(new CheckpointStore(trainer.CheckpointDirectory!).Exists, "the replaced checkpoint is discarded before the search");
        Assert.False(File.Exists(searchFile));
        Assert.False(File.Exists(settingsFile));
        Assert.Contains(log, l => l.StartsWith("--overwrite: the checkpoint in", StringComparison.Ordinal));

        // So --resume has nothing of the replaced run to continue: it searches.
        var factory = new CountingFactory();
        Read("--group-search", "learned", "--search-steps", "2").Resolve(factory.Create, Data(), Trainer(resume: true), new NpasOptions(), _ => { });
        Assert.True(factory.Models > 0);
        Assert.True(File.Exists(searchFile));
        Assert.True(File.Exists(settingsFile));
    }

    [Fact]
    public void A_fresh_start_in_a_directory_holding_a_finished_search_is_refused_unless_it_overwrites()
    {
        // A run killed after its search, before its first checkpoint: the search's files are all it has.
        var trainer = Trainer();
        Read("--group-search", "learned", "--search-steps", "2").Resolve(o => new TinyCnn(o), Data(), trainer, new NpasOptions(), _ => { });
        string searchFile = Path.Combine(trainer.CheckpointDirectory!, AllocationCommandLine.SearchFileName);
        string settingsFile = Path.Combine(trainer.CheckpointDirectory!, GroupSearchSettings.FileName);
        string other = Path.Combine(Scratch, "declared.allocation.json");
        using (var declared = new TinyCnn()) AllocationFile.From(declared.Allocation).Save(other);

        var factory = new CountingFactory();
        foreach (var line in new[] { new AllocationCommandLine(), Read("--allocation", other), Read("--group-search", "learned") })
        {
            var e = Assert.Throws<CheckpointException>(() => line.Resolve(factory.Create, Data(), trainer, new NpasOptions(), _ => { }));
            Assert.Contains($"holds the groups a search found ({AllocationCommandLine.SearchFileName}) and no checkpoint", e.Message);
            Assert.Contains("continue the run that searched them with --resume and --group-search learned, replace them with --overwrite", e.Message);
            Assert.True(File.Exists(searchFile) && File.Exists(settingsFile), "nothing is deleted for a refused start");
        }
        Assert.Equal(1, factory.Models); // the search's probe; no warm-up

        // --overwrite: both go, each deletion logged, so a later --group-search --resume cannot take them for this run's.
        var log = new System.Collections.Generic.List<string>();
        Assert.NotNull(Read("--allocation", other).Resolve(o => new TinyCnn(o), Data(), trainer with { Overwrite = true }, new NpasOptions(), log.Add));
        Assert.False(File.Exists(searchFile));
        Assert.False(File.Exists(settingsFile));
        Assert.Contains($"--overwrite: deleted {searchFile}, left by the run this one replaces", log);
        Assert.Contains($"--overwrite: deleted {settingsFile}, left by the run this one replaces", log);

        // The same without any allocation option, in a directory that also holds a checkpoint.
        Read("--group-search", "learned", "--search-steps", "2").Resolve(o => new TinyCnn(o), Data(), trainer, new NpasOptions(), _ => { });
        Checkpoint(new TinyCnn(), trainer.CheckpointDirectory!);
        Assert.Throws<CheckpointException>(() => new AllocationCommandLine().Resolve(o => new TinyCnn(o), Data(), trainer, new NpasOptions(), _ => { }));
        Assert.True(File.Exists(searchFile) && File.Exists(settingsFile));
        Assert.Null(new AllocationCommandLine().Resolve(o => new TinyCnn(o), Data(), trainer with { Overwrite = true }, new NpasOptions(), _ => { }));
        Assert.False(File.Exists(searchFile));
        Assert.False(File.Exists(settingsFile));
    }

    [Fact]
    public void The_search_file_given_to_allocation_stays_with_its_settings_whatever_path_names_it()
    {
        var trainer = Trainer();
        Read("--group-search", "learned", "--search-steps", "2").Resolve(o => new TinyCnn(o), Data(), trainer, new NpasOptions(), _ => { });
        string searchFile = Path.Combine(trainer.CheckpointDirectory!, AllocationCommandLine.SearchFileName);
        string settingsFile = Path.Combine(trainer.CheckpointDirectory!, GroupSearchSettings.FileName);
        string link = Path.Combine(Scratch, "link.allocation.json");
        File.CreateSymbolicLink(link, searchFile); // another path to the same file: only the content says so

        foreach (var overwrite in new[] { false, true })
        {
            var log = new System.Collections.Generic.List<string>();
            Assert.NotNull(Read("--allocation", link).Resolve(o => new TinyCnn(o), Data(), trainer with { Overwrite = overwrite }, new NpasOptions(), log.Add));
            Assert.True(File.Exists(searchFile) && File.Exists(settingsFile), $"overwrite {overwrite}: the input and its settings stay");
            Assert.Contains(log, l => l.Contains("is the allocation given, so it stays", StringComparison.Ordinal));
        }

        // So the settings still guard a later resume of the search.
        var e = Assert.Throws<CheckpointMismatchException>(() => Read("--group-search", "learned", "--groups", "3")
            .Resolve(o => new TinyCnn(o), Data(), Trainer(resume: true), new NpasOptions(), _ => { }));
        Assert.Contains("--groups as by-shape grouping (this run: 3)", e.Message);
    }

    [Fact]
    public void A_moot_mask_period_or_template_cap_in_saved_settings_is_no_difference()
    {
        // Versions before December 2026 recorded the options as declared; NPAS025 tells a user to remove a moot one.
        var trainer = Trainer();
        Read("--group-search", "learned", "--search-steps", "3").Resolve(o => new TinyCnn(o), Data(), trainer, new NpasOptions { Seed = 2 }, _ => { });
        var current = GroupSearchSettings.Load(Path.Combine(trainer.CheckpointDirectory!, GroupSearchSettings.FileName));
        Assert.Contains("upsampler Repeat", current.Sharing);
        Assert.EndsWith("mask period 16", current.Sharing);
        Assert.Equal(current, (current with { Sharing = current.Sharing.Replace("mask period 16", "mask period 5") }).Upgraded(TinyCnn.Declaration));
        // Where it acts, it is a difference still.
        Assert.Contains("at most 8 templates", current.Sharing);
        var capped = current with { Sharing = current.Sharing.Replace("at most 8 templates", "at most 3 templates") };
        Assert.NotEqual(current, capped.Upgraded(TinyCnn.Declaration));
        var roundRobin = current.Sharing.Replace("combiner WeightedAverage", "combiner RoundRobin");
        Assert.NotEqual(roundRobin, current.Sharing);
        Assert.Equal(roundRobin, (current with { Sharing = roundRobin.Replace("at most 8 templates", "at most 3 templates") }).Upgraded(TinyCnn.Declaration).Sharing);
    }

    [Fact]
    public void Settings_written_by_older_versions_are_compared_on_every_setting()
    {
        var trainer = Trainer();
        Read("--group-search", "learned", "--search-steps", "3").Resolve(o => new TinyCnn(o), Data(), trainer, new NpasOptions { Seed = 2, Budget = BudgetSpec.Fraction(0.5) }, _ => { });
        string settingsFile = Path.Combine(trainer.CheckpointDirectory!, GroupSearchSettings.FileName);
        var current = GroupSearchSettings.Load(settingsFile);
        long count = long.Parse(current.Budget.Split(' ')[0], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        var declaration = TinyCnn.Declaration;
        Assert.Equal(current, current.Upgraded(declaration));

        // Versions before December 2026 wrote what the command line gave: a fraction as given, a count without
        // separators, "declared" for what it left to the declaration. Each resolves to what the model had.
        Assert.Equal(current, (current with { Budget = "0.5" }).Upgraded(declaration));
        Assert.Equal(current, (current with { Budget = count.ToString(CultureInfo.InvariantCulture) + " parameters" }).Upgraded(declaration));
        Assert.Equal(current.Sharing, (current with { Sharing = "declared" }).Upgraded(declaration).Sharing);
        long declaredBudget;
        using (var declared = new TinyCnn()) declaredBudget = declared.Allocation.Budget;
        Assert.Equal(declaredBudget.ToString("N0", CultureInfo.InvariantCulture) + " parameters", (current with { Budget = "declared" }).Upgraded(declaration).Budget);
        Assert.Equal("not a budget", (current with { Budget = "not a budget" }).Upgraded(declaration).Budget);

        // So an old file that recorded another fraction is refused on resume, like a new one.
        (current with { Budget = "0.9", Sharing = "declared" }).Save(settingsFile);
        var e = Assert.Throws<CheckpointMismatchException>(() => Read("--group-search", "learned")
            .Resolve(o => new TinyCnn(o), Data(), Trainer(resume: true), new NpasOptions { Seed = 2, Budget = BudgetSpec.Fraction(0.5) }, _ => { }));
        Assert.Contains($"budget {BudgetSpec.Fraction(0.9).Resolve(declaration.UnsharedParameters).ToString("N0", CultureInfo.InvariantCulture)} parameters (this run: {current.Budget})", e.Message);
        Assert.DoesNotContain("sharing options", e.Message);
        // ... and one that recorded the same fraction resumes.
        (current with { Budget = "0.5", Sharing = "declared" }).Save(settingsFile);
        Assert.NotNull(Read("--group-search", "learned").Resolve(o => new TinyCnn(o), Data(), Trainer(resume: true), new NpasOptions { Seed = 2, Budget = BudgetSpec.Fraction(0.5) }, _ => { }));
    }

    [Fact]
    public void A_budget_no_search_can_meet_is_refused_before_anything_is_deleted()
    {
        var trainer = Trainer();
        Read("--group-search", "learned", "--search-steps", "2").Resolve(o => new TinyCnn(o), Data(), trainer, new NpasOptions(), _ => { });
        Checkpoint(new TinyCnn(), trainer.CheckpointDirectory!);
        string searchFile = Path.Combine(trainer.CheckpointDirectory!, AllocationCommandLine.SearchFileName);
        string settingsFile = Path.Combine(trainer.CheckpointDirectory!, GroupSearchSettings.FileName);
        foreach (var method in new[] { "learned", "gradient-conflict" })
        {
            var log = new System.Collections.Generic.List<string>();
            Assert.Throws<BudgetInfeasibleException>(() => Read("--group-search", method)
                .Resolve(o => new TinyCnn(o), Data(), trainer with { Overwrite = true }, new NpasOptions { Budget = BudgetSpec.Parameters(10) }, log.Add));
            Assert.True(new CheckpointStore(trainer.CheckpointDirectory!).Exists && File.Exists(searchFile) && File.Exists(settingsFile), $"{method}: nothing is deleted ({string.Join(" / ", log)})");
        }
    }

    [Fact]
    public void A_run_refused_for_its_model_deletes_no_finished_search_with_or_without_a_search()
    {
        var trainer = Trainer();
        Read("--group-search", "learned", "--search-steps", "1").Resolve(o => new TinyCnn(o), Data(), trainer, new NpasOptions(), _ => { });
        string searchFile = Path.Combine(trainer.CheckpointDirectory!, AllocationCommandLine.SearchFileName);
        var overwrite = trainer with { Overwrite = true };

        // No search, a budget the declared model cannot meet.
        Assert.Throws<BudgetInfeasibleException>(() => new AllocationCommandLine().Build(o => new TinyCnn(o), Data(), overwrite, new NpasOptions { Budget = BudgetSpec.Parameters(10) }, _ => { }));
        Assert.True(File.Exists(searchFile), "no search: kept");

        // --allocation of another model.
        string other = Path.Combine(Scratch, "other.allocation.json");
        using (var m = new SharedCoefficientNet()) AllocationFile.From(m.Allocation).Save(other);
        var mismatch = Assert.Throws<ArgumentException>(() => Read("--allocation", other).Build(o => new TinyCnn(o), Data(), overwrite, new NpasOptions(), _ => { }));
        Assert.StartsWith($"--allocation {other} does not fit this model (it was made for a 'SharedCoefficientNet', not a 'TinyCnn'): give an allocation saved for it", mismatch.Message);
        Assert.Equal(ExitCodes.BadArguments, ExitCodes.For(mismatch));
        var built = Assert.Throws<ArgumentException>(() => Read("--allocation", other).Build(o => new TinyCnn(o), Data(), Trainer() with { CheckpointDirectory = Path.Combine(Scratch, "elsewhere") }, new NpasOptions(), _ => { }));
        Assert.Equal(mismatch.Message, built.Message); // where nothing is deleted the model is built later, with the same message
        Assert.True(File.Exists(searchFile), "--allocation of another model: kept");

        // A learned search whose warm-up model (one bank of four templates) cannot meet a budget the declared groups meet.
        using (new TinyCnn(new NpasOptions { Budget = BudgetSpec.Parameters(60) })) { }
        var log = new System.Collections.Generic.List<string>();
        Assert.Throws<BudgetInfeasibleException>(() => Read("--group-search", "learned", "--search-steps", "1")
            .Resolve(o => new TinyCnn(o), Data(), overwrite, new NpasOptions { Budget = BudgetSpec.Parameters(60) }, log.Add));
        Assert.True(File.Exists(searchFile), "learned search: kept; " + string.Join(" / ", log));
    }

    [Fact]
    public void An_unsharing_refusal_comes_before_anything_is_deleted_with_or_without_a_search()
    {
        var trainer = Trainer();
        Read("--group-search", "learned", "--search-steps", "2").Resolve(o => new TinyCnn(o), Data(), trainer, new NpasOptions(), _ => { });
        string searchFile = Path.Combine(trainer.CheckpointDirectory!, AllocationCommandLine.SearchFileName);
        string other = Path.Combine(Scratch, "declared.allocation.json");
        using (var declared = new TinyCnn()) AllocationFile.From(declared.Allocation).Save(other);
        var run = trainer with { Overwrite = true, UnshareAtEpoch = 2 }; // TinyCnn shares no coefficient vectors
        foreach (var line in new[] { new AllocationCommandLine(), Read("--allocation", other), Read("--group-search", "learned") })
        {
            Assert.Throws<UnsharingUnavailableException>(() => line.Resolve(o => new TinyCnn(o), Data(), run, new NpasOptions(), _ => { }));
            Assert.True(File.Exists(searchFile), $"{line.Description}: the finished search stays for a refused run");
        }
        // Found by a review: an allocation's refusal suggested --coefficient-sharing, which --allocation then refused in turn.
        var e = Assert.Throws<UnsharingUnavailableException>(() => Read("--allocation", other).Resolve(o => new TinyCnn(o), Data(), run, new NpasOptions(), _ => { }));
        Assert.Contains($"its sharing options come from the allocation {other}, which shares no coefficient vectors", e.Message);
        Assert.DoesNotContain("[Sharing(", e.Message);
    }

    [Fact]
    public void A_resume_without_the_search_of_a_run_killed_after_it_is_refused_naming_the_search()
    {
        var trainer = Trainer();
        Read("--group-search", "gradient-conflict", "--search-steps", "2").Resolve(o => new TinyCnn(o), Data(), trainer, new NpasOptions(), _ => { });
        string searchFile = Path.Combine(trainer.CheckpointDirectory!, AllocationCommandLine.SearchFileName);
        var e = Assert.Throws<CheckpointException>(() => new AllocationCommandLine().Resolve(o => new TinyCnn(o), Data(), Trainer(resume: true), new NpasOptions(), _ => { }));
        Assert.Contains("the run to resume was killed after its search. Resume it with --group-search gradient-conflict", e.Message);
        Assert.Contains($"--allocation {searchFile}", e.Message);
        Assert.True(File.Exists(searchFile));

        // Resumed with the search, it reads the groups; with --allocation naming the file, it builds from them.
        Assert.NotNull(Read("--group-search", "gradient-conflict").Resolve(o => new TinyCnn(o), Data(), Trainer(resume: true), new NpasOptions(), _ => { }));
        Assert.NotNull(Read("--allocation", searchFile).Resolve(o => new TinyCnn(o), Data(), Trainer(resume: true), new NpasOptions(), _ => { }));

        // A settings file without its search is not deleted without --overwrite: nothing reads it, and the next search replaces it.
        File.Delete(searchFile);
        Assert.Null(new AllocationCommandLine().Resolve(o => new TinyCnn(o), Data(), trainer, new NpasOptions(), _ => { }));
        Assert.True(File.Exists(Path.Combine(trainer.CheckpointDirectory!, GroupSearchSettings.FileName)));
    }

    [Fact]
    public void A_learned_search_never_needs_the_declared_groups_to_meet_the_budget_and_records_it_in_parameters()
    {
        // Any model with the declared groups at the run's budget fails (here: made to); learned grouping builds only its
        // one-bank warm-up model and plans its own groups, so the search runs and its settings hold the run's budget.
        var budget = BudgetSpec.Parameters(1500);
        int models = 0;
        TinyCnn Create(NpasOptions o)
        {
            models++;
            if (o.Budget is not null && o.Sharing is null) throw BudgetCheck.For(TinyCnn.Declaration, 1).Failure(nameof(TinyCnn));
            return new TinyCnn(o);
        }
        var searched = Read("--group-search", "learned", "--search-steps", "2", "--groups", "1").Resolve(Create, Data(), Trainer(), new NpasOptions { Budget = budget }, _ => { });
        Assert.Equal(1500, searched!.Budget);
        Assert.Equal(2, models); // the warm-up model built on the CPU to check the budget, then the one the search trains
        Assert.Equal("1,500 parameters", GroupSearchSettings.Load(Path.Combine(Scratch, "run", GroupSearchSettings.FileName)).Budget);
    }

    [Fact]
    public void The_trainers_refusals_come_before_the_search()
    {
        var factory = new CountingFactory();
        var e = Assert.Throws<UnsharingUnavailableException>(() => Read("--group-search", "gradient-conflict")
            .Resolve(factory.Create, Data(), Trainer() with { UnshareAtEpoch = 2 }, new NpasOptions(), _ => { }));
        Assert.Contains("--coefficient-sharing by-shape", e.Message);
        Assert.Equal(2, factory.Models); // the two models gradient-conflict grouping builds before its warm-up, untrained

        var invalid = Assert.Throws<ArgumentException>(() => Read("--group-search", "learned")
            .Resolve(factory.Create, Data(), Trainer() with { Epochs = 0 }, new NpasOptions(), _ => { }));
        Assert.Contains("Invalid trainer options", invalid.Message);
        Assert.Equal(2, factory.Models); // none more: refused before any model
        Assert.False(File.Exists(Path.Combine(Scratch, "run", AllocationCommandLine.SearchFileName)));
    }

    [Fact]
    public void A_diverging_search_stops_the_run_with_the_command_lines_fixes()
    {
        var data = Data();
        var poisoned = new TrainingData(data.TrainInputs * float.NaN, data.TrainLabels, data.TestInputs, data.TestLabels);
        var e = Assert.Throws<TrainingDivergedException>(() => Read("--group-search", "learned", "--search-steps", "2")
            .Resolve(o => new TinyCnn(o), poisoned, Trainer(), new NpasOptions(), _ => { }));
        Assert.StartsWith("The group-search warm-up loss became NaN at step 1; try fewer --search-steps", e.Message);
        Assert.DoesNotContain("GroupSearchOptions", e.Message);
    }

    [Fact]
    public void A_fresh_search_in_a_directory_holding_a_run_is_refused_before_it_trains_anything()
    {
        Checkpoint(new TinyCnn(), Trainer().CheckpointDirectory!);
        var factory = new CountingFactory();
        var e = Assert.Throws<CheckpointException>(() => Read("--group-search", "learned").Resolve(factory.Create, Data(), Trainer(), new NpasOptions(), _ => { }));
        Assert.Contains("continue it with --resume, replace it with --overwrite", e.Message);
        Assert.Equal(0, factory.Models);
    }

    [Fact]
    public void A_missing_or_damaged_allocation_file_is_an_argument_error_naming_the_file()
    {
        string missing = Path.Combine(Scratch, "missing.json");
        var e = Assert.Throws<ArgumentException>(() => Read("--allocation", missing).Resolve(o => new TinyCnn(o), Data(), Trainer(), new NpasOptions(), _ => { }));
        Assert.Contains($"--allocation {missing}: there is no such file", e.Message);
        Directory.CreateDirectory(Scratch);
        string damaged = Path.Combine(Scratch, "damaged.json");
        File.WriteAllText(damaged, "{ \"model\": ");
        e = Assert.Throws<ArgumentException>(() => Read("--allocation", damaged).Resolve(o => new TinyCnn(o), Data(), Trainer(), new NpasOptions(), _ => { }));
        Assert.StartsWith($"--allocation {damaged} is not a readable NpasDsl allocation: ", e.Message); // the path once, not twice
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(e.Message, System.Text.RegularExpressions.Regex.Escape(damaged)));
        e = Assert.Throws<ArgumentException>(() => Read("--allocation", Scratch).Resolve(o => new TinyCnn(o), Data(), Trainer(), new NpasOptions(), _ => { }));
        Assert.StartsWith($"--allocation {Scratch} is a directory; give the allocation file in it", e.Message);
    }

    [Fact]
    public void A_saved_allocation_is_given_back_as_it_was_saved()
    {
        using var declared = new TinyCnn(new NpasOptions { Budget = BudgetSpec.Fraction(0.4) });
        Directory.CreateDirectory(Scratch);
        string path = Path.Combine(Scratch, "saved.json");
        AllocationFile.From(declared.Allocation).Save(path);
        var given = Read("--allocation", path).Resolve(o => new TinyCnn(o), Data(), Trainer(), new NpasOptions(), _ => { });
        Assert.Null(given!.FirstDifference(AllocationFile.From(declared.Allocation)));
    }

    [Theory]
    [InlineData(5, 8, null, 2)]     // 5 epochs of 5 batches (40 examples in 8s): 25 steps, a tenth is 2
    [InlineData(1, 64, null, 1)]    // never fewer than one step
    [InlineData(100, 8, 3, 30)]     // --train-batches caps the batches of every epoch
    public void The_default_warm_up_is_a_tenth_of_the_runs_steps(int epochs, int batchSize, int? batchesPerEpoch, int expected)
        => Assert.Equal(expected, AllocationCommandLine.DefaultSteps(new TrainerOptions { Epochs = epochs, BatchSize = batchSize, BatchesPerEpoch = batchesPerEpoch }, Data()));

    private static void Checkpoint(TinyCnn model, string directory)
    {
        using (model)
        {
            var optimizer = optim.Adam(model.parameters());
            new CheckpointStore(directory).Save(model, optimizer, new TrainingState { Epoch = 1 });
        }
    }
}

/// <summary>The warm-up batches of a search drawn from a training set.</summary>
public sealed class SearchBatchesTests
{
    private static TrainingData Data(int count)
    {
        var (images, labels) = TestData.Images(count: count);
        return new TrainingData(images, labels, images, labels);
    }

    [Fact]
    public void Every_pass_reads_each_example_once_in_a_new_seeded_order()
    {
        var batches = new SearchBatches(Data(20), batchSize: 8, seed: 4);
        var first = Enumerable.Range(0, 3).Select(_ => batches.NextBatch()).ToList(); // 8 + 8 + 4
        var second = Enumerable.Range(0, 3).Select(_ => batches.NextBatch()).ToList();
        Assert.Equal(new[] { 8, 8, 4 }, first.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), first.SelectMany(b => b).OrderBy(i => i));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), second.SelectMany(b => b).OrderBy(i => i));
        Assert.NotEqual(first.SelectMany(b => b), second.SelectMany(b => b));

        var again = new SearchBatches(Data(20), batchSize: 8, seed: 4);
        Assert.Equal(first.SelectMany(b => b), Enumerable.Range(0, 3).SelectMany(_ => again.NextBatch()));
        var other = new SearchBatches(Data(20), batchSize: 8, seed: 5);
        Assert.NotEqual(first.SelectMany(b => b), Enumerable.Range(0, 3).SelectMany(_ => other.NextBatch()));
    }

    [Fact]
    public void Labels_the_model_has_no_output_for_are_refused_before_the_loss_naming_the_largest_label()
    {
        // libtorch's cross_entropy refused them with "Target 9 is out of bounds" and its C++ frames, in the middle of a search.
        using var model = new TinyCnn(); // 4 outputs
        var data = Data(12);
        var batches = new SearchBatches(data with { TrainLabels = data.TrainLabels + 6 }, batchSize: 12, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => batches.Loss(model));
        Assert.StartsWith("The labels go up to class ", e.Message);
        Assert.Contains("but 'TinyCnn' gives 4 outputs, one per class 0 to 3", e.Message);
    }

    [Fact]
    public void The_loss_is_the_cross_entropy_of_the_model_on_the_batch()
    {
        using var model = new TinyCnn();
        var data = Data(12);
        var batches = new SearchBatches(data, batchSize: 12, seed: 1);
        using var loss = batches.Loss(model);
        using var expected = nn.functional.cross_entropy(model.call(data.TrainInputs), data.TrainLabels); // the whole set is one batch: order does not matter
        Assert.Equal(expected.item<float>(), loss.item<float>(), 5);
    }

    [Fact]
    public void A_batch_size_below_one_or_an_empty_training_set_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SearchBatches(Data(4), batchSize: 0, seed: 1));
        var empty = new TrainingData(zeros(0, 1, 8, 8), zeros(0, dtype: ScalarType.Int64), zeros(1, 1, 8, 8), zeros(1, dtype: ScalarType.Int64));
        Assert.Contains("training set is empty", Assert.Throws<ArgumentException>(() => new SearchBatches(empty, batchSize: 4, seed: 1)).Message);
    }
}
