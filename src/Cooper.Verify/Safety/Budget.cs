using System.Diagnostics;

namespace Cooper.Verify.Safety;

/// <summary>
/// A cooperative time budget for one verification: code checks <see cref="Check"/> at loop heads and
/// recursion entries, and the call unwinds with <see cref="BudgetExceededException"/> when time is up.
/// No signals, no killed threads, so verifications can run in parallel on any thread.
/// </summary>
internal sealed class Budget
{
    private readonly long _deadline;
    private int _calls;

    public Budget(TimeSpan limit)
    {
        long ticks = (long)(limit.TotalSeconds * Stopwatch.Frequency);
        _deadline = limit == Timeout.InfiniteTimeSpan ? long.MaxValue : Stopwatch.GetTimestamp() + Math.Max(ticks, 1);
    }

    /// <summary>A budget that never expires (tests, printing).</summary>
    public static Budget Unlimited => new(Timeout.InfiniteTimeSpan);

    /// <summary>Throws when the deadline has passed; reads the clock every 16th call (the clock costs ~20 ns).</summary>
    public void Check()
    {
        if ((++_calls & 15) == 0 && Stopwatch.GetTimestamp() > _deadline) throw new BudgetExceededException();
    }

    /// <summary>Reads the clock now (before expensive steps).</summary>
    public void CheckNow()
    {
        if (Stopwatch.GetTimestamp() > _deadline) throw new BudgetExceededException();
    }
}

/// <summary>The per-call time budget ran out; <see cref="MathVerifier.Verify"/> turns it into a "false" verdict.</summary>
internal sealed class BudgetExceededException : Exception
{
    public BudgetExceededException() : base("time budget exceeded") { }
}

/// <summary>Hard bounds that keep every input, however hostile, to bounded time, memory and stack.</summary>
internal static class Limits
{
    /// <summary>Longest candidate answer handed to the parser (characters).</summary>
    public const int MaxCandidateChars = 20_000;

    /// <summary>Deepest recursion the parser (about six frames per bracket level, so ~60 nested brackets),
    /// normaliser, comparer and evaluators follow.</summary>
    public const int MaxDepth = 400;

    /// <summary>Largest list, set or tuple compared element by element.</summary>
    public const int MaxElements = 400;

    /// <summary>Most ± signs expanded in one answer (2^n alternatives).</summary>
    public const int MaxPlusMinus = 5;

    /// <summary>Largest n for which n! and binomials are computed exactly.</summary>
    public const int MaxExactFactorial = 5_000;
}
