using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using NpasDsl;
using NpasDsl.Allocation;
using NpasDsl.Bench.BudgetSweep;
using NpasDsl.Data;
using NpasDsl.Examples.FashionMnist;
using NpasDsl.GroupSearch;
using NpasDsl.Planning;
using NpasDsl.Training;
using static TorchSharp.torch;

// Accuracy under budgets (issue 5): the example's FashionNet at budgets 0.02 to 2.0, the full unshared CNN and
// a reduced-width CNN with no more parameters than budget 0.1, each trained by the same Trainer with the same
// epochs, seed, optimizer and data order on Fashion-MNIST. Each result is printed, and the markdown table and the
// plot are rewritten, as soon as it is measured, so a run that is stopped keeps what it finished.
const string Usage =
    "usage: BudgetSweep [--epochs N] [--lr RATE] [--optimizer adamw|sgd [--momentum M]] [--train-batches N] [--threads N] [--out DIR] [--seed N] [--data DIR] [--configurations BUDGET] [--only LIST]\n" +
    "                   [--strategy S] [--upsampler U] [--coefficient-sharing C] [--mask-period P] [--max-templates K] [--validation N] [--augment]\n" +
    "                   [--weight-decay W] [--label-smoothing E] [--group-search M [--search-steps N] [--groups G]] [--results FILE [--report | --seeds-report [--lr-of LIST]]]\n" +
    "  --epochs N          passes over the training set for every configuration (default 2)\n" +
    "  --train-batches N   stop each epoch after N batches (quick check)\n" +
    "  --lr RATE           peak learning rate of every configuration (default 0.003)\n" +
    "  --optimizer O       adamw (default) or sgd (Nesterov momentum, weight decay as an L2 term, as SSN trained)\n" +
    "  --momentum M        sgd's momentum, above 0 and below 1 (default 0.9)\n" +
    "  --threads N         torch.set_num_threads (default: TorchSharp's)\n" +
    "  --out DIR           where budget-sweep.md and budget-sweep.png go (default: beside the --results file, else docs/;\n" +
    "                      docs/validation/ for --validation, docs/side-studies/NAME/ for --results docs/NAME.tsv); only a test-set report\n" +
    "                      in docs/, from no results file or docs/budget-sweep-results.tsv, rewrites docs/benchmarks.md's section;\n" +
    "                      --out docs is refused for any other run\n" +
    "  --seed N            seed of initialisation and data order (default 1)\n" +
    "  --validation N      train on all but the last N training images and measure accuracy on those, not on the test set\n" +
    "                      (for choosing settings such as --lr without looking at the test set)\n" +
    "  --augment           train every configuration on randomly shifted (pad 2, crop) and mirrored images\n" +
    "  --weight-decay W    weight decay of banks and own weights (decoupled with adamw, L2 with sgd), never coefficients or norms (default 0)\n" +
    "  --label-smoothing E cross-entropy against targets smoothed by E (default 0)\n" +
    "  --data DIR          the four Fashion-MNIST IDX files (default " + FashionMnistDataset.DebianDirectory + ")\n" +
    "  --configurations B  instead of the sweep: FashionNet at budget B under several [Sharing] choices (budget-configurations.md)\n" +
    "  --strategy S, --upsampler U, --coefficient-sharing none|by-shape\n" +
    "                      train the shared models under these [Sharing] choices instead of FashionNet's declared ones\n" +
    "  --mask-period P     with --upsampler Mask: learned multipliers per masked copy (default 16)\n" +
    "  --max-templates K   K_max: the most templates a layer combines (default 8)\n" +
    "  --group-search M    learned or gradient-conflict: search each shared model's groups on the training images before it\n" +
    "                      trains (--search-steps N warm-up steps, default a tenth of the run's; --groups G for learned)\n" +
    "  --results FILE      share results with the other processes of this sweep (split them with --only): each appends its\n" +
    "                      results to FILE and writes the report from every result there measured with the same settings\n" +
    "  --report            train nothing: rewrite the report (markdown and plot) from the results in FILE with these settings\n" +
    "  --seeds-report      train nothing: issue 5's targets over every seed in FILE with these settings, paired by seed, with\n" +
    "                      the mean difference and its 95 % interval (markdown on the console)\n" +
    "  --lr-of LIST        with --seeds-report: each configuration's own rate, e.g. full=0.012,reduced=0.024,0.1=0.012,2=0.006\n" +
    "                      (the others at --lr; may be given more than once, each configuration once)\n" +
    "  --only LIST         train only these, comma-separated: full, budgets, reduced (budget 0.1's reduced-width CNN) and\n" +
    "                      reduced-B (budget B's: reduced-0.02, reduced-0.05, reduced-0.25, reduced-0.5), e.g. full,reduced,0.1";

