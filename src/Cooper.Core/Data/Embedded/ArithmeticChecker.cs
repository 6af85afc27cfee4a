using System.Text.RegularExpressions;

namespace Cooper.Data.Embedded;

/// <summary>One <c>a op b = c</c> equation found in a completion and whether it holds.</summary>
public sealed record ArithmeticStep(string Text, string Computed, bool Correct);

/// <summary>
/// The checker's verdict: <see cref="Correct"/> is true, false, or null when the completion gives no
/// final answer (no label); <see cref="Reason"/> says why in one line.
/// </summary>
public sealed record ArithmeticCheckResult(bool? Correct, string Reason, IReadOnlyList<ArithmeticStep> Steps, string? FinalAnswer);

/// <summary>
/// A step-checking judge for arithmetic word problems, the default stand-in for an LLM judge on the
/// embedded task. Written independently of the rule verifier (its own extraction and number parsing),
/// so the two can disagree and be compared.
/// <list type="number">
/// <item>Every equation <c>a op b [op c …] = r</c> (operators <c>+ - * /</c>, also <c>×ײ÷ \times \cdot \div</c>;
/// numbers may be decimals, <c>1,234</c>, <c>$5</c> or <c>\frac{a}{b}</c>; usual precedence) is recomputed
/// exactly. An equation touching a letter, a bracket, an exponent or a percent sign is not judged. A
/// written result with d decimal places may be rounded or truncated (error &lt; 10^-d) only when the exact
/// value needs more than d places. Any wrong step makes the completion incorrect.</item>
/// <item>The final answer is the last <c>\boxed{...}</c>, else the text after the last "answer is", else
/// after the last <c>####</c>; none → no label (null).</item>
/// <item>It is compared with the reference as a number: <c>\frac{3}{4}</c> = <c>3/4</c> = <c>0.75</c>;
/// <c>75\%</c> matches <c>75</c> and <c>0.75</c>; a decimal with two or more places matches a fraction it
/// rounds (<c>0.33</c> ~ <c>\frac{1}{3}</c>). Non-numeric references are compared as text, spaces ignored.</item>
/// </list>
/// </summary>
public static partial class ArithmeticChecker
{
    // A number: \frac{a}{b}, 1,234.5, 12.5, .5, optionally after $ or \$.
    private const string Number = @"(?:\\?\$\s*)?(?:\\[dt]?frac\{\s*\d+(?:\.\d+)?\s*\}\{\s*\d+(?:\.\d+)?\s*\}|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)";
    private const string Operator = @"(?:\s*(?:[+\-*/×÷·−]|\\times|\\cdot|\\div)\s*|\s+x\s+)";

    /// <summary>Checks <paramref name="completion"/> against <paramref name="referenceAnswer"/>.</summary>
    public static ArithmeticCheckResult Check(string completion, string referenceAnswer)
    {
        var steps = FindSteps(completion);
        var final = FinalAnswer(completion);
        int wrong = steps.FindIndex(s => !s.Correct);
        if (wrong >= 0)
            return new(false, $"step {wrong + 1} '{steps[wrong].Text}' is wrong: it comes to {steps[wrong].Computed}", steps, final);
        if (final is null)
            return new(null, "no final answer (no \\boxed{}, 'the answer is' or '####')", steps, null);
        bool match = AnswersMatch(final, referenceAnswer);
        string checkedSteps = steps.Count == 1 ? "1 step checks out" : $"{steps.Count} steps check out";
        return match
            ? new(true, $"{checkedSteps} and the final answer {final} matches the reference {referenceAnswer}", steps, final)
            : new(false, $"{checkedSteps} but the final answer {final} does not match the reference {referenceAnswer}", steps, final);
    }

    /// <summary>Every judged equation in <paramref name="text"/>, in order.</summary>
    public static List<ArithmeticStep> FindSteps(string text)
    {
        var steps = new List<ArithmeticStep>();
        int at = 0;
        for (var m = StepPattern().Match(text, at); m.Success; m = StepPattern().Match(text, at))
        {
            var lhs = m.Groups["lhs"].Value;
            var rhs = m.Groups["rhs"].Value;
            var stepText = $"{lhs.Trim()}={rhs.Trim()}";
            var value = Evaluate(lhs);
            if (value is null) steps.Add(new ArithmeticStep(stepText, "undefined (division by zero)", false));
            else if (ParseOperand(rhs.Trim(), out var written, out int places))
                steps.Add(new ArithmeticStep(stepText, value.Value.ToString(), Close(value.Value, written, places)));
            // Continue from the result, so chains like 3*4=12+5=17 are judged link by link.
            at = m.Groups["rhs"].Index;
        }
        return steps;
    }

