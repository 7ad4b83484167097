using System;

namespace NpasDsl.GroupSearch;

/// <summary>
/// A group search whose warm-up loss became NaN or infinite: the coefficients or gradients it would group by carry no
/// information, so it stops rather than return groups found from noise. <see cref="Problem"/> says what happened;
/// the message adds the fix in the library's terms, and a command line can give its own (<see cref="Problem"/> plus its options).
/// </summary>
public sealed class GroupSearchDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception; the message is <paramref name="problem"/>, then "; ", then <paramref name="fix"/>.</summary>
    public GroupSearchDivergedException(string problem, string fix) : base($"{problem}; {fix}") => Problem = problem;

    /// <summary>What diverged, without the fix (e.g. "The group-search warm-up loss became NaN at step 12").</summary>
    public string Problem { get; }
}
