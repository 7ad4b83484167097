using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NpasDsl.Generator.Tests.Infrastructure;
using Xunit;

namespace NpasDsl.Generator.Tests;

/// <summary>
/// The generator never throws on half-typed code. Seeded mutations of the sample models (deleted and inserted
/// tokens, wrong argument types, missing arguments, huge numbers, NaN, unbalanced braces) go through the
/// driver: the generator may report diagnostics or nothing, never an exception, and it never emits code that
/// fails to compile unless an error already explains why.
/// </summary>
public sealed class FuzzTests
{
    /// <summary>
    /// 1,000 variants in the unit suite (5,000 took twice as long, as much of the time is warm-up); NPAS_FUZZ_VARIANTS asks for more, e.g. 50000
    /// for a long search before a release. The variants are the first N of one seeded sequence, so a larger N only adds.
    /// </summary>
    private static readonly int Variants = int.TryParse(Environment.GetEnvironmentVariable("NPAS_FUZZ_VARIANTS"), System.Globalization.NumberStyles.None,
        System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1000;

    private static readonly string[] Insertions =
    {
        "(", ")", "{", "}", "[", "]", ",", ";", "=", "\"text\"", "double.NaN", "double.PositiveInfinity", "-1", "0", "1e308",
        "2147483647", "-2147483648", "9999999999", "null", "partial", "static", "Repeat(3)", "NoShare", "ShareGroup(\"g\")",
        "Parameters = 5", "Groups = 0", "SharedLinear", "ModuleList<SharedConv2d>", "int", "Conv2d(1, 2)", "Linear(\"a\", 2)",
        "Sharing(MaxTemplates = -3)", "SharedBudget(0.5)", "SharedBudget(Parameters = 0)", "#pragma warning disable NPAS014",
        "Rate = 4", "Rate = 0", "Repeat(4)", "ShareMapping.Sequential", "SharedBudget(0.05)",
    };

    private static readonly Regex Token = new(@"[A-Za-z_][A-Za-z0-9_]*|\d+(\.\d+)?|""[^""]*""|\S", RegexOptions.Compiled);

    [Fact]
    public void Mutated_models_never_crash_the_generator()
    {
        var seeds = new[] { SampleModels.FashionNet, SampleModels.SequenceModel, SampleModels.WideNet, SampleModels.SpinMixer, SampleModels.MaskedNet, SampleModels.CoefficientNet };
        var failures = new ConcurrentBag<(int Variant, string Message)>();
        int withDiagnostics = 0, withOutput = 0;
        // Each variant has its own seeded random source, so the set of variants does not depend on scheduling.
        Parallel.For(0, Variants, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var random = new Random(20261123 + i);
            var source = Mutate(seeds[i % seeds.Length], random, mutations: 1 + random.Next(3));
            var problem = Check(source, ref withDiagnostics, ref withOutput);
            if (problem is not null) failures.Add((i, problem + "\n" + source));
        });
        Assert.True(failures.IsEmpty, string.Join("\n\n----\n", failures.OrderBy(f => f.Variant).Take(5).Select(f => $"variant {f.Variant}: {f.Message}")));
        // The mutations must exercise both paths, or the test proves nothing.
        Assert.True(withDiagnostics > Variants / 10, $"only {withDiagnostics} variants produced diagnostics");
        Assert.True(withOutput > Variants / 10, $"only {withOutput} variants produced generated code");
    }

    /// <summary>Runs one variant; returns what went wrong, or null.</summary>
    private static string? Check(string source, ref int withDiagnostics, ref int withOutput)
    {
        var (driver, output, diagnostics) = GeneratorHarness.Run(source);
        var result = driver.GetRunResult().Results.Single();
        if (result.Exception is not null) return $"exception {result.Exception.GetType().Name}: {result.Exception.Message}";
        if (diagnostics.Any(d => d.Id is "CS8785" or "AD0001")) return "generator failure diagnostic";
        if (diagnostics.Length > 0) Interlocked.Increment(ref withDiagnostics);
        if (result.GeneratedSources.Length == 0) return null;
        Interlocked.Increment(ref withOutput);

        // Only the generated trees are bound (binding the whole compilation for every variant is slow); the user's
        // own errors are looked at only when the generated code has some.
        bool IsGenerated(SyntaxTree t) => result.GeneratedSources.Any(g => t.FilePath.EndsWith(g.HintName, StringComparison.Ordinal));
        var inGenerated = output.SyntaxTrees.Where(IsGenerated)
            .SelectMany(t => output.GetSemanticModel(t).GetDiagnostics())
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .ToList();
        if (inGenerated.Count == 0) return null;
        bool explained = diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)
            || output.SyntaxTrees.Where(t => !IsGenerated(t)).Any(t => output.GetSemanticModel(t).GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error));
        return explained ? null : $"generated code does not compile and nothing says why: {inGenerated[0]}";
    }

    private static string Mutate(string source, Random random, int mutations)
    {
        var tokens = Token.Matches(source).Cast<Match>().ToList();
        var text = source;
        for (int m = 0; m < mutations; m++)
        {
            tokens = Token.Matches(text).Cast<Match>().ToList();
            var at = tokens[random.Next(tokens.Count)];
            text = random.Next(6) switch
            {
                0 => text.Remove(at.Index, at.Length),                                                  // delete a token
                1 => text.Insert(at.Index, Insertions[random.Next(Insertions.Length)] + " "),           // insert a token
                2 when Regex.IsMatch(at.Value, @"^\d") => text.Remove(at.Index, at.Length).Insert(at.Index, Insertions[random.Next(10, 17)]), // bad number
                3 => text.Remove(at.Index, at.Length).Insert(at.Index, Insertions[random.Next(Insertions.Length)]),                        // replace
                4 => DeleteLine(text, random),
                _ => text.Insert(at.Index, random.Next(2) == 0 ? "{" : "}"),                               // unbalance braces
            };
        }
        return text;
    }

    private static string DeleteLine(string text, Random random)
    {
        var lines = text.Split('\n').ToList();
        lines.RemoveAt(random.Next(lines.Count));
        return string.Join("\n", lines);
    }
}