int epochs = 2;
int? trainBatches = null, threads = null, validation = null;
double? configurations = null;
double learningRate = new TrainerOptions().LearningRate, weightDecay = 0, labelSmoothing = 0;
OptimizerKind optimizer = OptimizerKind.AdamW;
double? momentum = null;
HashSet<string>? only = null;
GroupStrategy strategy = FashionNet.Declaration.Sharing.Strategy;
Upsampler upsampler = FashionNet.Declaration.Sharing.Upsampler;
CoefficientSharing coefficientSharing = FashionNet.Declaration.Sharing.CoefficientSharing;
int maskPeriod = FashionNet.Declaration.Sharing.MaskPeriod;
int maxTemplates = FashionNet.Declaration.Sharing.MaxTemplates;
string? resultsFile = null;
var groupSearch = new AllocationCommandLine();
bool reportOnly = false, augment = false, seedsReport = false;
var rateOf = new Dictionary<string, double>(StringComparer.Ordinal);
string? output = null;
string dataDirectory = FashionMnistDataset.DebianDirectory;
long seed = 1;
try
{
    var seen = new HashSet<string>(StringComparer.Ordinal);
    for (int i = 0; i < args.Length; i++)
    {
        string name = args[i];
        // As in the examples: a second --lr would replace the first without a word. (--lr-of adds to the rates of the ones
        // before it, so it may be given again; a configuration it names twice is refused by ReadRates.)
        if (name.StartsWith("--", StringComparison.Ordinal) && name != "--lr-of" && !seen.Add(name)) throw TrainerCommandLine.GivenTwice(name);
        // As the examples read their options: a value that is empty or is the next option (--results --report) is a value left out.
        string Value() => TrainerCommandLine.NextValue(args, ref i);
        int Positive() => TrainerCommandLine.PositiveInteger(name, Value());
        switch (name)
        {
            case "--epochs": epochs = Positive(); break;
            case "--train-batches": trainBatches = Positive(); break;
            case "--threads": threads = TrainerCommandLine.ThreadCount(name, Value()); break;
            case "--lr": learningRate = TrainerCommandLine.PositiveNumber(name, Value()); break;
            case "--out": output = Value(); break;
            case "--seed": seed = TrainerCommandLine.Integer(name, Value()); break;
            case "--validation": validation = Positive(); break;
            case "--data": dataDirectory = Value(); break;
            case "--results": resultsFile = Value(); break;
            case "--report": reportOnly = true; break;
            case "--seeds-report": seedsReport = true; break;
            case "--lr-of": ReadRates(name, Value(), rateOf); break;
            case "--augment": augment = true; break;
            case "--optimizer": optimizer = Value() switch { "adamw" => OptimizerKind.AdamW, "sgd" => OptimizerKind.SgdNesterov, var v => throw new ArgumentException($"--optimizer must be adamw or sgd, not '{v}'.") }; break;
            case "--momentum": momentum = TrainerCommandLine.NumberBetween(name, Value(), 0, 1, TrainerCommandLine.Ends.Open); break;
            case "--weight-decay": weightDecay = TrainerCommandLine.NonNegativeNumber(name, Value()); break;
            case "--label-smoothing": labelSmoothing = TrainerCommandLine.NumberBetween(name, Value(), 0, 1, TrainerCommandLine.Ends.ClosedOpen); break;
            case "--only": only = new HashSet<string>(Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal); break;
            case "--configurations": configurations = TrainerCommandLine.PositiveNumber(name, Value()); break;
            case "--strategy": strategy = Named<GroupStrategy>(name, Value()); break;
            case "--upsampler": upsampler = Named<Upsampler>(name, Value()); break;
            case "--coefficient-sharing": coefficientSharing = TrainerCommandLine.CoefficientSharingNamed(name, Value()); break; // the examples' spelling
            case "--mask-period": maskPeriod = Positive(); break;
            case "--max-templates": maxTemplates = Positive(); break;
            case "--group-search" or "--search-steps" or "--groups": groupSearch.TryRead(name, Value); break;
            case "-h" or "--help": Console.WriteLine(Usage); return ExitCodes.Success;
            default: throw new CommandLineSyntaxException($"Unknown option '{name}'.");
        }
    }
    groupSearch.Check();
    if (seedsReport && reportOnly) throw new ArgumentException("--report and --seeds-report are two reports; give one of them.");
    if (rateOf.Count > 0 && !seedsReport) throw new ArgumentException("--lr-of gives the rates --seeds-report looks results up by; add --seeds-report, or give one --lr to train.");
    if (momentum is not null && optimizer != OptimizerKind.SgdNesterov)
        throw new ArgumentException("--momentum is SGD's; add --optimizer sgd or drop it.");
}
catch (ArgumentException e)
{
    return ExitCodes.Report(e, Usage); // the usage only after an unknown option or a missing value
}
// A directory is no results file: a report would call it missing, and a sweep would train its first configuration
// before failing to append to it.
if (resultsFile is not null && Directory.Exists(resultsFile))
{
    Console.Error.WriteLine($"error: --results {resultsFile} is a directory, not a results file; give a file path (such as {Path.Combine(resultsFile, "results.tsv")}).");
    return ExitCodes.BadArguments;
}
// A report reads its results file: one that is not there would give an empty report in place of the last one.
if ((reportOnly || seedsReport) && resultsFile is not null && !File.Exists(resultsFile))
{
    Console.Error.WriteLine($"error: --results {resultsFile} does not exist, so {(reportOnly ? "--report" : "--seeds-report")} has no results to report; " +
        "give the results file the sweep's processes appended to (or train first, with --results FILE and without the report option).");
    return ExitCodes.BadArguments;
}
// A results file that cannot be read is found now, not when the first configuration has trained and appends its result.
if (resultsFile is not null && File.Exists(resultsFile))
{
    try
    {
        // Under the lock, as every other read: a line another process of the sweep is appending is not yet whole.
        SweepResultsFile.Locked(resultsFile, () => SweepResultsFile.Read(resultsFile, ""));
    }
    catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"error: --results {resultsFile} cannot be read: {e.Message}");
        return ExitCodes.DataUnavailable;
    }
}
// A validation run, or one with its own results file, must not overwrite the published test-set report.
ReportPlace place;
try
{
    place = ReportPlace.For(output, resultsFile, validation);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return ExitCodes.BadArguments;
}
string outputDirectory = place.Directory;
// Made (or refused) now, not after the first configuration has trained.
try
{
    Directory.CreateDirectory(outputDirectory);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: the report's folder {outputDirectory} cannot be created ({e.Message}); give a writable --out DIR.");
    return ExitCodes.DataUnavailable;
}
// Checked before training: a document without its markers would only be found after hours of it.
string benchmarksPath = Path.Combine(outputDirectory, "benchmarks.md");
if (place.Publishes && File.Exists(benchmarksPath))
{
    try
    {
        BenchmarksSection.Replace(File.ReadAllText(benchmarksPath), "");
    }
    catch (InvalidDataException e)
    {
        Console.Error.WriteLine($"error: {e.Message} Restore the markers, or write the report elsewhere with --out DIR.");
        return ExitCodes.BadArguments;
    }
}

