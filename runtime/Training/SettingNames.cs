using System;

namespace NpasDsl.Training;

/// <summary>
/// How the trainer's messages name its settings: as the <see cref="TrainerOptions"/> properties a program set
/// (<c>Resume = true</c>, <c>Epochs = 5</c>), or as the options a user typed (<c>--resume</c>, <c>--epochs 5</c>), so that a
/// fix reads in the words of whoever must apply it. <see cref="TrainerCommandLine"/> gives its options
/// <see cref="CommandLine"/>; options built in code keep <see cref="Properties"/>.
/// </summary>
public sealed class SettingNames
{
    private readonly Func<string, string> _name;
    private readonly bool _options;

    private SettingNames(Func<string, string> name, bool options)
    {
        _name = name;
        _options = options;
    }

    /// <summary>The <see cref="TrainerOptions"/> properties: <c>CheckpointDirectory</c>, <c>Resume = true</c>.</summary>
    public static SettingNames Properties { get; } = new(static property => property, options: false);

    /// <summary>The trainer's command-line options: <c>--checkpoint-dir</c>, <c>--resume</c>.</summary>
    public static SettingNames CommandLine { get; } = new(TrainerCommandLine.OptionName, options: true);

    /// <summary>Whether these are command-line options (a message may then name a program's own options too).</summary>
    public bool AreOptions => _options;

    /// <summary>The setting of <paramref name="property"/> (a <see cref="TrainerOptions"/> property name): <c>--epochs</c> or <c>Epochs</c>.</summary>
    public string Of(string property) => _name(property);

    /// <summary>Turning the switch <paramref name="property"/> on: <c>--resume</c> or <c>Resume = true</c>.</summary>
    public string On(string property) => _options ? _name(property) : property + " = true";

    /// <summary><paramref name="property"/> set to <paramref name="value"/>: <c>--epochs 5</c> or <c>Epochs = 5</c>.</summary>
    public string Set(string property, string value) => _options ? _name(property) + " " + value : property + " = " + value;
}