    /// <summary>The completion's final answer text (see the class summary), or null.</summary>
    public static string? FinalAnswer(string completion)
    {
        if (BoxedAnswer.Last(completion) is { Length: > 0 } boxed) return boxed;
        int at = completion.LastIndexOf("answer is", StringComparison.OrdinalIgnoreCase);
        if (at >= 0 && TrimAnswer(completion[(at + "answer is".Length)..]) is { Length: > 0 } said) return said;
        at = completion.LastIndexOf("####", StringComparison.Ordinal);
        if (at >= 0 && TrimAnswer(completion[(at + 4)..]) is { Length: > 0 } hashed) return hashed;
        return null;
    }

    /// <summary>Whether <paramref name="answer"/> and <paramref name="reference"/> are the same number (or the same text when not numbers).</summary>
    public static bool AnswersMatch(string answer, string reference)
    {
        var a = ParseAnswer(answer);
        var r = ParseAnswer(reference);
        if (a is null || r is null)
            return a is null && r is null && NormalizeText(answer) == NormalizeText(reference);
        foreach (var x in Readings(a.Value))
            foreach (var y in Readings(r.Value))
                if (Close(x.Value, y.Value, y.Places, minPlaces: 2) || Close(y.Value, x.Value, x.Places, minPlaces: 2)) return true;
        return false;
    }

    private static IEnumerable<(Rational Value, int Places)> Readings((Rational Value, int Places, bool Percent) n)
    {
        yield return (n.Value, n.Places);
        if (n.Percent) yield return (n.Value / new Rational(100, 1), n.Places < 0 ? -1 : n.Places + 2);
    }

    /// <summary>
    /// Whether <paramref name="written"/> (with <paramref name="places"/> decimals; −1 for an integer or
    /// fraction) stands for <paramref name="exact"/>: equal, or — when it has at least <paramref name="minPlaces"/>
    /// places and exact needs more — within 10^-places (rounded or truncated).
    /// </summary>
    private static bool Close(Rational exact, Rational written, int places, int minPlaces = 1)
    {
        if (exact == written) return true;
        if (places < minPlaces || exact.FitsPlaces(places)) return false;
        return (exact - written).Abs() < Rational.Unit(places);
    }

    /// <summary>Evaluates <c>a op b op c…</c> with * and / before + and -; null on division by zero.</summary>
    private static Rational? Evaluate(string expression)
    {
        var operands = new List<Rational>();
        var ops = new List<char>();
        int at = 0;
        foreach (Match m in OperandOrOperator().Matches(expression))
        {
            if (m.Index != at && expression[at..m.Index].Trim().Length > 0) return null;
            at = m.Index + m.Length;
            if (m.Groups["op"].Success) ops.Add(CanonicalOperator(m.Groups["op"].Value.Trim()));
            else if (ParseOperand(m.Value, out var v, out _)) operands.Add(v);
            else return null;
        }
        if (operands.Count != ops.Count + 1) return null;
        // First pass: fold * and / into the running term; second: sum the terms.
        var terms = new List<Rational> { operands[0] };
        var signs = new List<char> { '+' };
        for (int i = 0; i < ops.Count; i++)
        {
            var next = operands[i + 1];
            switch (ops[i])
            {
                case '*': terms[^1] *= next; break;
                case '/':
                    if (next.Num.IsZero) return null;
                    terms[^1] /= next;
                    break;
                default: terms.Add(next); signs.Add(ops[i]); break;
            }
        }
        var total = Rational.Zero;
        for (int i = 0; i < terms.Count; i++) total = signs[i] == '-' ? total - terms[i] : total + terms[i];
        return total;
    }

    private static char CanonicalOperator(string op) => op switch
    {
        "+" => '+',
        "-" or "−" => '-',
        "*" or "×" or "·" or "x" or "\\times" or "\\cdot" => '*',
        _ => '/',
    };

    /// <summary>One number as the step pattern matches it: <c>$1,234.5</c>, <c>\frac{3}{4}</c>, <c>-2</c>.</summary>
    private static bool ParseOperand(string text, out Rational value, out int places)
    {
        text = text.Replace("\\$", "").Replace("$", "").Replace(",", "").Replace(" ", "");
        var frac = FracPattern().Match(text);
        if (frac.Success)
        {
            places = -1;
            bool negative = text.StartsWith('-');
            if (Rational.TryParseDecimal(frac.Groups["num"].Value, out var num, out _)
                && Rational.TryParseDecimal(frac.Groups["den"].Value, out var den, out _) && !den.Num.IsZero)
            {
                value = negative ? Rational.Zero - num / den : num / den;
                return true;
            }
            value = Rational.Zero;
            return false;
        }
        return Rational.TryParseDecimal(text, out value, out places);
    }