FashionMnistDataset data;
try
{
    data = FashionMnistDataset.Load(dataDirectory);
}
catch (Exception e) when (e is FileNotFoundException or InvalidDataException or DirectoryNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return ExitCodes.DataUnavailable;
}
if (threads is { } n) set_num_threads(n);
TrainingData trainingData;
try
{
    trainingData = TrainerCommandLine.Prepare(new TrainingData(data.TrainImages, data.TrainLabels, data.TestImages, data.TestLabels), validation);
}
catch (ArgumentException e) // --validation holds out every training image
{
    Console.Error.WriteLine($"error: {e.Message}");
    return ExitCodes.BadArguments;
}

// The baselines must be the example's architecture: checked against the shipped declaration, not assumed.
if (SweepMath.ArchitectureDifference(SweepMath.UnsharedSpec(SweepMath.FullWidth), FashionNet.Declaration) is { } difference)
{
    Console.Error.WriteLine($"error: the baseline CNN no longer matches the example's FashionNet: {difference}.");
    return 1; // a defect of the bench itself, not of its input
}

var declared = FashionNet.Declaration.Sharing;
var sharing = declared.With(strategy: strategy, upsampler: upsampler, coefficientSharing: coefficientSharing, maskPeriod: maskPeriod, maxTemplates: maxTemplates);
// Part of the results-file key: the mask period is named only when it is not the default, so older results keep matching.
string sharingText = $"strategy {sharing.Strategy}, combiner {sharing.Combiner}, upsampler {sharing.Upsampler}, coefficient sharing {sharing.CoefficientSharing}"
    + (sharing.MaskPeriod == SharingDefaults.MaskPeriod ? "" : $", mask period {sharing.MaskPeriod}")
    + (sharing.MaxTemplates == SharingDefaults.MaxTemplates ? "" : $", K_max {sharing.MaxTemplates}");
