namespace Cooper.Verify;

/// <summary>Which \boxed{} answers count.</summary>
public enum BoxedMode
{
    /// <summary>The last box, joined with the boxes just before it when only connectors ("and", ",", \quad)
    /// separate them: "\boxed{-2} and \boxed{1}" is the answer {−2, 1}.</summary>
    LastGroup,

    /// <summary>Only the last box.</summary>
    Last,

    /// <summary>Every box in the text, as one list.</summary>
    All,
}

/// <summary>
/// What to extract from an answer text, combinable like Math-Verify's extraction configs:
/// LaTeX (in $…$, \(…\), \[…\], \boxed{}), plain expressions and numbers ("2*pi", "1,000.5", "28 pct"),
/// and strings (multiple-choice letters, or free-form words when <see cref="Choices"/> is empty).
/// </summary>
public sealed record ExtractionTargets
{
    /// <summary>LaTeX and plain expressions: Math-Verify's default.</summary>
    public static ExtractionTargets LatexAndExpr { get; } = new();

    public static ExtractionTargets LatexOnly { get; } = new() { Expr = false };

    public static ExtractionTargets ExprOnly { get; } = new() { Latex = false };

    /// <summary>Multiple choice A–E (boxed, "answer is (C)", a lone "(C)").</summary>
    public static ExtractionTargets MultipleChoice { get; } = new() { Latex = false, Expr = false, Strings = true };

    /// <summary>Everything: LaTeX, expressions and free-form words.</summary>
    public static ExtractionTargets Everything { get; } = new() { Strings = true, Choices = [] };

    public bool Latex { get; init; } = true;

    public bool Expr { get; init; } = true;

    /// <summary>Extract <see cref="Choices"/> (or, when empty, the words after an answer anchor).</summary>
    public bool Strings { get; init; }

    /// <summary>The allowed strings; case-insensitive. Default: the letters A–E.</summary>
    public IReadOnlyList<string> Choices { get; init; } = ["A", "B", "C", "D", "E"];

    public BoxedMode Boxed { get; init; } = BoxedMode.LastGroup;

    /// <summary>
    /// Where \boxed{} ranks among the anchors, 0 (first) to 5 (with unanchored LaTeX). The fixed ranks are
    /// 0 "final answer is … I hope", 1 "final answer … is" and "#### N", 3 "answer:", 4 "the answer is",
    /// 5 anything else. Default 2, i.e. after the explicit final-answer phrases (Math-Verify: 55, between its 50 and 100).
    /// </summary>
    public int BoxedPriority { get; init; } = 2;

    public void Validate()
    {
        if (!Latex && !Expr && !Strings)
            throw new ArgumentException("ExtractionTargets selects nothing: enable Latex, Expr or Strings");
        if (BoxedPriority is < 0 or > 5)
            throw new ArgumentException($"BoxedPriority must be in [0, 5], got {BoxedPriority}", nameof(BoxedPriority));
        ArgumentNullException.ThrowIfNull(Choices);
    }

    /// <summary>Targets from Math-Verify match-type names: "latex", "expr", "string".</summary>
    public static ExtractionTargets FromNames(IEnumerable<string> names)
    {
        bool latex = false, expr = false, strings = false;
        foreach (var n in names)
        {
            switch (n.Trim().ToLowerInvariant())
            {
                case "latex": latex = true; break;
                case "expr": expr = true; break;
                case "string" or "strings" or "nativeletters" or "letters": strings = true; break;
                default: throw new ArgumentException($"unknown match type '{n}': use latex, expr or string");
            }
        }
        return new ExtractionTargets { Latex = latex, Expr = expr, Strings = strings };
    }
}
