using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using NpasDsl.Generator.Model;
using NpasDsl.Planning;

namespace NpasDsl.Generator.Emitting;

/// <summary>Turns a <see cref="ModelSpec"/> into source text through the Scriban templates. Every number is formatted invariantly here.</summary>
internal static class ModelEmitter
{
    private const string Indent = "    ";

    /// <summary>
    /// Marks each generated member (never the class, which holds the user's code too, nor <c>OnCreated</c>, which the
    /// user implements) so that coverage tools and analyzers tell it from hand-written code. The version is the
    /// generator assembly's, which is the repository's VersionPrefix (Directory.Build.props): it changes with a release,
    /// not with each change to the generator, so baselines stay put between releases.
    /// </summary>
    internal static readonly string GeneratedCodeAttribute =
        "[global::System.CodeDom.Compiler.GeneratedCode(\"NpasDsl.Generator\", \""
        + typeof(ModelEmitter).Assembly.GetName().Version!.ToString(3) + "\")]";

    public static string Emit(ModelSpec model)
        => InFile(model.Namespace, model.ContainingTypes, TemplateRenderer.Render("ModelClass", new ClassView(model)));

    /// <summary>The placeholder of a model whose attributes have errors: its layer getters throw, naming the class.</summary>
    public static string Emit(PlaceholderSpec placeholder)
        => InFile(placeholder.Namespace, placeholder.ContainingTypes, TemplateRenderer.Render("ModelPlaceholder", new PlaceholderView(placeholder)));

    /// <summary>The class part inside its containing types and namespace, with the file header.</summary>
    private static string InFile(string? ns, EquatableArray<string> containingTypes, string classPart)
    {
        var classBody = classPart.TrimEnd('\n');
        var body = new StringBuilder();
        int depth = 0;
        foreach (var container in containingTypes)
        {
            body.Append(Repeat(depth)).Append(container).Append('\n').Append(Repeat(depth)).Append("{\n");
            depth++;
        }
        foreach (var line in classBody.Split('\n'))
            body.Append(line.Length == 0 ? "" : Repeat(depth) + line).Append('\n');
        for (depth--; depth >= 0; depth--) body.Append(Repeat(depth)).Append("}\n");
        return TemplateRenderer.Render("ModelFile", new FileView(ns ?? "", body.ToString().TrimEnd('\n')));
    }

    private static string Repeat(int depth) => string.Concat(Enumerable.Repeat(Indent, depth));