var trainer = new TrainerOptions
{
    Epochs = epochs, BatchesPerEpoch = trainBatches, Seed = seed, LearningRate = learningRate, WeightDecay = weightDecay, LabelSmoothing = labelSmoothing,
    Optimizer = optimizer, Momentum = momentum ?? new TrainerOptions().Momentum,
    Names = SettingNames.CommandLine, // its messages name the options typed (--epochs), not TrainerOptions properties
};
if (groupSearch.Search is { } searchMethod)
    sharingText += string.Format(CultureInfo.InvariantCulture, ", groups searched ({0}, {1} warm-up steps{2})", searchMethod.CommandLineName(),
        groupSearch.WarmupSteps(trainer, trainingData), groupSearch.Groups is { } g ? $", {g} groups" : "");
// Fashion-MNIST's usual augmentation: 28x28 images shift by up to 2 pixels (a smaller share of the image than CIFAR's 4 of 32).
const int AugmentPadding = 2;
Func<Tensor, Generator, Tensor>? augmentation = augment
    ? (images, generator) => Augmentation.RandomCropAndFlip(images, generator, AugmentPadding, FashionMnistDataset.BlackPixel())
    : null;
if (trainer.Validate() is { } invalid) // before any training, not after the first configuration's model is built
{
    Console.Error.WriteLine($"error: {invalid}.\n{Usage}");
    return ExitCodes.BadArguments;
}
string augmentText = augment ? $"augmentation: pad {AugmentPadding}, random crop, horizontal flip" : "no augmentation";
string? augmentKey = augment ? $"pad{AugmentPadding}-crop-flip" : null; // the results-file key's name for it
var command = "dotnet run -c Release --project bench/BudgetSweep -- " + string.Join(" ", args);
Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
    "BudgetSweep: epochs={0} batches_per_epoch={1} batch={2} optimizer={3} lr={4} schedule={5} per {6} weight_decay={7} label_smoothing={14} seed={8} threads={9} data={10} out={11} {13} sharing: {12}",
    trainer.Epochs, trainBatches?.ToString(CultureInfo.InvariantCulture) ?? "all", trainer.BatchSize, trainer.Optimizer, trainer.LearningRate,
    trainer.Schedule, trainer.Interval.ToString().ToLowerInvariant(), trainer.WeightDecay, seed, get_num_threads(), dataDirectory, outputDirectory, sharingText, augmentText,
    trainer.LabelSmoothing));

