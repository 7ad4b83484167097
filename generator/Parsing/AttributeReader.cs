using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NpasDsl.Generator.Parsing;

/// <summary>Reads attribute arguments and finds the syntax of each, so a diagnostic can point at the argument at fault.</summary>
internal sealed class AttributeReader
{
    private readonly AttributeData _data;
    private readonly AttributeSyntax? _syntax;
    private readonly Compilation _compilation;
    private readonly CancellationToken _cancellationToken;

    public AttributeReader(AttributeData data, Compilation compilation, CancellationToken cancellationToken)
    {
        _data = data;
        _compilation = compilation;
        _cancellationToken = cancellationToken;
        _syntax = data.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
    }

    /// <summary>The attribute's short name, as a user writes it: <c>Conv2d</c>.</summary>
    public string ShortName => ShortNameOf(_data);

    /// <summary>An attribute's short name, as a user writes it: <c>Conv2d</c>.</summary>
    public static string ShortNameOf(AttributeData data)
    {
        var name = data.AttributeClass?.Name ?? "?";
        return name.EndsWith("Attribute", System.StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;
    }

    /// <summary>
    /// Whether the compiler bound the attribute to a constructor and it is typed out (false on half-typed code such as
    /// <c>[SharedBudget(]</c>, which binds to the parameterless constructor but is a syntax error the compiler reports,
    /// on a named argument given twice, <c>[SharedBudget(Parameters = 5, Parameters = 600)]</c>, and on an argument the
    /// compiler refuses to convert, <c>[SharedBudget(Parameters = 1e6)]</c>).
    /// </summary>
    public bool IsBound => _data.AttributeConstructor is not null && !HasSyntaxErrors
        && _data.ConstructorArguments.All(a => a.Kind != TypedConstantKind.Error)
        && _data.NamedArguments.All(a => a.Value.Kind != TypedConstantKind.Error)
        // One named argument given twice is the compiler's CS0643; which of the two is meant is the user's to say.
        && _data.NamedArguments.Select(a => a.Key).Distinct().Count() == _data.NamedArguments.Length
        && !NeedsARefusedConversion;

    /// <summary>
    /// Whether an argument needs an explicit conversion, which an attribute argument cannot have (CS0266). The binder still
    /// hands the attribute the converted constant where it is exact (<c>1e6</c> as the <see langword="long"/> 1,000,000),
    /// so only the argument's own conversion tells the compiler's error from a value to plan with.
    /// </summary>
    private bool NeedsARefusedConversion
    {
        get
        {
            if (_syntax?.ArgumentList is not { Arguments.Count: > 0 } list) return false;
            // Most arguments are integer, bool or string literals, which need no conversion an attribute refuses; binding the
            // rest alone keeps a semantic model out of the common case (it made each edit of a 1,000-layer model a quarter slower).
            var doubtful = list.Arguments.Where(a => !IsPlainLiteral(a.Expression)).ToList();
            if (doubtful.Count == 0) return false;
            var model = _compilation.GetSemanticModel(_syntax.SyntaxTree);
            return doubtful.Any(a => model.GetConversion(a.Expression, _cancellationToken) is { Exists: true, IsImplicit: false });
        }
    }

    /// <summary>An int, bool or string literal (negated ints too): every parameter type that takes one takes it implicitly, or the binder reports an error constant.</summary>
    private static bool IsPlainLiteral(ExpressionSyntax expression)
    {
        if (expression is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression } negated) expression = negated.Operand;
        return expression is LiteralExpressionSyntax literal && literal.Token.Value is int or bool or string;
    }

    private bool HasSyntaxErrors => SyntaxErrors.In(_syntax);

    public int PositionalCount => _data.ConstructorArguments.Length;

    public Location? Location => _syntax?.GetLocation();

    public T Positional<T>(int index, T fallback)
        => index < _data.ConstructorArguments.Length && _data.ConstructorArguments[index].Value is T value ? value : fallback;

    public bool HasNamed(string name) => _data.NamedArguments.Any(a => a.Key == name);

    public T Named<T>(string name, T fallback)
    {
        foreach (var pair in _data.NamedArguments)
            if (pair.Key == name && pair.Value.Kind != TypedConstantKind.Error && pair.Value.Value is T value) return value;
        return fallback;
    }

    /// <summary>
    /// The location of the argument for the constructor's parameter <paramref name="index"/>, or of the whole attribute.
    /// Arguments may name their parameter (<c>[Linear(outFeatures: 10, inFeatures: 0)]</c>): an argument written in
    /// position i without a name is parameter i's, a named one is its parameter's wherever it stands.
    /// </summary>
    public Location? PositionalLocation(int index)
    {
        var parameters = _data.AttributeConstructor?.Parameters;
        var arguments = _syntax?.ArgumentList?.Arguments.Where(a => a.NameEquals is null).ToList();
        if (parameters is not { } list || arguments is null || index >= list.Length) return Location;
        string wanted = list[index].Name;
        for (int i = 0; i < arguments.Count; i++)
        {
            string? parameter = arguments[i].NameColon?.Name.Identifier.ValueText ?? (i < list.Length ? list[i].Name : null);
            if (parameter == wanted) return arguments[i].GetLocation();
        }
        return Location;
    }

    /// <summary>The location of named argument <paramref name="name"/>, or of the whole attribute.</summary>
    public Location? NamedLocation(string name)
        => _syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)?.GetLocation() ?? Location;
}