    /// <summary>
    /// A final answer as a number: strips <c>$</c>, <c>\text{units}</c>, trailing words, <c>x =</c>,
    /// thousands commas and spacing commands; reads <c>\frac{a}{b}</c>, <c>a/b</c>, decimals, and a
    /// trailing <c>%</c>/<c>\%</c>. Null when it is not a number.
    /// </summary>
    private static (Rational Value, int Places, bool Percent)? ParseAnswer(string text)
    {
        var s = text.Trim();
        s = TextCommand().Replace(s, "${body}");
        foreach (var junk in (ReadOnlySpan<string>)["\\left", "\\right", "\\!", "\\,", "\\;", "\\ ", "\\$", "$", "{,}", "^\\circ", "^{\\circ}"])
            s = s.Replace(junk, "");
        s = s.Replace("\\dfrac", "\\frac").Replace("\\tfrac", "\\frac").Replace("−", "-");
        if (s.LastIndexOf('=') is var eq and >= 0) s = s[(eq + 1)..];
        s = ThousandsComma().Replace(s, "");
        s = TrailingWords().Replace(s, "").Trim().TrimEnd('.').Trim();
        bool percent = false;
        if (s.EndsWith("\\%", StringComparison.Ordinal)) { percent = true; s = s[..^2].Trim(); }
        else if (s.EndsWith('%')) { percent = true; s = s[..^1].Trim(); }
        s = s.Replace(" ", "");
        if (s.StartsWith('+')) s = s[1..];
        if (s.Length >= 2 && s[0] == '{' && s[^1] == '}') s = s[1..^1];
        if (FracPattern().Match(s) is { Success: true } f && f.Length == s.Length - (s.StartsWith('-') ? 1 : 0))
            return ParseOperand(s, out var fv, out _) ? (fv, -1, percent) : null;
        if (SlashFraction().Match(s) is { Success: true } sf)
        {
            Rational.TryParseDecimal(sf.Groups["num"].Value, out var n, out _);
            Rational.TryParseDecimal(sf.Groups["den"].Value, out var d, out _);
            if (d.Num.IsZero) return null;
            var v = n / d;
            return (sf.Groups["neg"].Success ? Rational.Zero - v : v, -1, percent);
        }
        return Rational.TryParseDecimal(s, out var value, out int places) ? (value, places == 0 ? -1 : places, percent) : null;
    }

    private static string TrimAnswer(string rest)
    {
        int newline = rest.IndexOf('\n');
        if (newline >= 0) rest = rest[..newline];
        rest = rest.Trim().TrimStart(':').Trim();
        // Stop at the end of the sentence: a period followed by a space or the end (not a decimal point).
        var end = SentenceEnd().Match(rest);
        if (end.Success) rest = rest[..end.Index];
        return rest.Trim().TrimEnd('.').Trim();
    }

    private static string NormalizeText(string s) =>
        s.Replace("\\left", "").Replace("\\right", "").Replace("$", "").Replace(" ", "").TrimEnd('.').ToLowerInvariant();

    // Not judged when the first number continues something before it (a letter, digit, bracket, exponent,
    // an operator, or "350 000"-style space-separated thousands) or the result continues after it (a percent
    // sign, more digits, a mixed number "3 1/2", "12 000", or an operator: then the right side is an expression).
    [GeneratedRegex(@"(?<![\w.^_}{)\]\\]|[+\-*/×÷·−)]\s*|\d\s)(?<lhs>" + Number + "(?:" + Operator + Number + @")+)\s*=\s*(?<rhs>-?" + Number + @")(?![\d%]|\.\d|\s*\\%|,\d{3}|\s+\d+/\d|\s\d{3}(?!\d)|" + Operator + @"\s*(?:\\?\$)?[\d.\\])")]
    private static partial Regex StepPattern();

    [GeneratedRegex(@"(?<op>" + Operator + ")|" + Number)]
    private static partial Regex OperandOrOperator();

    [GeneratedRegex(@"\\frac\{\s*(?<num>\d+(?:\.\d+)?)\s*\}\{\s*(?<den>\d+(?:\.\d+)?)\s*\}")]
    private static partial Regex FracPattern();

    [GeneratedRegex(@"^(?<neg>-)?(?<num>\d+(?:\.\d+)?)/(?<den>\d+(?:\.\d+)?)$")]
    private static partial Regex SlashFraction();

    [GeneratedRegex(@"\\(?:text|textbf|mathrm|mbox)\{(?<body>[^{}]*)\}")]
    private static partial Regex TextCommand();

    [GeneratedRegex(@"(?<=\d),(?=\d{3}(?!\d))")]
    private static partial Regex ThousandsComma();

    // Units or words after the number: "41 apples", "12 km/h", "3.5 hours".
    [GeneratedRegex(@"(?<=[\d}%])\s*[A-Za-z][A-Za-z/ ]*$")]
    private static partial Regex TrailingWords();

    [GeneratedRegex(@"\.(?=\s|$)")]
    private static partial Regex SentenceEnd();
}