// A failure while training or reporting (a run that diverges, a results file or report that cannot be written) is one
// error line with its exit code, as in the examples, not a stack trace.
try
{
    return Sweep();
}
catch (Exception e) when (ExitCodes.For(e) is not null)
{
    return ExitCodes.Report(e);
}

int Sweep()
{
    if (configurations is { } configurationBudget)
    {
        if (sharing.Strategy != declared.Strategy || sharing.Upsampler != declared.Upsampler || sharing.CoefficientSharing != declared.CoefficientSharing || sharing.MaskPeriod != declared.MaskPeriod
            || sharing.MaxTemplates != declared.MaxTemplates)
        {
            Console.Error.WriteLine("error: --configurations compares its own list of [Sharing] choices; drop --strategy, --upsampler, --coefficient-sharing, --mask-period and --max-templates.");
            return ExitCodes.BadArguments;
        }
        if (groupSearch.Search is not null)
        {
            Console.Error.WriteLine("error: --configurations compares the declared groups' [Sharing] choices; drop --group-search.");
            return ExitCodes.BadArguments;
        }
        if (augment)
        {
            Console.Error.WriteLine("error: --configurations trains without augmentation; drop --augment.");
            return ExitCodes.BadArguments;
        }
        ConfigurationSweep.Run(configurationBudget, trainingData, trainer, seed, command,
            Path.Combine(outputDirectory, "budget-configurations.md"));
        return ExitCodes.Success;
    }

    // Every budget this run trains must be feasible, checked before any training (building a model is cheap). The --only
    // keys: full, the budgets, reduced (the reduced-width CNN of budget 0.1, which the targets compare) and reduced-B for
    // another budget's. (A budget left out with --only is not built: under other [Sharing] choices the smallest may not be feasible.)
    static string BudgetKey(double b) => b.ToString("0.##", CultureInfo.InvariantCulture);
    static string ReducedKey(double b) => b == 0.1 ? "reduced" : "reduced-" + BudgetKey(b);
    foreach (var b in SweepReport.Budgets.Where(b => only is null || only.Contains(BudgetKey(b))))
    {
        try
        {
            using var probe = new FashionNet(new NpasOptions { Seed = seed, Budget = BudgetSpec.Fraction(b), Sharing = sharing });
        }
        catch (BudgetInfeasibleException e)
        {
            Console.Error.WriteLine($"error: budget {b}: {e.Message}");
            return ExitCodes.BudgetInfeasible;
        }
    }
    // A reduced-width baseline is the widest unshared CNN within its budget's limit, the count a shared model may use.
    long unshared = SweepMath.UnsharedParameters(SweepMath.FullWidth);
    var reducedWidths = SweepReport.ReducedBudgets.ToDictionary(b => b, b =>
    {
        long limit = BudgetSpec.Fraction(b).Resolve(unshared);
        var (width, parameters) = SweepMath.ReducedWidth(limit);
        return (Width: width, Parameters: parameters, Limit: limit);
    });
    foreach (var (b, (width, parameters, limit)) in reducedWidths)
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "reduced width for budget {0}: {1} channels, {2:N0} parameters unshared (the budget allows {3:N0}; {4} channels would need {5:N0})",
            BudgetKey(b), width, parameters, limit, width + 1, SweepMath.UnsharedParameters(width + 1)));
    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "full width {0}: {1:N0} parameters", SweepMath.FullWidth, unshared));

    string fullLabel = $"full unshared ({SweepMath.FullWidth} channels)";
    string reducedLabel = SweepReport.ReducedLabel(reducedWidths[0.1].Width);
    static string SharedLabel(double b) => "shared, budget " + b.ToString("0.00", CultureInfo.InvariantCulture);
    var tableOrder = SweepReport.Budgets.Select(SharedLabel).Append(fullLabel)
        .Concat(SweepReport.ReducedBudgets.Select(b => SweepReport.ReducedLabel(reducedWidths[b].Width))).ToList();

    // Training order: the baselines and the targeted budgets first, so a stopped run has the comparisons that matter.
    var runs = new List<(string Key, string Label, double? Budget, Func<NpasModule> Create)>
    {
        ("full", fullLabel, null, () => new WidthFashionNet(SweepMath.FullWidth, new NpasOptions { Seed = seed })),
        ("reduced", reducedLabel, null, () => new WidthFashionNet(reducedWidths[0.1].Width, new NpasOptions { Seed = seed })),
    };
    foreach (var b in new[] { 0.1, 2.0 }.Concat(SweepReport.Budgets.Where(b => b is not (0.1 or 2.0))))
        runs.Add((BudgetKey(b), SharedLabel(b), b, () => SharedModel(b)));
    foreach (var (b, (width, _, _)) in reducedWidths.Where(r => r.Key != 0.1))
        runs.Add((ReducedKey(b), SweepReport.ReducedLabel(width), null, () => new WidthFashionNet(width, new NpasOptions { Seed = seed })));

    if (only is not null)
    {
        var known = SweepReport.Budgets.Select(BudgetKey).Concat(SweepReport.ReducedBudgets.Select(ReducedKey)).Append("full").ToHashSet();
        var unknown = only.Where(o => !known.Contains(o)).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"error: --only knows {string.Join(", ", known)}; not {string.Join(", ", unknown)}.");
            return ExitCodes.BadArguments;
        }
        runs = runs.Where(r => only.Contains(r.Key)).ToList();
    }

    if (seedsReport)
    {
        if (resultsFile is null)
        {
            Console.Error.WriteLine("error: --seeds-report reads a results file; add --results FILE.");
            return ExitCodes.BadArguments;
        }
        var labelOf = new Dictionary<string, string> { ["full"] = fullLabel, ["reduced"] = reducedLabel, ["0.1"] = SharedLabel(0.1), ["2"] = SharedLabel(2.0) };
        // Each key's lines read once: every target asks for its two configurations on every seed.
        var resultsOf = new Dictionary<string, IReadOnlyList<SweepResult>>(StringComparer.Ordinal);
        var used = new List<(long Seed, string Configuration, string Key)>(); // the lines the table pairs, for their caveats
        double? AccuracyOf(string configuration, long s)
        {
            double rate = rateOf.GetValueOrDefault(configuration, learningRate);
            var key = SweepSettings.Key(trainer with { Seed = s, LearningRate = rate }, sharingText, validation, augmentKey);
            if (!resultsOf.TryGetValue(key, out var results)) resultsOf[key] = results = SweepResultsFile.Read(resultsFile, key);
            double? accuracy = results.FirstOrDefault(r => r.Label == labelOf[configuration])?.Accuracy;
            if (accuracy is not null && !used.Any(u => u.Key == key && u.Configuration == configuration)) used.Add((s, configuration, key));
            return accuracy;
        }
        // Every seed the file holds (a seed such as 0 or 1000 was left out when only 1 to 100 were looked up, without a word).
        IReadOnlyList<SeedTargets.Row> rows = Array.Empty<SeedTargets.Row>();
        IReadOnlyList<long> seeds = Array.Empty<long>();
        var notes = new List<string>();
        SweepResultsFile.Locked(resultsFile, () =>
        {
            seeds = SweepResultsFile.Seeds(resultsFile);
            rows = SeedTargets.Compute(SeedTargets.Issue5, seeds, AccuracyOf);
            // As the merged report says: a configuration measured more than once on a seed counts by its last line.
            foreach (var key in used.Select(u => u.Key).Distinct())
                foreach (var caveat in SweepResultsFile.Caveats(resultsFile, key))
                    notes.Add(string.Format(CultureInfo.InvariantCulture, "seed {0}: {1}", used.First(u => u.Key == key).Seed, caveat));
        });
        Console.WriteLine();
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "Targets over the seeds in {0} ({1}) ({2} accuracy; rates: {3}):", resultsFile,
            seeds.Count == 0 ? "none" : string.Join(", ", seeds), trainingData.Evaluation,
            string.Join(", ", labelOf.Keys.Select(k => $"{k} {rateOf.GetValueOrDefault(k, learningRate).ToString(CultureInfo.InvariantCulture)}"))));
        Console.WriteLine();
        Console.Write(SeedTargets.Table(rows));
        if (notes.Count > 0) Console.Write(string.Concat(notes.Distinct().Select(n => $"\nnote: {n}.")) + "\n");
        return ExitCodes.Success;
    }

    if (reportOnly)
    {
        if (resultsFile is null)
        {
            Console.Error.WriteLine("error: --report rewrites the report from a results file; add --results FILE.");
            return ExitCodes.BadArguments;
        }
        runs.Clear();
    }

    var results = new List<SweepResult>();
    string commit = CodeVersion.Commit();
    string settings = SweepSettings.Key(trainer, sharingText, validation, augmentKey);
    string markdownPath = Path.Combine(outputDirectory, "budget-sweep.md"), plotPath = Path.Combine(outputDirectory, "budget-sweep.png");
    foreach (var (_, label, budget, create) in runs)
    {
        random.manual_seed(seed);
        using var model = create();
        Console.WriteLine($"== {label}: {model.TrainableParameters:N0} trainable parameters");
        var history = new Trainer(model, trainingData, trainer, CPU, line => Console.WriteLine($"  [{label}] {line.TrimStart()}"), augmentation).Run();
        var last = history[^1];
        var result = new SweepResult(label, budget, model.TrainableParameters, last.TestAccuracy, history.Sum(r => r.Seconds));
        results.Add(result);
        if (resultsFile is not null) SweepResultsFile.Locked(resultsFile, () => SweepResultsFile.Append(resultsFile, settings, result, get_num_threads(), commit));
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "result: {0} | parameters={1:N0} | {5}_accuracy={2:0.0000} | epochs={3} | {4:0}s",
            label, result.Parameters, result.Accuracy, history.Count, result.Seconds, trainingData.Evaluation));
        if (resultsFile is null) Write();
        else SweepResultsFile.Locked(resultsFile, Write); // no other process may append or report in between
    }

    if (reportOnly) SweepResultsFile.Locked(resultsFile!, Write);

    Console.WriteLine();
    IReadOnlyList<SweepResult> measured = results;
    if (resultsFile is not null) SweepResultsFile.Locked(resultsFile, () => measured = SweepResultsFile.Read(resultsFile, settings));
    Console.WriteLine(SweepReport.Table(measured, tableOrder, fullLabel, trainingData.Evaluation));
    Console.WriteLine(resultsFile is null ? "targets (issue 5), measured in this run:" : $"targets (issue 5), measured by the processes sharing {resultsFile}:");
    foreach (var check in SweepReport.Targets(measured, fullLabel, reducedLabel))
        Console.WriteLine($"  {check.Target}: {check.Verdict} ({check.Measured})");
    Console.WriteLine($"wrote {markdownPath} and {plotPath}");
    return ExitCodes.Success;

    // A shared model at budget b: its declared groups, or (--group-search) the groups a search finds on the training images.
    FashionNet SharedModel(double b)
        => groupSearch.Build(o => new FashionNet(o), trainingData, trainer, new NpasOptions { Seed = seed, Budget = BudgetSpec.Fraction(b), Sharing = sharing },
            line => Console.WriteLine($"  [budget {BudgetKey(b)}] {line}"));

    void Write()
    {
        // With a shared results file the report covers every process's results, not only this one's.
        var reported = resultsFile is null ? results : SweepResultsFile.Read(resultsFile, settings);
        bool complete = tableOrder.All(l => reported.Any(r => r.Label == l));
        var text = new System.Text.StringBuilder();
        text.Append("# Accuracy under budgets\n\n");
        text.Append(string.Format(CultureInfo.InvariantCulture,
            (reportOnly ? "Report written by " : "") + "`{0}` ({1} epoch{2}{3}, {12} lr {4}, {11}, cosine schedule stepped per batch, batch {5}, seed {6}{7}, {10}; shared models: {9}). {8}\n\n",
            command.TrimEnd(), epochs, epochs == 1 ? "" : "s", trainBatches is { } t ? $" of {t} batches" : "", trainer.LearningRate, trainer.BatchSize, seed,
            reportOnly ? "" : $", TorchSharp threads: {get_num_threads()}", // a report alone trains nothing: the training processes' threads are not known here
            (complete ? "Complete." : $"Partial: {reported.Count} of {tableOrder.Count} configurations measured so far.")
            + (resultsFile is null ? "" : $" Merged from every process that appended to `{resultsFile}` with these settings (each ran its own `--only` share)."), sharingText, augmentText,
            SweepSettings.Regularisation(trainer), SweepSettings.OptimizerText(trainer)));
        if (validation is { } heldOut)
            text.Append(string.Format(CultureInfo.InvariantCulture,
                "**Validation run:** every accuracy below is on the last {0:N0} training images, which no model trained on (each trained on the other {1:N0}); " +
                "the test set was not used. The targets are checked on these numbers only as a guide.\n\n", heldOut, trainingData.TrainInputs.shape[0]));
        text.Append(SweepReport.Table(reported, tableOrder, fullLabel, trainingData.Evaluation));
        text.Append(resultsFile is null ? "\nTargets (issue 5), measured in this run:\n\n" : "\nTargets (issue 5), measured by these processes:\n\n");
        text.Append(SweepReport.TargetList(SweepReport.Targets(reported, fullLabel, reducedLabel)));
        if (resultsFile is not null)
        {
            // What the merged table does not show by itself: repeats, other thread counts or code, and whose seconds these are.
            var caveats = SweepResultsFile.Caveats(resultsFile, settings).Append("the seconds are each process's own; processes that shared the machine make them no speed comparison");
            text.Append("\nMerged results: ").Append(string.Join("; ", caveats)).Append(".\n");
        }
        Directory.CreateDirectory(outputDirectory);
        AtomicFile.WriteText(markdownPath, text.ToString()); // a temporary per process: processes of one sweep may write at once
        // The published report also goes into docs/benchmarks.md, between its markers, with the plot; a report written
        // anywhere but docs/ (--out, a results file elsewhere) or made on the validation split is a side study and leaves it alone.
        if (place.Publishes)
        {
            var body = text.ToString();
            var section = body[(body.IndexOf('\n') + 1)..] + "\n![Test accuracy against trainable parameters](budget-sweep.png)\n";
            if (BenchmarksSection.Update(benchmarksPath, section)) Console.WriteLine($"updated the budget-sweep section of {benchmarksPath}");
        }
        SweepPlot.Write(plotPath, reported, fullLabel,
            string.Format(CultureInfo.InvariantCulture, "Fashion-MNIST {3} accuracy after {0} epoch{1}{2}", epochs, epochs == 1 ? "" : "s", trainBatches is { } b ? $" of {b} batches" : "", trainingData.Evaluation), trainingData.Evaluation);
    }
}

// --lr-of: "full=0.012,reduced=0.024,0.1=0.012,2=0.006", the configurations the targets compare, each rate above 0.
static void ReadRates(string option, string value, Dictionary<string, double> rates)
{
    foreach (var entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        var parts = entry.Split('=');
        if (parts.Length != 2 || parts[0] is not ("full" or "reduced" or "0.1" or "2"))
            throw new ArgumentException($"{option} takes configuration=rate pairs of full, reduced, 0.1 and 2, for example full=0.012,0.1=0.012; not '{entry}'.");
        double rate = TrainerCommandLine.PositiveNumber(option, parts[1]);
        // The same configuration twice (full=0.012,...,full=0.024) would keep the last rate without a word.
        if (rates.TryGetValue(parts[0], out double earlier))
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "{0} gives {1} a rate twice ({2} and {3}); give each configuration one rate.",
                option, parts[0], earlier, rate));
        rates[parts[0]] = rate;
    }
}

static T Named<T>(string option, string value) where T : struct, Enum
    => !value.Contains(',') && Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _)
        ? parsed
        : throw new ArgumentException($"{option} needs one of {string.Join(", ", Enum.GetNames<T>())}; not '{value}'.");
