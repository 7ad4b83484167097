using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using NpasDsl;
using NpasDsl.Bench;
using NpasDsl.Examples.FashionMnist;
using NpasDsl.Examples.WideResNet;
using NpasDsl.Planning;
using TorchSharp;
using static TorchSharp.torch;

// Training-step time (forward, backward, Adam step) of shared models at budgets 0.1, 1.0 and 2.0, and
// inference time of the materialized model, each divided by the same network built from TorchSharp's
// ordinary layers. Configurations are timed in turn, step after step, in the orders of a balanced Latin square
// (TimingOrder), so drift, the position in a step and what ran just before affect them alike.
int steps = 20;
if (args.Length > 0 && !(int.TryParse(args[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out steps) && steps > 0))
{
    Console.Error.WriteLine($"error: the measured steps must be a positive integer, not '{args[0]}' (a median of no steps is none).");
    return 2;
}
const int WarmupSteps = 3;
// Whole cycles of each design (four training configurations, three inference ones), so each order is measured as often.
int trainSteps = TimingOrder.MeasuredSteps(steps, 4), inferenceSteps = TimingOrder.MeasuredSteps(steps, 3);
random.manual_seed(1);
Console.WriteLine($"TorchSharp on {get_num_threads()} threads; median of {trainSteps} training and {inferenceSteps} inference steps (at least {steps}, whole cycles of the timing order) after {WarmupSteps} warm-up steps");
Console.WriteLine();

var report = new List<string>
{
    "| network | batch | unshared step (ms) | budget 0.1 | budget 1.0 | budget 2.0 | unshared inference (ms) | materialized 0.1 | on the fly 0.1 |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
};
report.Add(Run("FashionNet (example CNN)", () => new PlainFashionNet(), b => new FashionNet(new NpasOptions { Budget = BudgetSpec.Fraction(b) }), new long[] { 128, 1, 28, 28 }));
report.Add(Run("WRN-16-4", () => new PlainWrn(blocksPerGroup: 2, widen: 4, classes: 10), b => new Wrn16x4(new NpasOptions { Budget = BudgetSpec.Fraction(b) }), new long[] { 32, 3, 32, 32 }));
Console.WriteLine(string.Join("\n", report));
Console.WriteLine();
Console.WriteLine("Ratios are shared / unshared in the same run. Targets (issue 4): training at most 1.05, 1.08 and 1.20 at budgets 0.1, 1.0 and 2.0; materialized inference 1.00 ± 0.03.");
return 0;

string Run(string name, Func<nn.Module<Tensor, Tensor>> plain, Func<double, NpasModule> shared, long[] inputShape)
{
    var generator = new Generator(7);
    var input = randn(inputShape, generator: generator);
    var labels = randint(0, 10, new[] { inputShape[0] }, generator: generator);
    var budgets = new[] { 0.1, 1.0, 2.0 };
    var models = new List<nn.Module<Tensor, Tensor>> { plain() };
    models.AddRange(budgets.Select(b => (nn.Module<Tensor, Tensor>)shared(b)));
    var optimizers = models.Select(m => optim.Adam(m.parameters(), 0.001)).ToList();
    var train = models.Select(_ => new List<double>()).ToList();
    // The order changes each step: in a fixed order the baseline always ran right after the budget-2.0 step had freed
    // the largest graph, so allocator and cache effects fell on one side of every ratio in the same way; a rotation of
    // that order still ran it right after budget 2.0 in three steps of four (TimingOrder).
    for (int step = 0; step < WarmupSteps + trainSteps; step++)
        foreach (int m in TimingOrder.For(models.Count, step))
        {
            var clock = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                models[m].train();
                optimizers[m].zero_grad();
                nn.functional.cross_entropy(models[m].call(input), labels).backward();
                optimizers[m].step();
            }
            if (step >= WarmupSteps) train[m].Add(clock.Elapsed.TotalMilliseconds);
        }

    // Inference: the plain network, the 0.1 model materialized, and the 0.1 model generating on the fly.
    var onTheFly = shared(0.1);
    var materialized = (NpasModule)models[1];
    models[0].eval();
    onTheFly.eval();
    materialized.Materialize();
    var inferenceModels = new nn.Module<Tensor, Tensor>[] { models[0], materialized, onTheFly };
    var inference = inferenceModels.Select(_ => new List<double>()).ToList();
    using (no_grad())
        for (int step = 0; step < WarmupSteps + inferenceSteps; step++)
            foreach (int m in TimingOrder.For(inferenceModels.Length, step))
            {
                var clock = Stopwatch.StartNew();
                using (var scope = NewDisposeScope()) inferenceModels[m].call(input);
                if (step >= WarmupSteps) inference[m].Add(clock.Elapsed.TotalMilliseconds);
            }

    double baseTrain = Median(train[0]), baseInference = Median(inference[0]);
    string R(double value, double baseline) => (value / baseline).ToString("0.000", CultureInfo.InvariantCulture);
    return string.Format(CultureInfo.InvariantCulture, "| {0} | {1} | {2:0.0} | {3} | {4} | {5} | {6:0.0} | {7} | {8} |",
        name, inputShape[0], baseTrain, R(Median(train[1]), baseTrain), R(Median(train[2]), baseTrain), R(Median(train[3]), baseTrain),
        baseInference, R(Median(inference[1]), baseInference), R(Median(inference[2]), baseInference));
}

static double Median(List<double> values) => NpasDsl.Bench.Statistics.Median(values);
