using System;
using System.Collections.Generic;
using NpasDsl.Families;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NpasDsl.Training;

/// <summary>
/// What the trainer needs of what it trains: a module to call, switch between train and eval mode and take
/// parameters from; the loss of a batch; the parameters weight decay applies to; and how to checkpoint it.
/// One model, or a family of networks trained on the sum of its members' losses.
/// </summary>
internal sealed class TrainingSubject
{
    private TrainingSubject(nn.Module<Tensor, Tensor> module, string name, IEnumerable<Parameter> decayed,
        Func<Tensor, Tensor, double, (Tensor Loss, Tensor Logits)> loss, Action<string> save, Action<string> load)
    {
        Module = module;
        Name = name;
        Decayed = decayed;
        Loss = loss;
        Save = save;
        Load = load;
    }

    public nn.Module<Tensor, Tensor> Module { get; }
    public string Name { get; }
    public IEnumerable<Parameter> Decayed { get; }
    /// <summary>(inputs, labels, label smoothing) → the loss to minimise and the logits the training accuracy is read from.</summary>
    public Func<Tensor, Tensor, double, (Tensor Loss, Tensor Logits)> Loss { get; }
    public Action<string> Save { get; }
    public Action<string> Load { get; }

    public static TrainingSubject Of(NpasModule model) => new(model, model.Network.ModelName, WeightDecay.Selected(model),
        (inputs, labels, smoothing) =>
        {
            var logits = model.call(inputs);
            return (nn.functional.cross_entropy(logits, labels, label_smoothing: smoothing), logits);
        },
        model.SaveCheckpoint, model.LoadCheckpointFile);

    public static TrainingSubject Of(ModelFamily family) => new(family, family.Name, family.DecayedParameters(),
        family.SumOfLosses, family.SaveCheckpoint, family.LoadCheckpointFile);
}