    internal static string Literal(long value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string Literal(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains(".") || text.Contains("E") ? text : text + ".0";
    }

    internal static string Literal(string? value) => value is null ? "null" : Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(value, quote: true);

    public sealed class FileView
    {
        public FileView(string ns, string body) { Namespace = ns; Body = body; }
        public string Namespace { get; }
        public string Body { get; }
    }

    public sealed class PlaceholderView
    {
        public PlaceholderView(PlaceholderSpec placeholder)
        {
            ClassIdentifier = placeholder.ClassIdentifier;
            ClassNameLiteral = Literal(placeholder.ClassName);
            Message = Literal($"'{placeholder.ClassName}' has errors in its NpasDsl attributes (see the NPAS diagnostics), so it has no generated code until they are fixed.");
            Properties = placeholder.Properties.Select(p => new PlaceholderPropertyView(p)).ToList();
            WithModelMembers = placeholder.WithModelMembers;
            WithConstructor = placeholder.WithModelMembers || placeholder.WithConstructor;
        }

        public string GeneratedCode => GeneratedCodeAttribute;

        public bool WithModelMembers { get; }
        public bool WithConstructor { get; }

        public string ClassIdentifier { get; }
        public string ClassNameLiteral { get; }
        public string Message { get; }
        public List<PlaceholderPropertyView> Properties { get; }
    }

    public sealed class PlaceholderPropertyView
    {
        public PlaceholderPropertyView(PlaceholderProperty property)
        {
            Modifiers = ModifierPrefix(property.Modifiers);
            Type = property.Type;
            Identifier = property.Identifier;
        }

        public string Modifiers { get; }
        public string Type { get; }
        public string Identifier { get; }
    }

    /// <summary>A property's modifiers as they precede <c>partial</c>: "private " or nothing.</summary>
    private static string ModifierPrefix(string modifiers) => modifiers.Length == 0 ? "" : modifiers + " ";

    public sealed class ClassView
    {
        public ClassView(ModelSpec model)
        {
            ClassName = model.ClassName;
            ClassIdentifier = model.ClassIdentifier;
            var network = model.Network;
            var spec = NetworkSpecBuilder.Build(network);
            Summary = string.Format(CultureInfo.InvariantCulture, "{0} layers, {1:N0} parameters unshared, budget {2}",
                spec.Layers.Sum(l => l.Count), spec.UnsharedParameters, spec.Budget);
            BudgetExpression = network.Budget.IsFraction
                ? "global::NpasDsl.Planning.BudgetSpec.Fraction(" + Literal(network.Budget.Fraction) + ")"
                : "global::NpasDsl.Planning.BudgetSpec.Parameters(" + Literal(network.Budget.Parameters) + ")";
            var s = network.Sharing;
            var options = new List<string>
            {
                "strategy: global::NpasDsl.GroupStrategy." + s.Strategy,
                "combiner: global::NpasDsl.Combiner." + s.Combiner,
                "upsampler: global::NpasDsl.Upsampler." + s.Upsampler,
                "maxTemplates: " + Literal(s.MaxTemplates),
                "seed: " + Literal(s.Seed),
                "bankSplit: global::NpasDsl.BankSplit." + s.BankSplit,
            };
            // Written only when set, so that declarations without these options generate what they always did.
            if (s.CoefficientSharing != CoefficientSharing.None) options.Add("coefficientSharing: global::NpasDsl.CoefficientSharing." + s.CoefficientSharing);
            if (s.MaskPeriod != SharingDefaults.MaskPeriod) options.Add("maskPeriod: " + Literal(s.MaskPeriod));
            // One option a line, below 'sharing:' (ModelClass.scriban): on one line they made the longest line of every file (280 characters and more).
            const string continuation = "\n" + Indent + Indent + Indent;
            SharingExpression = "new global::NpasDsl.Planning.SharingSpec(" + continuation + string.Join("," + continuation, options) + ")";
            Layers = network.Layers.Zip(model.Declarations, (layer, declaration) => new LayerView(layer, declaration)).ToList();
        }

        public string GeneratedCode => GeneratedCodeAttribute;
        public string ClassName { get; }
        public string ClassIdentifier { get; }
        public string Summary { get; }
        public string BudgetExpression { get; }
        public string SharingExpression { get; }
        public List<LayerView> Layers { get; }
    }

    public sealed class LayerView
    {
        public LayerView(LayerModel layer, LayerDeclaration declaration)
        {
            Name = layer.Name;
            Identifier = declaration.Identifier;
            FieldName = declaration.FieldName;
            PropertyType = declaration.Type;
            Modifiers = ModifierPrefix(declaration.Modifiers);
            // base.: a member of the user's own named CreateLinear or CreateList must not be called instead.
            string factory = "base.Create" + layer.Kind;
            CreateExpression = layer.Repeat > 0 ? $"base.CreateList({Literal(layer.Name)}, {factory})" : $"{factory}({Literal(layer.Name)})";
            SpecExpression = SpecCall(layer);
            var spec = NetworkSpecBuilder.ToSpec(layer);
            string what = layer.Kind.HasShareableWeight() ? $"{layer.Kind.DisplayName()} {spec.ShapeText}" : $"{layer.Kind.DisplayName()} over {Literal(layer.In)} features";
            string how = !layer.Kind.HasShareableWeight() ? "never shared" : layer.NoShare ? "own weight ([NoShare])" : layer.Group is null ? "weight drawn from a bank (or its own, where the budget pays its group in full)"
                : $"weight drawn from the bank of group '{layer.Group}' (or its own, where the budget pays the group in full)";
            if (layer.ShareRate > 0) how += $", every {Literal(layer.ShareRate)} repeats ({layer.Mapping.ToString().ToLowerInvariant()}) sharing one weight set";
            Comment = (layer.Repeat > 0 ? Literal(layer.Repeat) + " x " : "") + what + ", " + how + ".";
        }

        public string Name { get; }
        public string Identifier { get; }
        public string FieldName { get; }
        public string PropertyType { get; }
        public string Modifiers { get; }
        public string CreateExpression { get; }
        public string SpecExpression { get; }
        public string Comment { get; }

        /// <summary>
        /// Columns a layer's row of the declared network may take (ModelClass.scriban indents it by 12) before its sharing
        /// arguments go on a line of their own: SPIN's four made the row of a repeated, grouped layer 225 characters long.
        /// </summary>
        private const int RowWidth = 180;

        private static string SpecCall(LayerModel layer)
        {
            string call = "global::NpasDsl.Planning.LayerSpec." + layer.Kind + "(";
            var shape = SpecArguments(layer).ToList();
            var sharing = SharingArguments(layer).ToList();
            string oneLine = call + string.Join(", ", shape.Concat(sharing)) + ")";
            if (sharing.Count == 0 || 3 * Indent.Length + oneLine.Length + 1 <= RowWidth) return oneLine;
            // One indent more than the row: Scriban starts each line of a value with the indentation of the line it is written on.
            return call + string.Join(", ", shape) + ",\n" + Indent + string.Join(", ", sharing) + ")";
        }

        /// <summary>The arguments that say how the layer shares: its repeats, [NoShare], [ShareGroup] and SPIN's rate and mapping.</summary>
        private static IEnumerable<string> SharingArguments(LayerModel l)
        {
            if (l.Repeat > 0) yield return "repeat: " + Literal(l.Repeat);
            if (l.NoShare) yield return "noShare: true";
            if (l.Group is not null) yield return "group: " + Literal(l.Group);
            if (l.ShareRate > 0) yield return "shareRate: " + Literal(l.ShareRate);
            if (l.Mapping != ShareMapping.Sequential) yield return "mapping: global::NpasDsl.ShareMapping." + l.Mapping;
        }

        /// <summary>The arguments that say what the layer is: its name, sizes, convolution options and bias.</summary>
        private static IEnumerable<string> SpecArguments(LayerModel l)
        {
            yield return Literal(l.Name);
            switch (l.Kind)
            {
                case LayerKind.Linear:
                    yield return "inFeatures: " + Literal(l.In);
                    yield return "outFeatures: " + Literal(l.Out);
                    break;
                case LayerKind.Embedding:
                    yield return "count: " + Literal(l.In);
                    yield return "dimension: " + Literal(l.Out);
                    break;
                case LayerKind.BatchNorm2d:
                case LayerKind.LayerNorm:
                    yield return "features: " + Literal(l.In);
                    break;
                default:
                    yield return "inChannels: " + Literal(l.In);
                    yield return "outChannels: " + Literal(l.Out);
                    if (l.Kind == LayerKind.Conv1d) yield return "kernelSize: " + Literal(l.KernelHeight);
                    else
                    {
                        yield return "kernelHeight: " + Literal(l.KernelHeight);
                        yield return "kernelWidth: " + Literal(l.KernelWidth);
                    }
                    if (l.Stride != 1) yield return "stride: " + Literal(l.Stride);
                    if (l.Padding != 0) yield return "padding: " + Literal(l.Padding);
                    if (l.Dilation != 1) yield return "dilation: " + Literal(l.Dilation);
                    if (l.Groups != 1) yield return "groups: " + Literal(l.Groups);
                    break;
            }
            if (!l.Bias && l.Kind is LayerKind.Linear or LayerKind.Conv1d or LayerKind.Conv2d) yield return "bias: false";
        }
    }
}
