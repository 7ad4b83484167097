using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using NpasDsl;
using NpasDsl.Data;
using NpasDsl.Examples.FashionMnist;
using NpasDsl.Planning;
using TorchSharp;
using static TorchSharp.torch;

// Trains FashionNet on Fashion-MNIST under its parameter budget and ends with one line:
// final: accuracy=0.8712 parameters=12,345 budget=12,500 unshared=125,000
TrainingOptions options;
try
{
    options = TrainingOptions.Parse(args);
}
catch (TrainingOptions.HelpRequested)
{
    Console.WriteLine(TrainingOptions.Usage);
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n{TrainingOptions.Usage}");
    return 2;
}

FashionMnistDataset data;
try
{
    data = FashionMnistDataset.Load(options.DataDirectory);
}
catch (Exception e) when (e is FileNotFoundException or InvalidDataException or DirectoryNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 3;
}

var device = options.Device switch
{
    "cpu" => CPU,
    "cuda" when !cuda.is_available() => throw new InvalidOperationException("--device cuda was given but CUDA is not available (build with -p:TorchBackend=cuda on a machine with a GPU)."),
    "cuda" => CUDA,
    _ => cuda.is_available() ? CUDA : CPU,
};
random.manual_seed(options.Seed);

FashionNet model;
try
{
    BudgetSpec? budget = options.BudgetFraction is { } f ? BudgetSpec.Fraction(f) : options.BudgetParameters is { } p ? BudgetSpec.Parameters(p) : null;
    model = new FashionNet(new NpasOptions { Seed = options.Seed, Budget = budget, Device = device });
}
catch (BudgetInfeasibleException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 4;
}

Console.WriteLine($"FashionMnist: epochs={options.Epochs} batch={options.BatchSize} lr={options.LearningRate.ToString(CultureInfo.InvariantCulture)} seed={options.Seed} device={device.type} threads={get_num_threads()} data={options.DataDirectory}");
Console.WriteLine(model.Allocation);

var trainer = new Trainer(model, data, options, device);
var clock = Stopwatch.StartNew();
double accuracy = 0;
for (int epoch = 1; epoch <= options.Epochs; epoch++)
{
    var (loss, trainAccuracy) = trainer.TrainEpoch(epoch);
    double testAccuracy = accuracy = trainer.Evaluate();
    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "epoch {0}/{1}: loss={2:0.0000} train_accuracy={3:0.0000} test_accuracy={4:0.0000} elapsed={5:0}s",
        epoch, options.Epochs, loss, trainAccuracy, testAccuracy, clock.Elapsed.TotalSeconds));
}

Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "final: accuracy={0:0.0000} parameters={1:N0} budget={2:N0} unshared={3:N0}",
    accuracy, model.TrainableParameters, model.Allocation.Budget, model.Allocation.Unshared));
return 0;
