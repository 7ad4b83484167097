using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NpasDsl;
using NpasDsl.Generator;

// Generator cost on models of growing size. Each figure is the median of several runs in this process;
// the scaling ratios compare sizes measured in the same run, so machine speed cancels out.
int repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 15;
var parse = new CSharpParseOptions(LanguageVersion.Preview);
var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
    .Concat(new[] { typeof(NpasModule).Assembly.Location, typeof(SharedBudgetAttribute).Assembly.Location, typeof(TorchSharp.torch).Assembly.Location })
    .Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
var empty = CSharpCompilation.Create("Bench", null, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

GeneratorDriver NewDriver() => CSharpGeneratorDriver.Create(new[] { new NpasGenerator().AsSourceGenerator() }, parseOptions: parse);

// Warm up the JIT and Roslyn once, outside the measurements.
NewDriver().RunGenerators(empty.AddSyntaxTrees(CSharpSyntaxTree.ParseText(Model(10), parse)));

var rows = new List<(int Layers, double Cold, double Incremental, double Keystroke)>();
foreach (int layers in new[] { 10, 100, 1000 })
{
    var (cold, incremental, keystroke) = Measure(() => Model(layers), layers);
    rows.Add((layers, Median(cold), Median(incremental), Median(keystroke)));
}
// One property repeated 100,000 times: little to read, a large plan (the fuzzing review's case for planning apart).
const int repeats = 100_000;
var (repeatedCold, repeatedIncremental, repeatedKeystroke) = Measure(() => RepeatedModel(repeats), 1);

(List<double> Cold, List<double> Incremental, List<double> Keystroke) Measure(Func<string> model, int layers)
{
    var compilation = empty.AddSyntaxTrees(CSharpSyntaxTree.ParseText(model(), parse, path: "Model.cs"));
    var cold = new List<double>();
    var incremental = new List<double>();
    var keystroke = new List<double>();
    for (int r = 0; r < repetitions; r++)
    {
        // A fresh compilation of the source each time, so the generator's first run over it does all its semantic work.
        // The references' metadata stays bound (the compilations share `empty`'s), as in an IDE after its first build:
        // "cold" is the generator's cost on new source, not a command-line build's first binding of its references.
        var fresh = compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(CSharpSyntaxTree.ParseText(model(), parse, path: "Model.cs"));
        var clock = Stopwatch.StartNew();
        var driver = NewDriver().RunGenerators(fresh);
        cold.Add(clock.Elapsed.TotalMilliseconds);
        Check(driver, layers);

        var edited = fresh.AddSyntaxTrees(CSharpSyntaxTree.ParseText($"namespace Other; class Unrelated{r} {{ }}", parse, path: "Other.cs"));
        clock.Restart();
        driver = driver.RunGenerators(edited);
        incremental.Add(clock.Elapsed.TotalMilliseconds);

        // A keystroke in the model's own file that leaves the model as it was (its forward body): the class is read
        // again, its budget need not be planned again.
        var tree = edited.SyntaxTrees.Single(t => t.FilePath == "Model.cs");
        var typed = edited.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(model().Replace("=> x; }", $"=> x * {r + 2}; }}"), parse, path: "Model.cs"));
        clock.Restart();
        driver = driver.RunGenerators(typed);
        keystroke.Add(clock.Elapsed.TotalMilliseconds);
        Check(driver, layers);
    }
    return (cold, incremental, keystroke);
}

// An edit inside the model's own file (what every keystroke in the IDE does) re-reads that model. Its cost should not
// grow with the rest of the project: the 100-layer model among 0, 1,000 and 10,000 other types in another file.
var project = new List<(int OtherTypes, double Edit)>();
foreach (int otherTypes in new[] { 0, 1000, 10000 })
{
    var others = CSharpSyntaxTree.ParseText(OtherTypes(otherTypes), parse, path: "Others.cs");
    var compilation = empty.AddSyntaxTrees(others, CSharpSyntaxTree.ParseText(Model(100), parse, path: "Model.cs"));
    var driver = NewDriver().RunGenerators(compilation);
    Check(driver, 100);
    var edits = new List<double>();
    for (int r = 0; r < repetitions; r++)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == "Model.cs");
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(Model(100).Replace("=> x; }", $"=> x * {r + 2}; }}"), parse, path: "Model.cs"));
        var clock = Stopwatch.StartNew();
        driver = driver.RunGenerators(edited);
        edits.Add(clock.Elapsed.TotalMilliseconds);
        Check(driver, 100);
        compilation = edited;
    }
    project.Add((otherTypes, Median(edits)));
}

