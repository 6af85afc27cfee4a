namespace Cooper.Verify;

/// <summary>The rule that decided a verdict (docs/VERIFIER.md describes each).</summary>
public enum VerdictRule
{
    /// <summary>Both values are rational and exactly equal.</summary>
    ExactRational,
    /// <summary>A decimal literal on either side; both rounded to FloatRounding places agree.</summary>
    NumericRounded,
    /// <summary>Irrational constants agree to NumericPrecision digits.</summary>
    NumericTolerance,
    /// <summary>Expressions with free variables agree at every seeded sample point.</summary>
    SymbolicSampling,
    /// <summary>Identical canonical form (used where numbers cannot decide, e.g. 10^{10^{10}}).</summary>
    Structural,
    /// <summary>Identical extracted text (neither side parsed).</summary>
    StringMatch,
    /// <summary>Same words or choice letter after normalisation ("\text{(C)}" vs "C").</summary>
    TextMatch,
    /// <summary>Unordered collections whose elements match one to one (duplicates ignored).</summary>
    SetMatch,
    /// <summary>Ordered tuples or matrices matching element by element.</summary>
    ElementWise,
    /// <summary>Intervals, unions of intervals, or a relation read as the set it describes.</summary>
    IntervalMatch,
    /// <summary>Equations or inequalities with the same solution set (same sides, flipped, or scaled).</summary>
    RelationMatch,
    /// <summary>An assignment "x = v" compared through its value v.</summary>
    AssignmentValue,
    /// <summary>Lists of solutions written as assignments ("x=1, y=2; x=3, y=4") matched per solution, against
    /// each other by variable name or against tuples ("(1, 2), (3, 4)") in the order the variables were written.</summary>
    SolutionMatch,
    /// <summary>p% matched against p or p/100.</summary>
    Percent,
    /// <summary>No rule applies: not equivalent.</summary>
    NotEquivalent,
    /// <summary>The gold text yielded no answer.</summary>
    NoGoldAnswer,
    /// <summary>The prediction yielded no answer.</summary>
    NoPredictionAnswer,
    TimeBudgetExceeded,
    InputTooLarge,
    /// <summary>Invalid options or an internal failure (reported in the reason; never thrown).</summary>
    Error,
}

/// <summary>
/// A verification's outcome and its explanation: what was extracted from each side and the rule that decided.
/// </summary>
/// <param name="IsEquivalent">Whether the prediction's answer equals the gold answer.</param>
/// <param name="Reason">One human-readable sentence: the rule and the compared forms.</param>
/// <param name="GoldExtracted">The gold answer as extracted (the text of the winning candidate), or null.</param>
/// <param name="PredictionExtracted">The prediction's answer as extracted, or null.</param>
/// <param name="Rule">The deciding rule.</param>
public sealed record Verdict(bool IsEquivalent, string Reason, string? GoldExtracted, string? PredictionExtracted, VerdictRule Rule);
