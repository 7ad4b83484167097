using System.Linq;
using Microsoft.CodeAnalysis;

namespace NpasDsl.Generator.Parsing;

/// <summary>Whether the parser reported an error inside a piece of syntax: code still being typed, which the compiler's own error covers.</summary>
internal static class SyntaxErrors
{
    /// <summary>
    /// Errors only: a <c>#warning</c> or an unknown <c>#pragma</c> inside the node is a warning, and the code is whole.
    /// False for no node.
    /// </summary>
    public static bool In(SyntaxNode? node) => node is { ContainsDiagnostics: true } && node.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
}
