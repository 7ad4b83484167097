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

    private readonly Func<string, string?>? _defaultOf;

    private SettingNames(Func<string, string> name, bool options, string? modelSettings = null, Func<string, string?>? defaultOf = null)
    {
        _name = name;
        _options = options;
        ModelSettings = modelSettings;
        _defaultOf = defaultOf;
    }

    /// <summary>
    /// The settings that rebuild a program's model, as a message that refuses a checkpoint of another model names them
    /// ("--model and --budget"); null for the default, which names the options of the examples with groups
    /// ("the model, --budget, sharing options and --group-search or --allocation").
    /// </summary>
    public string? ModelSettings { get; }

    /// <summary>
    /// These names, with <paramref name="modelSettings"/> as the settings that rebuild the model (<see cref="ModelSettings"/>):
    /// for a program whose options are not the default ones (a program without <c>--budget</c> or <c>--group-search</c>), so
    /// that no message tells its user to give an option it does not have.
    /// </summary>
    public SettingNames WithModelSettings(string modelSettings)
        => new(_name, _options, string.IsNullOrWhiteSpace(modelSettings) ? throw new ArgumentException("Name the settings that rebuild the model.", nameof(modelSettings)) : modelSettings, _defaultOf);

    /// <summary>
    /// These names, knowing which settings the user left to the program: <paramref name="defaultOf"/> says, for a
    /// <see cref="TrainerOptions"/> property, how its value came about ("the default", "the default for --epochs 2"), or
    /// null where the user set it. A resumed run's note then tells a value the user never typed from one they did.
    /// </summary>
    public SettingNames WithDefaults(Func<string, string?> defaultOf)
        => new(_name, _options, ModelSettings, defaultOf ?? throw new ArgumentNullException(nameof(defaultOf)));

    /// <summary>
    /// This run's value of <paramref name="property"/> beside a saved one: <c>this run: 1</c>, or, where the user left the
    /// setting to the program, <c>this run: 1, the default for --epochs 2</c>.
    /// </summary>
    public string ThisRun(string property, object? value, string absent = "none")
        => _defaultOf?.Invoke(property) is { } how ? $"this run: {Value(value, absent)}, {how}" : $"this run: {Value(value, absent)}";

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
    /// <c>Epochs = 5</c>, <c>--schedule multi-step</c> or <c>Schedule = ScheduleKind.MultiStep</c>. No value (null, or an empty
    /// list) is the option left out on a command line, <c>no --train-batches</c>, since no word after it would parse.
    /// </summary>
    public string Set(string property, object? value, string absent = "none")
    {
        if (!_options) return property + " = " + Value(value, absent);
        return IsAbsent(value) ? "no " + _name(property) : _name(property) + " " + Value(value, absent);
    }

    /// <summary>
    /// <paramref name="value"/> as its setter writes it: what a user types after the option (<c>sgd</c>, <c>multi-step</c>,
    /// <c>30,60</c>; <paramref name="absent"/> describes no value), or a C# expression a program assigns
    /// (<c>OptimizerKind.SgdNesterov</c>, <c>ScheduleKind.MultiStep</c>, <c>[30, 60]</c>, <c>null</c>, an escaped string).
    /// Culture-invariant. An enum number that names no member (a damaged manifest) is written as the number.
    /// </summary>
    public string Value(object? value, string absent = "none") => value switch
    {
        _ when IsAbsent(value) && _options => absent,
        null => "null",
        bool b => b ? "true" : "false",
        string text => _options ? text : Quoted(text),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        Enum member when !Enum.IsDefined(member.GetType(), member) => Convert.ToInt64(member, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        OptimizerKind kind => _options ? TrainerCommandLine.OptimizerName(kind) : nameof(OptimizerKind) + "." + kind,
        ScheduleKind kind => _options ? TrainerCommandLine.ScheduleName(kind) : nameof(ScheduleKind) + "." + kind,
        ScheduleInterval interval => _options ? interval.ToString().ToLowerInvariant() : nameof(ScheduleInterval) + "." + interval,
        IEnumerable<int> list => _options
            ? string.Join(",", list.Select(i => i.ToString(CultureInfo.InvariantCulture)))
            : "[" + string.Join(", ", list.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString() ?? "",
    };

    private static bool IsAbsent(object? value) => value is null || (value is IEnumerable<int> list && !list.Any());

    /// <summary>A C# string literal: a Windows path's backslashes and any quote survive being pasted into code.</summary>
    private static string Quoted(string text)
    {
        var literal = new System.Text.StringBuilder("\"");
        foreach (char c in text)
            literal.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        return literal.Append('"').ToString();
    }
}
