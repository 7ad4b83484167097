using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

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

    /// <summary>
    /// <paramref name="property"/> set to <paramref name="value"/>, written as <see cref="Value"/> does: <c>--epochs 5</c> or
    /// <c>Epochs = 5</c>, <c>--schedule multi-step</c> or <c>Schedule = ScheduleKind.MultiStep</c>.
    /// </summary>
    public string Set(string property, object? value, string absent = "none")
        => _options ? _name(property) + " " + Value(value, absent) : property + " = " + Value(value, absent);

    /// <summary>
    /// <paramref name="value"/> as its setter writes it: what a user types after the option (<c>sgd</c>, <c>multi-step</c>,
    /// <c>30,60</c>, <paramref name="absent"/> for no value), or a C# expression a program assigns
    /// (<c>OptimizerKind.SgdNesterov</c>, <c>ScheduleKind.MultiStep</c>, <c>[30, 60]</c>, <c>null</c>). Culture-invariant.
    /// </summary>
    public string Value(object? value, string absent = "none") => value switch
    {
        null => _options ? absent : "null",
        bool b => b ? "true" : "false",
        string text => _options ? text : "\"" + text + "\"",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        OptimizerKind kind => _options ? (kind == OptimizerKind.SgdNesterov ? "sgd" : "adamw") : nameof(OptimizerKind) + "." + kind,
        ScheduleKind kind => _options ? TrainerCommandLine.ScheduleName(kind) : nameof(ScheduleKind) + "." + kind,
        ScheduleInterval interval => _options ? interval.ToString().ToLowerInvariant() : nameof(ScheduleInterval) + "." + interval,
        IEnumerable<int> list when !list.Any() => _options ? absent : "[]",
        IEnumerable<int> list => _options
            ? string.Join(",", list.Select(i => i.ToString(CultureInfo.InvariantCulture)))
            : "[" + string.Join(", ", list.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString() ?? "",
    };
}
