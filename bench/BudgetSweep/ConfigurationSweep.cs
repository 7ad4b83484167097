using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using NpasDsl.Allocation;
using NpasDsl.Examples.FashionMnist;
using NpasDsl.Planning;
using NpasDsl.Training;
using static TorchSharp.torch;

namespace NpasDsl.Bench.BudgetSweep;

/// <summary>
/// Which sharing configuration works best at a low budget: FashionNet at one budget under several
/// <c>[Sharing]</c> choices (given at start-up through <see cref="NpasOptions.Sharing"/>), all trained alike.
/// Each result is printed and the markdown rewritten as soon as it is measured.
/// </summary>
public static class ConfigurationSweep
{
    /// <summary>The configurations, the declared default first.</summary>
    public static IReadOnlyList<(string Label, SharingSpec Sharing)> Configurations { get; } = new[]
    {
        ("single bank, weighted average, repeat (default)", SharingSpec.Default),
        ("single bank, mask upsampler", new SharingSpec(upsampler: Upsampler.Mask)),
        ("single bank, interpolate upsampler", new SharingSpec(upsampler: Upsampler.Interpolate)),
        ("groups by shape, repeat", new SharingSpec(GroupStrategy.ByShape)),
        ("single bank, template bank split", new SharingSpec(bankSplit: BankSplit.Templates)),
        ("single bank, embedding combiner", new SharingSpec(combiner: Combiner.Embedding)),
    };

    public static void Run(double budget, TrainingData data, TrainerOptions trainer, long seed, string command, string markdownPath)
    {
        var rows = new List<(string Label, long Parameters, double Accuracy, double Seconds)>();
        foreach (var (label, sharing) in Configurations)
        {
            random.manual_seed(seed);
            using var model = new FashionNet(new NpasOptions { Seed = seed, Budget = BudgetSpec.Fraction(budget), Sharing = sharing });
            Console.WriteLine($"== {label}: {model.TrainableParameters:N0} trainable parameters");
            var history = new Trainer(model, data, trainer, CPU, line => Console.WriteLine($"  [{label}] {line.TrimStart()}")).Run();
            rows.Add((label, model.TrainableParameters, history[^1].TestAccuracy, history.Sum(r => r.Seconds)));
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "result: {0} | parameters={1:N0} | {4}_accuracy={2:0.0000} | {3:0}s",
                label, model.TrainableParameters, history[^1].TestAccuracy, rows[^1].Seconds, data.Evaluation));
            Write(rows, budget, trainer, command, markdownPath, data.Evaluation);
        }
    }

    private static void Write(List<(string Label, long Parameters, double Accuracy, double Seconds)> rows, double budget, TrainerOptions trainer, string command, string path, string evaluation)
    {
        var text = new StringBuilder();
        text.Append(string.Format(CultureInfo.InvariantCulture, "# Sharing configurations at budget {0}\n\n`{1}` ({2} epochs, seed {3}). {4}\n\n",
            budget, command.TrimEnd(), trainer.Epochs, trainer.Seed,
            rows.Count == Configurations.Count ? "Complete." : $"Partial: {rows.Count} of {Configurations.Count} configurations measured so far."));
        text.Append($"| configuration | parameters | {evaluation} accuracy | seconds |\n|---|---:|---:|---:|\n");
        foreach (var (label, parameters, accuracy, seconds) in rows)
            text.Append(string.Format(CultureInfo.InvariantCulture, "| {0} | {1:N0} | {2:0.0000} | {3:0} |\n", label, parameters, accuracy, seconds));
        AtomicFile.WriteText(path, text.ToString());
    }
}
