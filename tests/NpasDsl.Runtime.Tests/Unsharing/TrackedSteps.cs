using NpasDsl.Unsharing;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Unsharing;

/// <summary>Training steps on <see cref="TestData.Images"/> with coefficient gradients summed after each backward, as unsharing needs.</summary>
internal static class TrackedSteps
{
    /// <summary>
    /// Runs <paramref name="steps"/> cross-entropy steps of <paramref name="model"/>, accumulating into <paramref name="tracker"/>;
    /// with an <paramref name="optimizer"/> each step also updates the parameters, without one only the gradients are summed.
    /// </summary>
    public static void Run(NpasModule model, CoefficientUnsharing tracker, int steps, OptimizerHelper? optimizer = null)
    {
        var (images, labels) = TestData.Images();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            if (optimizer is null) model.zero_grad();
            else optimizer.zero_grad();
            nn.functional.cross_entropy(model.call(images), labels).backward();
            tracker.Accumulate();
            optimizer?.step();
        }
    }
}