var report = new StringBuilder();
report.AppendLine($"Generator benchmark ({Environment.ProcessorCount} cores, median of {repetitions} runs)");
report.AppendLine();
report.AppendLine("| layers | cold run (ms) | rerun after a new file (ms) | rerun after an edit of the model's forward body (ms) | cold ms per layer |");
report.AppendLine("|---:|---:|---:|---:|---:|");
foreach (var row in rows)
    report.AppendLine(string.Format(CultureInfo.InvariantCulture, "| {0:N0} | {1:0.0} | {2:0.00} | {3:0.00} | {4:0.000} |", row.Layers, row.Cold, row.Incremental, row.Keystroke, row.Cold / row.Layers));
report.AppendLine(string.Format(CultureInfo.InvariantCulture, "| 1 x Repeat({0:N0}) | {1:0.0} | {2:0.00} | {3:0.00} | |", repeats, Median(repeatedCold), Median(repeatedIncremental), Median(repeatedKeystroke)));
report.AppendLine();
report.AppendLine(string.Format(CultureInfo.InvariantCulture, "scaling of the cold run: 100/10 layers = {0:0.0}x, 1000/100 layers = {1:0.0}x (linear growth is 10x)",
    rows[1].Cold / rows[0].Cold, rows[2].Cold / rows[1].Cold));
report.AppendLine(string.Format(CultureInfo.InvariantCulture, "target: 100-layer cold run under 100 ms: {0}", rows[1].Cold < 100 ? "met" : "NOT met"));
report.AppendLine();
report.AppendLine("| other types in the project | rerun after an edit in the 100-layer model's file (ms) | against no other types |");
report.AppendLine("|---:|---:|---:|");
foreach (var row in project)
    report.AppendLine(string.Format(CultureInfo.InvariantCulture, "| {0:N0} | {1:0.00} | {2:0.00}x |", row.OtherTypes, row.Edit, row.Edit / project[0].Edit));
Console.Write(report.ToString());
return 0;

static double Median(List<double> values) => NpasDsl.Bench.Statistics.Median(values);

static void Check(GeneratorDriver driver, int layers)
{
    var result = driver.GetRunResult();
    if (result.Diagnostics.Length > 0 || result.GeneratedTrees.Length != 1)
        throw new InvalidOperationException($"The {layers}-layer model did not generate cleanly: {string.Join("; ", result.Diagnostics)}");
}

// `count` unrelated classes, as the rest of a project.
static string OtherTypes(int count)
{
    var text = new StringBuilder("namespace Other;\n");
    for (int i = 0; i < count; i++) text.AppendLine($"public class Type{i} {{ public int Value{i} {{ get; set; }} }}");
    return text.ToString();
}

// A model of one convolution repeated `count` times, at a 10 % budget.
static string RepeatedModel(int count)
    => "using NpasDsl; using TorchSharp.Modules; using static TorchSharp.torch;\nnamespace Bench;\n[SharedBudget(0.10)]\n" +
       "public sealed partial class Net : NpasModule {\n" +
       $"[Conv2d(16, 16, 3, Padding = 1), Repeat({count})] private partial ModuleList<SharedConv2d> Body {{ get; }}\n" +
       "public override Tensor forward(Tensor x) => x; }\n";

// A model of `layers` layer properties: conv / batch norm / linear in turn, at a 10 % budget.
static string Model(int layers)
{
    var text = new StringBuilder();
    text.AppendLine("using NpasDsl; using TorchSharp.Modules; using static TorchSharp.torch;");
    text.AppendLine("namespace Bench;");
    text.AppendLine("[SharedBudget(0.10)]");
    text.AppendLine("public sealed partial class Net : NpasModule {");
    for (int i = 0; i < layers; i++)
    {
        text.AppendLine((i % 3) switch
        {
            0 => $"[Conv2d(16, 16, 3, Padding = 1)] private partial SharedConv2d Conv{i} {{ get; }}",
            1 => $"[BatchNorm2d(16)] private partial BatchNorm2d Norm{i} {{ get; }}",
            _ => $"[Linear(64, 64)] private partial SharedLinear Linear{i} {{ get; }}",
        });
    }
    text.AppendLine("public override Tensor forward(Tensor x) => x; }");
    return text.ToString();
}
