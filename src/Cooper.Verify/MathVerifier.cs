using Cooper.Verify.Equivalence;
using Cooper.Verify.Extraction;
using Cooper.Verify.Safety;

namespace Cooper.Verify;

/// <summary>
/// The rule-based math answer verifier: a native re-implementation of Hugging Face's Math-Verify
/// (extraction priorities, LaTeX and plain-math parsing, equivalence rules) with its known false
/// positives and negatives fixed (docs/VERIFIER.md). Deterministic, thread-safe (no shared mutable
/// state), bounded in time, depth and input size, and no exception ever escapes <see cref="Verify"/>.
/// <code>
/// MathVerifier.Verify("$\\frac{1}{2}$", "so the answer is \\boxed{0.5}").IsEquivalent   // true
/// MathVerifier.Score(completion, "18")                                                 // the rule reward
/// </code>
/// </summary>
public static class MathVerifier
{
    /// <summary>
    /// Extracts the answers of <paramref name="gold"/> and <paramref name="prediction"/> and decides whether
    /// they are equivalent. Never throws: bad options, oversize inputs, exhausted budgets and internal
    /// failures all come back as a false verdict whose <see cref="Verdict.Rule"/> says why.
    /// </summary>
    public static Verdict Verify(string gold, string prediction, VerifyOptions? options = null)
    {
        options ??= VerifyOptions.Default;
        gold ??= "";
        prediction ??= "";
        string? goldText = null, predText = null;
        try
        {
            options.Validate();
            if (gold.Length > options.MaxInputChars || prediction.Length > options.MaxInputChars)
                return new Verdict(false, $"input longer than MaxInputChars={options.MaxInputChars}", null, null, VerdictRule.InputTooLarge);
            var budget = new Budget(options.TimeBudget);
            var g = AnswerExtractor.Extract(gold, options.GoldTargets, budget);
            goldText = g.Text;
            var p = AnswerExtractor.Extract(prediction, options.PredictionTargets, budget);
            predText = p.Text;
            if (g.Text.Length == 0) return new Verdict(false, "no answer found in the gold text", null, p.Text, VerdictRule.NoGoldAnswer);
            if (p.Text.Length == 0) return new Verdict(false, "no answer found in the prediction", g.Text, null, VerdictRule.NoPredictionAnswer);

            var (equal, rule) = new Comparer(options, budget).Compare(g.Node, p.Node);
            if (!equal && Normalized(g.Text) == Normalized(p.Text))
                (equal, rule) = (true, VerdictRule.StringMatch);
            var forms = $"gold {Describe(g)} vs prediction {Describe(p)}";
            var reason = equal ? $"equivalent by {RuleText(rule)}: {forms}" : $"not equivalent: {forms}";
            return new Verdict(equal, reason, g.Text, p.Text, rule);
        }
        catch (BudgetExceededException)
        {
            return new Verdict(false, $"time budget of {options.TimeBudget.TotalMilliseconds:0} ms exceeded", goldText, predText, VerdictRule.TimeBudgetExceeded);
        }
        catch (ArgumentException e)
        {
            return new Verdict(false, $"invalid options: {e.Message}", goldText, predText, VerdictRule.Error);
        }
        catch (Exception e)
        {
            return new Verdict(false, $"internal error ({e.GetType().Name}): {e.Message}", goldText, predText, VerdictRule.Error);
        }
    }

    /// <summary>
    /// The rule reward: whether the completion's final answer (\boxed{}, "#### N", "The answer is N", …) equals
    /// <paramref name="referenceAnswer"/> (read as LaTeX or a plain expression). Thread-safe; microseconds per call.
    /// </summary>
    public static bool Score(string completion, string referenceAnswer) =>
        Verify(AsGold(referenceAnswer), completion).IsEquivalent;

    /// <summary>
    /// A dataset's reference answer as a gold string. References are bare answers (<c>\frac{3}{4}</c>,
    /// <c>18</c>, <c>40\%</c>) without the <c>$…$</c> a LaTeX extractor anchors on, so a bare one is
    /// wrapped in <c>$…$</c>; already-delimited or boxed references are kept as they are.
    /// </summary>
    public static string AsGold(string referenceAnswer)
    {
        var r = referenceAnswer?.Trim() ?? "";
        if (r.Length == 0 || r.Contains('$') || r.Contains("\\boxed", StringComparison.Ordinal) || r.Contains("\\(", StringComparison.Ordinal) || r.Contains("\\[", StringComparison.Ordinal))
            return referenceAnswer ?? "";
        return "$" + r + "$";
    }

    /// <summary>
    /// Extracts the answer(s) of a text by the priority scheme. The list holds the winning candidate, or the
    /// raw-string fallback (<see cref="ParsedAnswer.IsParsed"/> false) when nothing parsed; it is empty only
    /// when the default time budget ran out.
    /// </summary>
    public static IReadOnlyList<ParsedAnswer> Parse(string text, ExtractionTargets targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        targets.Validate();
        var budget = new Budget(VerifyOptions.Default.TimeBudget);
        try { return [AnswerExtractor.Extract(text ?? "", targets, budget)]; }
        catch (BudgetExceededException) { return []; }
    }

    /// <summary>
    /// The text of the answer a completion commits to (e.g. the content of its last \boxed{}, the number after
    /// "####", the last number of the text), or null when it holds none. Boxes chained by "and" come back
    /// joined by ", ", so the result is not always a substring of the completion.
    /// </summary>
    public static string? ExtractFinalAnswer(string completion)
    {
        if (string.IsNullOrWhiteSpace(completion)) return null;
        try
        {
            var a = AnswerExtractor.Extract(completion, ExtractionTargets.LatexAndExpr, new Budget(VerifyOptions.Default.TimeBudget));
            return a.Source == AnswerSource.RawText ? null : a.Text.Trim();
        }
        catch (Exception) { return null; }
    }

    private static string Normalized(string s) => string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static string Describe(ParsedAnswer a)
    {
        string shown;
        try { shown = a.IsParsed ? a.Canonical : $"\"{a.Text}\" (unparsed)"; }
        catch (Exception) { shown = a.Text; }
        if (shown.Length > 200) shown = shown[..200] + "…";
        return $"{shown} [{a.Source}]";
    }

    private static string RuleText(VerdictRule rule) => rule switch
    {
        VerdictRule.ExactRational => "exact rational equality",
        VerdictRule.NumericRounded => "rounded decimal equality",
        VerdictRule.NumericTolerance => "numeric equality",
        VerdictRule.SymbolicSampling => "equality at seeded sample points",
        VerdictRule.Structural => "identical canonical form",
        VerdictRule.StringMatch => "identical answer text",
        VerdictRule.TextMatch => "matching words",
        VerdictRule.SetMatch => "matching sets",
        VerdictRule.ElementWise => "element-wise equality",
        VerdictRule.IntervalMatch => "equal sets of reals",
        VerdictRule.RelationMatch => "equivalent relations",
        VerdictRule.AssignmentValue => "the assigned value",
        VerdictRule.SolutionMatch => "matching solutions",
        VerdictRule.Percent => "percentage",
        _ => rule.ToString(),
    };
}
