using Cooper.Verify.Parsing;

namespace Cooper.Verify;

/// <summary>Where in the text an answer was found (the extraction priority it came from).</summary>
public enum AnswerSource
{
    /// <summary>"The final answer is X. I hope it is correct."</summary>
    FinalAnswerHope,
    /// <summary>"Final answer: … is X".</summary>
    FinalAnswerIs,
    /// <summary>GSM8K's "#### X".</summary>
    Hashes,
    /// <summary>\boxed{X} (and the boxes chained to it).</summary>
    Boxed,
    /// <summary>"Answer: X", "A: X".</summary>
    AnswerColon,
    /// <summary>"the answer is X".</summary>
    AnswerIs,
    /// <summary>The rightmost $…$, $$…$$, \(…\) or \[…\].</summary>
    LatexEnvironment,
    /// <summary>LaTeX without delimiters: the whole text, the formula ending its last line, or a
    /// \frac{a}{b} of plain numbers (Math-Verify's bare-fraction rule).</summary>
    BareLatex,
    /// <summary>The rightmost plain number or expression.</summary>
    Expression,
    /// <summary>A multiple-choice letter or listed string.</summary>
    Choice,
    /// <summary>Nothing parsed: the raw text, compared as a string.</summary>
    RawText,
}

/// <summary>
/// One extracted answer: the text it came from, its canonical LaTeX when it parsed, and where it was found.
/// </summary>
public sealed record ParsedAnswer
{
    internal ParsedAnswer(string text, Node node, AnswerSource source, bool parsed)
    {
        Text = text;
        Node = node;
        Source = source;
        IsParsed = parsed;
    }

    /// <summary>The candidate text as found (e.g. the content of the last \boxed{}).</summary>
    public string Text { get; }

    public AnswerSource Source { get; }

    /// <summary>False when nothing parsed and <see cref="Text"/> is kept as a string fallback.</summary>
    public bool IsParsed { get; }

    /// <summary>The parsed expression printed as canonical LaTeX.</summary>
    public string Canonical => Printer.Print(Node);

    internal Node Node { get; }

    public override string ToString() => $"{Source}: {Text}";
}
