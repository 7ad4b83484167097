using NpasDsl;
using static TorchSharp.torch;

namespace NpasDsl.Runtime.Tests.Models;

/// <summary>A model whose OnCreated hook registers a buffer of its own: it runs before the model moves to its device.</summary>
[SharedBudget(0.5)]
public sealed partial class BufferedNet : NpasModule
{
    [Linear(8, 4)] private partial SharedLinear Head { get; }

    /// <summary>How many parameters the model held when OnCreated ran (every layer exists by then).</summary>
    public long ParametersSeenByOnCreated { get; private set; }

    partial void OnCreated()
    {
        ParametersSeenByOnCreated = TrainableParameters;
        register_buffer("offset", ones(4));
    }

    // Read through the module, not a field: moving the model (to(device), to(dtype)) replaces its buffers.
    public override Tensor forward(Tensor x) => Head.call(x) + get_buffer("offset")!;
}

/// <summary>A model whose OnCreated hook registers a trainable parameter the budget never planned.</summary>
[SharedBudget(0.5)]
public sealed partial class ExtraParameterNet : NpasModule
{
    [Linear(8, 4)] private partial SharedLinear Head { get; }

    partial void OnCreated() => register_parameter("extra", new TorchSharp.Modules.Parameter(zeros(3)));

    public override Tensor forward(Tensor x) => Head.call(x);
}
