using Cooper.Verify.Parsing;
using Cooper.Verify.Safety;

namespace Cooper.Verify.Extraction;

/// <summary>
/// Answer text → the answer it commits to, by Math-Verify's priority scheme:
/// <list type="number">
/// <item>0 — "final answer is X. I hope";</item>
/// <item>1 — "final answer … is X" (within 100 characters), and GSM8K's "#### X";</item>
/// <item>2 — \boxed{X} (configurable: <see cref="ExtractionTargets.BoxedPriority"/>);</item>
/// <item>3 — "answer: X" and "A: X" at the start of a line;</item>
/// <item>4 — "the answer is X";</item>
/// <item>5 — any LaTeX environment; LaTeX without delimiters (the whole text, the formula ending the last line);
/// a plain number or expression.</item>
/// </list>
/// Within a priority the rightmost match is tried first; the first candidate that parses wins.
/// When none parses, the first candidate's text (or the whole text) is kept as a string fallback.
/// </summary>
internal static class AnswerExtractor
{
    /// <summary>How a candidate's text is read: Latex is an environment's or a box's content, BareLatex a
    /// formula found without delimiters, Plain a plain-math expression.</summary>
    private enum Kind { Latex, BareLatex, Plain, Number, Words }

    private sealed record Candidate(int SortPos, int Start, int Order, string Text, Kind Kind, AnswerSource Source, Node? Node = null);

    /// <summary>Longest raw text kept as a string fallback.</summary>
    private const int MaxFallbackChars = 4000;

    /// <summary>Anchors of one kind read per text, rightmost first (a text repeating "final answer" 10⁵ times stays linear).</summary>
    private const int MaxAnchors = 64;

    /// <summary>Candidates tried per priority before moving on; the answer is almost always among the rightmost few.</summary>
    private const int MaxAttempts = 64;

    public static ParsedAnswer Extract(string text, ExtractionTargets targets, Budget budget)
    {
        var levels = new List<(int Priority, Func<string, ExtractionTargets, List<Candidate>> Find)>
        {
            (0, FinalAnswerHope),
            (1, FinalAnswerIs),
            (targets.BoxedPriority, Boxed),
            (3, AnswerColon),
            (4, AnswerIs),
            (5, Unanchored),
        };
        Candidate? firstFailed = null;
        foreach (var group in levels.OrderBy(l => l.Priority).GroupBy(l => l.Priority))
        {
            budget.CheckNow();
            var candidates = group.SelectMany(l => l.Find(text, targets)).ToList();
            candidates.Sort(static (a, b) =>
                a.SortPos != b.SortPos ? b.SortPos.CompareTo(a.SortPos) : a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Order.CompareTo(b.Order));
            foreach (var c in candidates.Take(MaxAttempts))
            {
                budget.Check();
                if (TryParse(c, budget) is { } node) return new ParsedAnswer(c.Text, node, c.Source, parsed: true);
                firstFailed ??= c;
            }
        }
        var raw = firstFailed?.Text ?? text.Trim();
        if (raw.Length > MaxFallbackChars) raw = raw[^MaxFallbackChars..];
        return new ParsedAnswer(raw, new TextNode(raw), AnswerSource.RawText, parsed: false);
    }

    private static Node? TryParse(Candidate c, Budget budget)
    {
        if (c.Node is not null) return c.Node;
        try
        {
            return c.Kind switch
            {
                Kind.Latex or Kind.BareLatex => MathParser.Parse(c.Text, plain: false, budget),
                Kind.Plain => MathParser.Parse(c.Text, plain: true, budget),
                _ => new TextNode(c.Text),
            };
        }
        catch (BudgetExceededException) { throw; }
        catch (Exception) { return null; }          // unparseable (or a parser bug): try the next candidate
    }

    // ---- anchored readers ------------------------------------------------------------------------

