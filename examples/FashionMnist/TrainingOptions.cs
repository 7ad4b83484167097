using System;
using NpasDsl.Data;
using NpasDsl.Training;

namespace NpasDsl.Examples.FashionMnist;

/// <summary>The command line of the example. Every option is echoed at start-up, so no choice can vanish silently.</summary>
public sealed class TrainingOptions
{
    public const string Usage =
        "usage: FashionMnist [--data DIR] [--budget FRACTION | --budget-parameters N | --unshared] [--coefficient-sharing none|by-shape]\n" +
        "                    [--group-search learned|gradient-conflict | --allocation FILE] [trainer options]\n" +
        "  --data DIR               the four Fashion-MNIST IDX files (default " + FashionMnistDataset.DebianDirectory + ")\n" +
        "  --budget FRACTION        override the declared budget, e.g. 0.05 or 2.0 (re-checked at start-up)\n" +
        "  --budget-parameters N    override the budget with an absolute parameter count\n" +
        "  --unshared               train FashionNet with every weight its own (no banks): the baseline a budget is compared with\n" +
        "  --coefficient-sharing C  none (declared) or by-shape: same-shape layers start with one coefficient vector\n" +
        "                           (SuperWeights), which --unshare-at N splits where their gradients disagree\n" +
        "  defaults: 3 epochs, AdamW lr 0.012, cosine schedule stepped per batch, no warm-up, no weight decay, batch 128, seed 1;\n" +
        "            checkpoints in runs/fashion-mnist\n" +
        AllocationCommandLine.Usage + "\n" +
        TrainerCommandLine.Usage;

    /// <summary>
    /// The example's peak learning rate, chosen for FashionNet at its declared budget on a validation split (bench/BudgetSweep
    /// --validation 10000, 3 epochs, docs/benchmarks.md): 0.012 reached 0.9074, the trainer's generic default 0.003 only 0.8987.
    /// </summary>
    public const double DefaultLearningRate = 0.012;

    private TrainingOptions(TrainerCommandLine line) => Line = line;

    public string DataDirectory { get; private set; } = FashionMnistDataset.DebianDirectory;
    public double? BudgetFraction { get; private set; }
    public long? BudgetParameters { get; private set; }
    /// <summary><c>--unshared</c>: FashionNet as an ordinary network (<see cref="NpasOptions.Unshared"/>).</summary>
    public bool Unshared { get; private set; }
    /// <summary><c>--coefficient-sharing</c>, or null for FashionNet's declared choice.</summary>
    public CoefficientSharing? CoefficientSharing { get; private set; }

    /// <summary><c>--group-search</c> or <c>--allocation</c>: groups other than FashionNet's declared ones.</summary>
    public AllocationCommandLine Allocation { get; } = new();

    /// <summary>The trainer's options as given (device, threads and the checked <see cref="Trainer"/>).</summary>
    public TrainerCommandLine Line { get; }
    public TrainerOptions Trainer { get; private set; } = new();

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public static TrainingOptions Parse(string[] args)
    {
        var options = new TrainingOptions(new TrainerCommandLine(new TrainerOptions { CheckpointDirectory = "runs/fashion-mnist", LearningRate = DefaultLearningRate }));
        options.Line.Read(args, (name, value) =>
        {
            switch (name)
            {
                case "--data": options.DataDirectory = value(); return true;
                case "--budget": options.BudgetFraction = TrainerCommandLine.BudgetFraction(name, value()); return true;
                case "--budget-parameters": options.BudgetParameters = TrainerCommandLine.PositiveCount(name, value()); return true;
                case "--unshared": options.Unshared = true; return true;
                case "--coefficient-sharing": options.CoefficientSharing = TrainerCommandLine.CoefficientSharingNamed(name, value()); return true;
                default: return options.Allocation.TryRead(name, value);
            }
        });
        if (options.Line.HelpRequested) throw new HelpRequested();
        if (options.BudgetFraction is not null && options.BudgetParameters is not null)
            throw new ArgumentException("Give either --budget or --budget-parameters, not both.");
        options.Allocation.Check(
            options.BudgetFraction is null ? null : "--budget",
            options.BudgetParameters is null ? null : "--budget-parameters",
            options.CoefficientSharing is null ? null : "--coefficient-sharing");
        if (options.Unshared)
        {
            string? shared = options.BudgetFraction is not null ? "--budget" : options.BudgetParameters is not null ? "--budget-parameters"
                : options.CoefficientSharing is not null ? "--coefficient-sharing" : options.Allocation.Search is not null ? "--group-search" : null;
            if (shared is not null)
                throw new ArgumentException($"--unshared trains FashionNet with every weight its own, so {shared} has nothing to set; drop one of them.");
            // Not through Allocation.Check, whose "or search again with --group-search and --unshared" is refused just above.
            if (options.Allocation.AllocationPath is not null)
                throw new ArgumentException("--allocation carries its own budget, groups and sharing options (the allocation of an --unshared run rebuilds FashionNet unshared by itself); drop --unshared.");
            options.Line.RefuseUnsharing("--unshared leaves no shared coefficients to split");
        }
        options.Trainer = options.Line.Finish();
        return options;
    }

    /// <summary>Thrown for --help.</summary>
    public sealed class HelpRequested : Exception { }
}
