using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using NpasDsl.Generator.Model;
using NpasDsl.Generator.Tests.Infrastructure;
using Xunit;

namespace NpasDsl.Generator.Tests;

/// <summary>The model that the pipeline caches holds plain values only: no symbol, syntax node, location or compilation.</summary>
public sealed class ModelPurityTests
{
    private static readonly Type[] Forbidden = { typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Location), typeof(Compilation), typeof(AttributeData), typeof(SemanticModel) };

    [Theory]
    [InlineData(SampleModels.FashionNet)]
    [InlineData(SampleModels.SequenceModel)]
    [InlineData(SampleModels.WideNet)]
    [InlineData(SampleModels.SpinMixer)]
    public void Models_contain_no_roslyn_objects(string source)
    {
        var driver = GeneratorHarness.Run(source).Driver;
        var outputs = driver.GetRunResult().Results.Single().TrackedSteps[NpasGenerator.Steps.Models].SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
        Assert.NotEmpty(outputs);
        foreach (var output in outputs)
        {
            Assert.IsType<ModelSpec>(output);
            Walk(output, "model", new HashSet<object>(ReferenceEqualityComparer.Instance));
        }
    }

    [Fact]
    public void Budget_verdicts_contain_no_roslyn_objects()
    {
        // Includes a verdict with findings: NPAS019 on a budget two templates cannot read.
        var driver = GeneratorHarness.Run(SampleModels.FashionNet, TestModels.ModelSource("[SharedBudget(50.0), Sharing(MaxTemplates = 2)]",
            "    [Linear(10, 10, Bias = false)] private partial SharedLinear Layer { get; }")).Driver;
        var outputs = driver.GetRunResult().Results.Single().TrackedSteps[NpasGenerator.Steps.Budget].SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
        Assert.Equal(2, outputs.Count);
        Assert.Contains(outputs, o => o is BudgetVerdict { Findings.Count: > 0 });
        foreach (var output in outputs) Walk(output, "verdict", new HashSet<object>(ReferenceEqualityComparer.Instance));
    }

    private static void Walk(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        var type = value.GetType();
        foreach (var forbidden in Forbidden)
            Assert.False(forbidden.IsAssignableFrom(type), $"{path} is a {type.Name}, which would keep a compilation alive and defeat caching");
        if (!type.IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable sequence)
        {
            int i = 0;
            foreach (var item in sequence) Walk(item, $"{path}[{i++}]", seen);
            return;
        }
        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            Walk(field.GetValue(value), path + "." + field.Name, seen);
    }
}