    /// <summary>The candidate answers that start at <paramref name="pos"/> (after an anchor), best first.</summary>
    private static List<Candidate> ReadAt(string s, int pos, ExtractionTargets t, int sortPos, int order, AnswerSource source)
    {
        var list = new List<Candidate>();
        int p = pos;
        while (p < s.Length && (char.IsWhiteSpace(s[p]) || s[p] is '*' or ':')) p++;
        if (p >= s.Length) return list;
        if (t.Latex)
        {
            if (TextScan.LatexEnvironmentAt(s, p) is { } env)
                list.Add(new Candidate(sortPos, p, order, env.Content(s), Kind.Latex, source));
            else if (s[p] == '\\' && TextScan.BoxAt(s, p, Limits.MaxCandidateChars) is { } box)
                list.Add(new Candidate(sortPos, p, order, box.Content(s), Kind.Latex, source));
            else if (TextScan.SentenceEnd(s, p, 150) is var sentenceEnd && sentenceEnd > p
                     && s.AsSpan(p, sentenceEnd - p).Trim() is var formula && BareLatexFilter(formula, requireMath: false))
                list.Add(new Candidate(sortPos, p, order + 1, formula.ToString(), Kind.BareLatex, source));    // "The answer is \frac{7}{3}."
        }
        if (t.Expr)
        {
            int q = p;
            if (q < s.Length && NumberScanner.IsCurrency(s[q])) q++;
            else if (q + 1 < s.Length && s[q] == '\\' && s[q + 1] == '$') q += 2;
            int end = TextScan.SentenceEnd(s, q, 150);
            if (end > q)
            {
                var chunk = s[q..end].Trim();
                bool hasNumber = NumberScanner.TryRead(s, q, out var num);
                // A chunk that is more than the number ("3/4", "2*pi", "x = 5") is read as an expression first.
                if (PlainFilter(chunk) && !(hasNumber && num.End - q >= chunk.Length))
                    list.Add(new Candidate(sortPos, q, order + 1, chunk, Kind.Plain, source));
            }
            if (ReadDigitExpression(s, q).Expr is { } expr)
                list.Add(new Candidate(sortPos, q, order + 2, expr, Kind.Plain, source));
            if (NumberScanner.TryRead(s, q, out var m))
                list.Add(new Candidate(sortPos, q, order + 3, m.Text, Kind.Number, source, m.Node));
        }
        if (t.Strings) list.AddRange(ReadChoiceAt(s, p, t, sortPos, order + 4, source));
        return list;
    }

    private static IEnumerable<Candidate> ReadChoiceAt(string s, int p, ExtractionTargets t, int sortPos, int order, AnswerSource source)
    {
        // Skip wrappers: (, **, $, \text{, \textbf{, \boxed{, "option", "choice".
        while (p < s.Length)
        {
            if (char.IsWhiteSpace(s[p]) || s[p] is '(' or '[' or '*' or '$' or '{') { p++; continue; }
            bool skipped = false;
            foreach (var w in (ReadOnlySpan<string>)["\\textbf", "\\mathrm", "\\mathbf", "\\boxed", "\\text", "option ", "choice "])
            {
                if (TextScan.StartsWithIgnoreCase(s, p, w)) { p += w.Length; skipped = true; break; }
            }
            if (!skipped) break;
        }
        if (p >= s.Length) yield break;
        if (t.Choices.Count == 0)
        {
            int end = TextScan.SentenceEnd(s, p, 150);
            if (end > p)
            {
                var words = StripMarkup(s[p..end]);
                if (words.Length > 0) yield return new Candidate(sortPos, p, order, words, Kind.Words, source);
            }
            yield break;
        }
        foreach (var choice in t.Choices)
        {
            if (choice.Length == 0 || !TextScan.StartsWithIgnoreCase(s, p, choice)) continue;
            if (choice.Length == 1 && s[p] != choice[0] && s[p] != char.ToUpperInvariant(choice[0])) continue;
            int after = p + choice.Length;
            if (after < s.Length && char.IsLetterOrDigit(s[after])) continue;
            yield return new Candidate(sortPos, p, order, choice, Kind.Words, AnswerSource.Choice);
            yield break;
        }
    }

    private static string StripMarkup(string s)
    {
        var r = s.Replace("\\text{", "").Replace("\\textbf{", "").Replace("\\mathrm{", "").Replace("\\boxed{", "")
            .Replace("}", "").Replace("{", "").Replace("$", "").Replace("**", "");
        return r.Trim().Trim('.', ',', ';', ':', '"', '\'').Trim();
    }

    /// <summary>Words that may appear in a plain-text expression ("2*pi", "exp(16)", "18 dollars").</summary>
    private static readonly HashSet<string> s_plainWords = new(StringComparer.Ordinal)
    {
        "pi", "Pi", "sqrt", "exp", "log", "ln", "sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "atan",
        "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "abs", "floor", "ceil", "gcd", "lcm", "max", "min",
        "inf", "infinity", "oo", "and", "or", "pct", "percent", "factorial", "dollars", "dollar", "cents", "units",
        "cm", "km", "kg", "mm", "meters", "hours", "minutes", "seconds", "days", "years", "degrees",
    };

    /// <summary>Whether a short text can be a plain expression rather than a sentence: no LaTeX, and
    /// every run of letters is one letter or a known math word.</summary>
    internal static bool PlainFilter(string s)
    {
        if (s.Length == 0 || s.Length > 200) return false;
        bool any = false;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is '\\' or '$' or '\n' or '"' or '?' or '{' or '}' or '_' or '&' or '#' or '@') return false;
            if (char.IsLetter(c))
            {
                if (!char.IsAscii(c) && c != 'π') return false;
                int j = i;
                while (j < s.Length && char.IsAsciiLetter(s[j])) j++;
                if (j - i > 1 && !s_plainWords.Contains(s[i..j])) return false;
                any = true;
                i = Math.Max(i, j - 1);
            }
            else if (char.IsAsciiDigit(c)) any = true;
        }
        return any;
    }

    private static List<Candidate> FinalAnswerHope(string s, ExtractionTargets t)
    {
        var list = new List<Candidate>();
        foreach (int idx in TextScan.FindLast(s, "final answer is", MaxAnchors))
        {
            int pos = idx + "final answer is".Length;
            foreach (var c in ReadAt(s, pos, t, idx, 0, AnswerSource.FinalAnswerHope))
            {
                int end = c.Kind == Kind.Latex ? EnvEnd(s, c.Start) : c.Start + c.Text.Length;
                if (end < 0) continue;
                int k = TextScan.SkipSpaces(s, end);
                if (k < s.Length && s[k] is '.' or '$') k = TextScan.SkipSpaces(s, k + 1);
                if (TextScan.StartsWithIgnoreCase(s, k, "I hope")) list.Add(c);
            }
        }
        return list;
    }

    /// <summary>Where the LaTeX environment or box starting at i ends.</summary>
    private static int EnvEnd(string s, int i)
    {
        if (TextScan.LatexEnvironmentAt(s, i) is { } env) return env.End;
        return TextScan.BoxAt(s, i, Limits.MaxCandidateChars) is { } box ? box.End : -1;
    }

    private static List<Candidate> FinalAnswerIs(string s, ExtractionTargets t)
    {
        var list = new List<Candidate>();
        foreach (int idx in TextScan.FindLast(s, "final answer", MaxAnchors))
        {
            int from = idx + "final answer".Length;
            int limit = Math.Min(s.Length, from + 100);
            int order = 0;
            for (int k = from; k < limit; k++)
            {
                if (!(char.IsWhiteSpace(s[k]) && TextScan.StartsWithIgnoreCase(s, k + 1, "is")
                      && (k + 3 >= s.Length || !char.IsLetter(s[k + 3])))) continue;
                list.AddRange(ReadAt(s, k + 3, t, idx, order, AnswerSource.FinalAnswerIs));
                order += 10;
            }
        }
        foreach (int idx in TextScan.FindLast(s, "####", MaxAnchors))
        {
            if (idx > 0 && s[idx - 1] == '#') continue;
            list.AddRange(ReadAt(s, idx + 4, t, idx, 0, AnswerSource.Hashes));
        }
        return list;
    }

    private static List<Candidate> Boxed(string s, ExtractionTargets t)
    {
        var list = new List<Candidate>();
        if (!t.Latex && !t.Strings) return list;
        var boxes = TextScan.Boxes(s);
        if (boxes.Count == 0) return list;
        var groups = new List<(int Start, int End, string Text)>();
        switch (t.Boxed)
        {
            case BoxedMode.All:
                groups.Add((boxes[0].Start, boxes[^1].End, string.Join(", ", boxes.Select(b => b.Content(s)))));
                break;
            case BoxedMode.Last:
                groups.AddRange(boxes.Select(b => (b.Start, b.End, b.Content(s))));
                break;
            default:
                int first = 0;
                for (int i = 1; i <= boxes.Count; i++)
                {
                    if (i < boxes.Count && TextScan.IsConnectorGap(s, boxes[i - 1].End, boxes[i].Start, allowWords: true)) continue;
                    var chain = boxes.GetRange(first, i - first);
                    groups.Add((chain[0].Start, chain[^1].End, string.Join(", ", chain.Select(b => b.Content(s)))));
                    first = i;
                }
                break;
        }
        foreach (var (start, end, text) in groups)
        {
            if (t.Latex) list.Add(new Candidate(end, start, 0, text, Kind.Latex, AnswerSource.Boxed));
            if (t.Strings)
            {
                var words = StripMarkup(text).Trim('(', ')', '[', ']', ' ');
                if (t.Choices.Count == 0 && words.Length > 0)
                    list.Add(new Candidate(end, start, 1, words, Kind.Words, AnswerSource.Boxed));
                else if (t.Choices.FirstOrDefault(c => c.Equals(words, StringComparison.OrdinalIgnoreCase)) is { } choice)
                    list.Add(new Candidate(end, start, 1, choice, Kind.Words, AnswerSource.Choice));
            }
        }
        return list;
    }

    private static List<Candidate> AnswerColon(string s, ExtractionTargets t)
    {
        var list = new List<Candidate>();
        foreach (int idx in TextScan.FindLast(s, "answer", MaxAnchors))
        {
            int k = idx + "answer".Length;
            while (k < s.Length && (s[k] == ' ' || s[k] == '*')) k++;
            if (k < s.Length && s[k] == ':') list.AddRange(ReadAfterAnswer(s, k + 1, t, idx, AnswerSource.AnswerColon));
        }
        // "A: 18" at the start of a line (question/answer transcripts).
        foreach (int i in TextScan.FindLast(s, "A:", MaxAnchors))
        {
            if (s[i] != 'A') continue;
            int b = i - 1;
            while (b >= 0 && (s[b] == ' ' || s[b] == '*')) b--;
            if (b < 0 || s[b] == '\n') list.AddRange(ReadAfterAnswer(s, i + 2, t, i, AnswerSource.AnswerColon));
        }
        return list;
    }

    private static List<Candidate> AnswerIs(string s, ExtractionTargets t)
    {
        var list = new List<Candidate>();
        foreach (int idx in TextScan.FindLast(s, "answer", MaxAnchors))
        {
            int k = idx + "answer".Length;
            if (k < s.Length && char.IsLetter(s[k])) continue;            // "answered"
            int j = k;
            while (j < s.Length && (s[j] == ' ' || s[j] == '*')) j++;
            if (j < s.Length && s[j] == ':') continue;                   // rank 3
            if (!StatesAnAnswer(s, j)) continue;                         // "answer this question", "answer choices"
            list.AddRange(ReadAfterAnswer(s, k, t, idx, AnswerSource.AnswerIs));
        }
        return list;
    }

    /// <summary>Whether "answer" is followed by a statement of it: "is", "was", "=", "of", a formula or a number.</summary>
    private static bool StatesAnAnswer(string s, int j)
    {
        if (j >= s.Length) return false;
        if (char.IsAsciiDigit(s[j]) || s[j] is '$' or '=' or '-' or '(' || s[j] == '\\') return true;
        foreach (var w in (ReadOnlySpan<string>)["is", "was", "would be", "should be", "will be", "equals", "of", "to", "becomes", "here"])
        {
            if (TextScan.StartsWithIgnoreCase(s, j, w) && (j + w.Length >= s.Length || !char.IsLetter(s[j + w.Length]))) return true;
        }
        return false;
    }

    /// <summary>
    /// After "answer": the answer right there ("is 5", ": $x$"), else the value after the last '=' within
    /// 100 characters, else the first number within 50 characters not followed by '=' (Math-Verify's rule).
    /// </summary>
    private static List<Candidate> ReadAfterAnswer(string s, int pos, ExtractionTargets t, int sortPos, AnswerSource source)
    {
        int p = pos;
        while (p < s.Length && (char.IsWhiteSpace(s[p]) || s[p] is '*' or ':')) p++;
        foreach (var w in (ReadOnlySpan<string>)["is:", "is", "was", "would be", "should be", "will be", "equals", "="])
        {
            if (TextScan.StartsWithIgnoreCase(s, p, w) && (p + w.Length >= s.Length || !char.IsLetter(s[p + w.Length])))
            {
                p += w.Length;
                break;
            }
        }
        var list = ReadAt(s, p, t, sortPos, 0, source);
        if (!t.Latex && !t.Expr) return list;
        int limit = Math.Min(s.Length, pos + 100);
        int eq = limit > pos ? s.LastIndexOf('=', limit - 1, limit - pos) : -1;
        if (eq >= p) list.AddRange(ReadAt(s, eq + 1, t, sortPos, 10, source).Where(c => c.Kind != Kind.Words));
        int near = Math.Min(s.Length, p + 50);
        for (int k = p; k < near; k++)
        {
            if (t.Latex && TextScan.LatexEnvironmentAt(s, k) is { } env)
            {
                list.Add(new Candidate(sortPos, k, 20, env.Content(s), Kind.Latex, source));
                break;
            }
            if (t.Expr && NumberScanner.StartsNumber(s, k) && NumberScanner.HasNumberPrefix(s, k) && NumberScanner.TryRead(s, k, out var m))
            {
                int after = TextScan.SkipSpaces(s, m.End);
                if (after < s.Length && s[after] == '=') { k = m.End; continue; }
                list.Add(new Candidate(sortPos, k, 21, m.Text, Kind.Number, source, m.Node));
                break;
            }
        }
        return list;
    }

    // ---- unanchored ----------------------------------------------------------------------------

    private static List<Candidate> Unanchored(string s, ExtractionTargets t)
    {
        var list = new List<Candidate>();
        if (t.Latex)
        {
            var envs = TextScan.LatexEnvironments(s);
            int first = 0;
            for (int i = 1; i <= envs.Count; i++)
            {
                if (i < envs.Count && TextScan.IsConnectorGap(s, envs[i - 1].End, envs[i].Start, allowWords: false)) continue;
                var chain = envs.GetRange(first, i - first);
                first = i;
                if (envs.Count - i > MaxAttempts) continue;              // far from the end: never tried
                var contents = chain.Select(e => e.Content(s)).Where(c => !string.IsNullOrWhiteSpace(c)).ToList();
                if (contents.Count == 0) continue;
                list.Add(new Candidate(chain[^1].End, chain[0].Start, 0, string.Join(", ", contents), Kind.Latex, AnswerSource.LatexEnvironment));
                if (contents.Count > 1)
                    list.Add(new Candidate(chain[^1].End, chain[0].Start, 5, contents[^1], Kind.Latex, AnswerSource.LatexEnvironment));
            }
            list.AddRange(BareLatex(s));
        }
        if (t.Expr)
        {
            // A number always parses, so only the rightmost one can ever be tried: keep just its position.
            int exprEnd = 0, lastNumber = -1;
            var exprs = new Queue<Candidate>();
            for (int i = 0; i < s.Length; i++)
            {
                int next = s.AsSpan(i).IndexOfAny(s_numberStarts);
                if (next < 0) break;
                i += next;
                if (!NumberScanner.HasNumberPrefix(s, i)) continue;
                if (i >= exprEnd)
                {
                    var (expr, scanned) = ReadDigitExpression(s, i);
                    exprEnd = i + scanned;          // no expression starts inside a run already scanned
                    if (expr is not null)
                    {
                        exprs.Enqueue(new Candidate(i + expr.Length, i, 1, expr, Kind.Plain, AnswerSource.Expression));
                        if (exprs.Count > MaxAttempts) exprs.Dequeue();
                    }
                }
                if (NumberScanner.TryReadEnd(s, i) is int end and > 0)
                {
                    lastNumber = i;
                    i = Math.Max(i, end - 1);
                }
            }
            list.AddRange(exprs);
            if (lastNumber >= 0 && NumberScanner.TryRead(s, lastNumber, out var m))
                list.Add(new Candidate(m.End, lastNumber, 2, m.Text, Kind.Number, AnswerSource.Expression, m.Node));
            var whole = s.Trim();
            if (PlainFilter(whole))
            {
                int start = s.IndexOf(whole, StringComparison.Ordinal);
                list.Add(new Candidate(start + whole.Length, start, 3, whole, Kind.Plain, AnswerSource.Expression));
            }
        }
        if (t.Strings) list.AddRange(UnanchoredChoices(s, t));
        return list;
    }

    /// <summary>Longest text read as one bare formula (a whole reference answer such as a matrix).</summary>
    private const int MaxBareLatexChars = 2000;

    /// <summary>The last line's tail is searched for a formula this far back.</summary>
    private const int MaxBareTailChars = 300;

    /// <summary>
    /// LaTeX written without $…$: the whole text when it reads as a formula ("\frac{7}{3}", "10,\!080",
    /// "\text{Monday}"); otherwise the formula ending the last line ("Thus x = \frac{7}{3}" → "x = \frac{7}{3}");
    /// and, as Math-Verify, any \frac{a}{b} of plain numbers.
    /// </summary>
    private static IEnumerable<Candidate> BareLatex(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && char.IsWhiteSpace(s[start])) start++;
        while (end > start && (char.IsWhiteSpace(s[end - 1]) || s[end - 1] is '.' or ',' or ';' && !(end - 2 >= start && s[end - 2] is '.' or '\\')))
            end--;                                                        // a full stop, not "..." or "\,"
        if (end == start) yield break;
        if (end - start <= MaxBareLatexChars && BareLatexFilter(s.AsSpan(start, end - start), requireMath: false))
            yield return new Candidate(end, start, 4, s[start..end], Kind.BareLatex, AnswerSource.BareLatex);
        else
        {
            int lineStart = s.LastIndexOf('\n', end - 1) + 1, from = Math.Max(lineStart, end - MaxBareTailChars);
            from = Math.Max(from, s.AsSpan(from, end - from).LastIndexOfAny(s_neverInFormula) + from + 1);   // "… $x$ so" → after the '$'
            if (from < end && s.AsSpan(from, end - from).Contains('\\'))
            {
                // The leftmost word from which the rest of the line reads as a formula.
                for (int k = from; k < end; k++)
                {
                    if (char.IsWhiteSpace(s[k]) || k > lineStart && !char.IsWhiteSpace(s[k - 1])) continue;
                    if (!BareLatexFilter(s.AsSpan(k, end - k), requireMath: true)) continue;
                    yield return new Candidate(end, k, 4, s[k..end], Kind.BareLatex, AnswerSource.BareLatex);
                    break;
                }
            }
        }
        foreach (int idx in TextScan.FindLast(s, "frac{", MaxAnchors))
        {
            int b = idx - 1;
            if (b > 0 && s[b] is 'd' or 't') b--;
            if (b < 0 || s[b] != '\\') continue;
            if (b > 0 && s[b - 1] == '-') b--;
            int k = idx + "frac".Length;
            if (SimpleNumberGroup(s, k) is not int afterNum || SimpleNumberGroup(s, afterNum) is not int afterDen) continue;
            yield return new Candidate(afterDen, b, 6, s[b..afterDen], Kind.BareLatex, AnswerSource.BareLatex);
        }
    }

    /// <summary>"{-12}" or "{3.5}" at i (Math-Verify's simple number: -?\d+([.,]\d+)?): the index after it, or null.</summary>
    private static int? SimpleNumberGroup(string s, int i)
    {
        if (i >= s.Length || s[i] != '{') return null;
        int k = i + 1;
        if (k < s.Length && s[k] == '-') k++;
        int digits = k;
        while (k < s.Length && char.IsAsciiDigit(s[k])) k++;
        if (k == digits) return null;
        if (k + 1 < s.Length && s[k] is '.' or ',' && char.IsAsciiDigit(s[k + 1]))
        {
            k++;
            while (k < s.Length && char.IsAsciiDigit(s[k])) k++;
        }
        return k < s.Length && s[k] == '}' ? k + 1 : null;
    }

    /// <summary>
    /// Whether a text reads as a formula written without $…$ ("\frac{7}{3}", "x = 2\sqrt{3}", "10,\!080",
    /// "15\text{ cm}"): it holds a command or a brace, no math delimiters, and every word of two or more letters
    /// is inside \text{…}, a math word or unit, or glued to math ("2ab", "\sqrt{ab}", "AB = 5"). Any other word
    /// ("so", "Thus") makes it prose. With <paramref name="requireMath"/> it must also hold a digit, a letter
    /// or a math command, not only \text{…}.
    /// </summary>
    internal static bool BareLatexFilter(ReadOnlySpan<char> s, bool requireMath)
    {
        if (s.Length == 0 || s.Length > MaxBareLatexChars) return false;
        bool latex = false, math = false;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\\')
            {
                latex = true;
                if (i + 1 >= s.Length) return false;
                char n = s[i + 1];
                if (n is '[' or ']' or '(' or ')') return false;           // a delimited environment: read as one elsewhere
                if (!char.IsAsciiLetter(n)) { i++; continue; }
                int j = i + 1;
                while (j < s.Length && char.IsAsciiLetter(s[j])) j++;
                if (Tokenizer.TakesWordArgument(s[(i + 1)..j].ToString()))
                {
                    if (SkipBraceGroup(s, j) is not int after) return false;
                    i = after - 1;
                }
                else
                {
                    math = true;
                    i = j - 1;
                }
                continue;
            }
            if (s_neverInFormula.Contains(c)) return false;
            if (c == '{') latex = true;
            else if (char.IsAsciiDigit(c) || c == 'π') math = true;
            else if (char.IsLetter(c))
            {
                if (!char.IsAscii(c)) return false;
                int j = i;
                while (j < s.Length && char.IsAsciiLetter(s[j])) j++;
                if (j - i > 1 && !GluedToMath(s, i, j) && !IsMathWord(s[i..j].ToString())) return false;
                math = true;
                i = j - 1;
            }
        }
        return latex && (math || !requireMath);
    }

    /// <summary>Characters no bare formula holds (a '$' opens an environment, the rest are prose).</summary>
    private static readonly System.Buffers.SearchValues<char> s_neverInFormula = System.Buffers.SearchValues.Create("$?\"#@");

    private static bool IsMathWord(string w) => s_plainWords.Contains(w) || Tokenizer.IsMathWord(w);

    private static bool IsMathNeighbour(char c) => char.IsAsciiDigit(c) || c is '{' or '}' or '(' or ')' or '[' or ']' or '^' or '_' or '|' or '/';

    /// <summary>Whether the letters s[i..j) touch math: a digit, bracket, ^, _ or / next to them, or a relation
    /// sign across spaces ("AB = 5").</summary>
    private static bool GluedToMath(ReadOnlySpan<char> s, int i, int j)
    {
        if (i > 0 && IsMathNeighbour(s[i - 1]) || j < s.Length && (IsMathNeighbour(s[j]) || s[j] is '\'' or '!')) return true;
        int a = i - 1, b = j;
        while (a >= 0 && s[a] == ' ') a--;
        while (b < s.Length && s[b] == ' ') b++;
        return a >= 0 && s[a] is '=' or '<' or '>' || b < s.Length && s[b] is '=' or '<' or '>';
    }

    /// <summary>The index after a balanced {…} at i (after spaces), i itself when none opens there, null when unbalanced.</summary>
    private static int? SkipBraceGroup(ReadOnlySpan<char> s, int i)
    {
        int k = i;
        while (k < s.Length && s[k] == ' ') k++;
        if (k >= s.Length || s[k] != '{') return i;
        int level = 0;
        for (; k < s.Length; k++)
        {
            if (s[k] == '\\') { k++; continue; }
            if (s[k] == '{') level++;
            else if (s[k] == '}' && --level == 0) return k + 1;
        }
        return null;
    }

    private static readonly System.Buffers.SearchValues<char> s_numberStarts = System.Buffers.SearchValues.Create("0123456789-.(");

    private static bool IsExprChar(char c) =>
        char.IsAsciiDigit(c) || c is '.' or ' ' or '+' or '-' or '*' or '×' or '/' or '^' or '(' or ')' or '÷';

    /// <summary>Math-Verify's plain expression: digits and operators only, with at least one operator ("3/4", "16 - 3 - 4").
    /// Also returns how far it scanned.</summary>
    private static (string? Expr, int Scanned) ReadDigitExpression(string s, int i)
    {
        int k = i;
        while (k < s.Length && k - i < 200 && IsExprChar(s[k])) k++;
        int scanned = Math.Max(1, k - i);
        int e = k;
        while (e > i && s[e - 1] is ' ' or '+' or '-' or '*' or '×' or '/' or '^' or '(' or '÷' or '.') e--;
        if (e - i < 3) return (null, scanned);
        int depth = 0, ops = 0;
        bool digitAfterOp = false;
        for (int j = i; j < e; j++)
        {
            char c = s[j];
            if (c == '(') depth++;
            else if (c == ')' && --depth < 0) return (null, scanned);
            else if (c is '+' or '*' or '×' or '/' or '^' or '÷' || c == '-' && j > i) { ops++; digitAfterOp = false; }
            else if (char.IsAsciiDigit(c) && ops > 0) digitAfterOp = true;
        }
        if (depth != 0 || ops == 0 || !digitAfterOp) return (null, scanned);
        if (e < s.Length && (char.IsLetterOrDigit(s[e]) || s[e] is '=' or '_')) return (null, scanned);
        return (s[i..e], scanned);
    }

    private static IEnumerable<Candidate> UnanchoredChoices(string s, ExtractionTargets t)
    {
        var whole = StripMarkup(s).Trim('(', ')', '[', ']', ' ');
        if (t.Choices.Count == 0)
        {
            if (whole.Length is > 0 and <= 200) yield return new Candidate(s.Length, 0, 9, whole, Kind.Words, AnswerSource.Choice);
            yield break;
        }
        foreach (var choice in t.Choices)
            if (choice.Equals(whole, StringComparison.OrdinalIgnoreCase))
                yield return new Candidate(s.Length, 0, 9, choice, Kind.Words, AnswerSource.Choice);
        foreach (var choice in t.Choices)
        {
            if (choice.Length == 0) continue;
            var pattern = "(" + choice + ")";
            for (int i = s.IndexOf(pattern, StringComparison.Ordinal); i >= 0; i = s.IndexOf(pattern, i + 1, StringComparison.Ordinal))
                yield return new Candidate(i + pattern.Length, i, 9, choice, Kind.Words, AnswerSource.Choice);
        }
    }
}
