using System.Collections.Frozen;

namespace Cooper.Verify.Parsing;

internal enum TokenKind
{
    End,
    /// <summary>A numeric literal; Value is digits with an optional '.' and exponent, separators removed.</summary>
    Number,
    /// <summary>One variable letter ("x") or a Greek letter ("\alpha").</summary>
    Letter,
    /// <summary>A structural command or function name: frac, sqrt, binom, boxed, pi, sin, log, …</summary>
    Command,
    /// <summary>An operator or delimiter; Value is its canonical spelling ("&lt;=", "±", "∪", "\{").</summary>
    Op,
    /// <summary>\text{…} content or a unit word.</summary>
    Text,
    /// <summary>A list separator word: "and", "or", \text{ and }.</summary>
    Sep,
    /// <summary>\quad: separates top-level answers, otherwise white space.</summary>
    SoftSep,
    /// <summary>\\ : a matrix row break, a list separator elsewhere.</summary>
    RowSep,
    Percent,
    Degree,
    Ellipsis,
    Infinity,
    EmptySet,
    Reals,
    BeginEnv,
    EndEnv,
}

internal readonly record struct Token(TokenKind Kind, string Value, int Pos);

/// <summary>Thrown for text the parsers cannot read; extraction then tries the next candidate.</summary>
internal sealed class ParseException(string message) : Exception(message);

/// <summary>
/// Splits LaTeX (or plain math such as "2*pi", "exp(16)") into tokens. LaTeX noise — spacing,
/// \left/\right, fonts, colours, \displaystyle — disappears here, so the parser only sees math.
/// </summary>
internal static class Tokenizer
{
    private static readonly FrozenSet<string> s_functions = new[]
    {
        "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "arcsec", "arccsc", "arccot",
        "sinh", "cosh", "tanh", "sech", "csch", "coth", "arsinh", "arcsinh", "arcosh", "arccosh", "artanh", "arctanh",
        "asin", "acos", "atan", "log", "ln", "lg", "exp", "gcd", "lcm", "max", "min", "sgn", "abs", "floor", "ceil",
    }.ToFrozenSet();

    private static readonly FrozenSet<string> s_greek = new[]
    {
        "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota", "kappa",
        "lambda", "mu", "nu", "xi", "omicron", "rho", "varrho", "sigma", "varsigma", "tau", "upsilon", "phi", "varphi",
        "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
        "ell", "hbar",
    }.ToFrozenSet();

    /// <summary>Words read as units after a number ("15 cm", "3 hours") and dropped.</summary>
    private static readonly FrozenSet<string> s_units = new[]
    {
        "cm", "mm", "km", "kg", "mg", "ml", "mL", "meter", "meters", "metre", "metres", "inch", "inches", "feet", "foot",
        "ft", "mile", "miles", "yard", "yards", "hour", "hours", "hr", "hrs", "minute", "minutes", "second", "seconds",
        "day", "days", "week", "weeks", "month", "months", "year", "years", "degree", "degrees", "unit", "units",
        "dollar", "dollars", "cent", "cents", "yuan", "euro", "euros", "liter", "liters", "litre", "litres", "gram",
        "grams", "pound", "pounds", "lb", "lbs", "oz", "mph", "kmh", "sq", "square", "cubic", "people", "students",
        "apples", "times", "ways", "points", "tickets", "boxes", "cups", "pages", "items", "coins", "marbles",
        "mins", "secs", "hrs", "sqft", "ounces", "gallons", "feet", "acres", "km/h",
    }.ToFrozenSet();

    /// <summary>Commands that vanish (spacing, sizing, styles).</summary>
    private static readonly FrozenSet<string> s_ignored = new[]
    {
        "left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "bigg", "Bigg", "biggl", "biggr", "Biggl",
        "Biggr", "middle", "displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle", "limits", "nolimits",
        "nonumber", "notag", "hline", "noindent", "centering", "small", "large", "Large", "normalsize", "footnotesize",
        "tiny", "enspace", "thinspace", "negthinspace", "medspace", "thickspace", "negmedspace", "negthickspace",
        "overline", "bar", "hat", "vec", "widehat", "tilde", "widetilde", "dot", "ddot", "underline", "overrightarrow",
        "overleftarrow", "angle", "measuredangle", "triangle", "mathring", "acute", "grave", "check", "breve",
        "cancel", "bcancel", "xcancel", "sout", "mathbf", "mathit", "mathsf", "mathtt", "boldsymbol", "bm", "mathcal",
        "mathscr", "mathfrak", "mathnormal", "rm", "bf", "it", "allowbreak", "strut", "rlap", "llap",
    }.ToFrozenSet();

    /// <summary>Commands followed by one brace argument that is dropped.</summary>
    private static readonly FrozenSet<string> s_dropArg = new[]
    {
        "color", "hspace", "vspace", "hspace*", "vspace*", "label", "tag", "phantom", "hphantom", "vphantom", "ref",
    }.ToFrozenSet();

    /// <summary>Commands whose brace argument is read as words.</summary>
    private static readonly FrozenSet<string> s_textCommands = new[]
    {
        "text", "textbf", "textit", "textrm", "textsf", "texttt", "mbox", "textnormal", "emph", "hbox", "textup",
        "textmd", "mathrm", "operatorname", "textsc",
    }.ToFrozenSet();

    private static readonly FrozenDictionary<string, (TokenKind Kind, string Value)> s_simple =
        new Dictionary<string, (TokenKind, string)>
        {
            ["frac"] = (TokenKind.Command, "frac"), ["dfrac"] = (TokenKind.Command, "frac"),
            ["tfrac"] = (TokenKind.Command, "frac"), ["cfrac"] = (TokenKind.Command, "frac"),
            ["binom"] = (TokenKind.Command, "binom"), ["dbinom"] = (TokenKind.Command, "binom"),
            ["tbinom"] = (TokenKind.Command, "binom"), ["choose"] = (TokenKind.Op, "choose"),
            ["sqrt"] = (TokenKind.Command, "sqrt"), ["boxed"] = (TokenKind.Command, "boxed"),
            ["fbox"] = (TokenKind.Command, "boxed"), ["framebox"] = (TokenKind.Command, "boxed"),
            ["pi"] = (TokenKind.Command, "pi"),
            ["cdot"] = (TokenKind.Op, "*"), ["times"] = (TokenKind.Op, "*"), ["ast"] = (TokenKind.Op, "*"),
            ["bullet"] = (TokenKind.Op, "*"), ["div"] = (TokenKind.Op, "/"),
            ["pm"] = (TokenKind.Op, "±"), ["mp"] = (TokenKind.Op, "∓"),
            ["le"] = (TokenKind.Op, "<="), ["leq"] = (TokenKind.Op, "<="), ["leqslant"] = (TokenKind.Op, "<="),
            ["leqq"] = (TokenKind.Op, "<="), ["ge"] = (TokenKind.Op, ">="), ["geq"] = (TokenKind.Op, ">="),
            ["geqslant"] = (TokenKind.Op, ">="), ["geqq"] = (TokenKind.Op, ">="), ["lt"] = (TokenKind.Op, "<"),
            ["gt"] = (TokenKind.Op, ">"), ["ne"] = (TokenKind.Op, "!="), ["neq"] = (TokenKind.Op, "!="),
            ["approx"] = (TokenKind.Op, "≈"), ["simeq"] = (TokenKind.Op, "≈"), ["thickapprox"] = (TokenKind.Op, "≈"),
            ["approxeq"] = (TokenKind.Op, "≈"), ["equiv"] = (TokenKind.Op, "="), ["coloneqq"] = (TokenKind.Op, "="),
            ["coloneq"] = (TokenKind.Op, "="), ["in"] = (TokenKind.Op, "∈"), ["notin"] = (TokenKind.Op, "∉"),
            ["cup"] = (TokenKind.Op, "∪"), ["bigcup"] = (TokenKind.Op, "∪"), ["cap"] = (TokenKind.Op, "∩"),
            ["bigcap"] = (TokenKind.Op, "∩"), ["setminus"] = (TokenKind.Op, "∖"), ["backslash"] = (TokenKind.Op, "∖"),
            ["infty"] = (TokenKind.Infinity, ""), ["infin"] = (TokenKind.Infinity, ""), ["infinity"] = (TokenKind.Infinity, ""),
            ["emptyset"] = (TokenKind.EmptySet, ""), ["varnothing"] = (TokenKind.EmptySet, ""),
            ["dots"] = (TokenKind.Ellipsis, ""), ["ldots"] = (TokenKind.Ellipsis, ""), ["cdots"] = (TokenKind.Ellipsis, ""),
            ["dotsc"] = (TokenKind.Ellipsis, ""), ["dotsb"] = (TokenKind.Ellipsis, ""), ["vdots"] = (TokenKind.Ellipsis, ""),
            ["circ"] = (TokenKind.Degree, ""), ["degree"] = (TokenKind.Degree, ""), ["degrees"] = (TokenKind.Degree, ""),
            ["lvert"] = (TokenKind.Op, "|"), ["rvert"] = (TokenKind.Op, "|"), ["vert"] = (TokenKind.Op, "|"),
            ["mid"] = (TokenKind.Op, "|"), ["lVert"] = (TokenKind.Op, "|"), ["rVert"] = (TokenKind.Op, "|"),
            ["Vert"] = (TokenKind.Op, "|"), ["lfloor"] = (TokenKind.Op, "⌊"), ["rfloor"] = (TokenKind.Op, "⌋"),
            ["lceil"] = (TokenKind.Op, "⌈"), ["rceil"] = (TokenKind.Op, "⌉"), ["langle"] = (TokenKind.Op, "⟨"),
            ["rangle"] = (TokenKind.Op, "⟩"), ["lbrace"] = (TokenKind.Op, "\\{"), ["rbrace"] = (TokenKind.Op, "\\}"),
            ["lbrack"] = (TokenKind.Op, "["), ["rbrack"] = (TokenKind.Op, "]"), ["prime"] = (TokenKind.Op, "'"),
            ["quad"] = (TokenKind.SoftSep, ""), ["qquad"] = (TokenKind.SoftSep, ""),
        }.ToFrozenDictionary();

    /// <summary>Every command name the tokenizer knows, longest first (for splitting "\quadx" into "\quad x").</summary>
    private static readonly string[] s_knownByLength = s_simple.Keys
        .Concat(s_functions).Concat(s_greek).Concat(s_ignored).Concat(s_dropArg).Concat(s_textCommands)
        .Concat(["mathbb", "begin", "end", "not", "exp"])
        .Where(k => k.All(char.IsAsciiLetter)).Distinct().OrderByDescending(k => k.Length).ToArray();

    public static bool IsFunctionName(string word) => s_functions.Contains(word);

    /// <summary>Whether a word is a unit or function name ("cm", "hours", "sin"): math, not prose.</summary>
    public static bool IsMathWord(string word) => s_units.Contains(word) || s_functions.Contains(word);

    /// <summary>Whether \<paramref name="name"/> takes a brace argument that is words or a name, not math
    /// (\text{…}, \mathrm{…}, \begin{…}, \color{…}).</summary>
    public static bool TakesWordArgument(string name) =>
        s_textCommands.Contains(name) || s_dropArg.Contains(name) || name is "begin" or "end" or "mathbb" or "textcolor";

    public static List<Token> Tokenize(string s, bool plain)
    {
        var t = new List<Token>(s.Length / 2 + 4);
        if (plain) TokenizePlain(s, t); else TokenizeLatex(s, 0, s.Length, t, 0);
        t.Add(new Token(TokenKind.End, "", s.Length));
        return t;
    }

    private static void TokenizeLatex(string s, int i, int end, List<Token> t, int depth)
    {
        if (depth > 8) throw new ParseException("nested text commands too deep");
        while (i < end)
        {
            char c = s[i];
            if (char.IsWhiteSpace(c) || c == '~' || c == '$') { i++; continue; }
            if (char.IsAsciiDigit(c) || c == '.' && i + 1 < end && char.IsAsciiDigit(s[i + 1]))
            {
                i = ReadLatexNumber(s, i, end, t);
                continue;
            }
            if (char.IsAsciiLetter(c))
            {
                int j = i;
                while (j < end && char.IsAsciiLetter(s[j])) j++;
                EmitWord(s, i, j, t, plain: false);
                i = j;
                continue;
            }
            if (c == '\\')
            {
                i = ReadCommand(s, i, end, t, depth);
                continue;
            }
            i = ReadSymbol(s, i, end, t);
        }
    }

    /// <summary>Digits with LaTeX thousands groups (10{,}000, 16,\!386, 1\,000, 12 345), a decimal part
    /// (3.25, or 1{,}5 with a decimal comma) and scientific notation (1.5e-3).</summary>
    private static int ReadLatexNumber(string s, int i, int end, List<Token> t)
    {
        int start = i;
        var sb = new System.Text.StringBuilder();
        int lead = 0;
        while (i < end && char.IsAsciiDigit(s[i])) { sb.Append(s[i]); i++; lead++; }
        if (lead is >= 1 and <= 3)
        {
            while (true)
            {
                int sepLen = ThousandsSeparatorAt(s, i, end);
                if (sepLen == 0) break;
                int k = i + sepLen;
                if (k + 3 <= end && char.IsAsciiDigit(s[k]) && char.IsAsciiDigit(s[k + 1]) && char.IsAsciiDigit(s[k + 2])
                    && (k + 3 == end || !char.IsAsciiDigit(s[k + 3])))
                {
                    sb.Append(s, k, 3);
                    i = k + 3;
                }
                else break;
            }
        }
        if (i < end && s[i] == '.' && RepeatingDecimal(s, i, end, sb.ToString()) is { } repeating)
        {
            // 0.1\overline{6} = 1/6: a repeating decimal is exact.
            t.Add(new Token(TokenKind.Number, repeating.Value, start));
            return repeating.End;
        }
        if (i + 1 < end && s[i] == '.' && char.IsAsciiDigit(s[i + 1]))
        {
            sb.Append('.');
            i++;
            while (i < end && char.IsAsciiDigit(s[i])) { sb.Append(s[i]); i++; }
        }
        else if (lead > 0 && Has(s, i, end, "{,}") && i + 3 < end && char.IsAsciiDigit(s[i + 3]))
        {
            sb.Append('.');                                    // 1{,}5: a decimal comma
            i += 3;
            while (i < end && char.IsAsciiDigit(s[i])) { sb.Append(s[i]); i++; }
        }
        if (i + 1 < end && (s[i] == 'e' || s[i] == 'E'))
        {
            int k = i + 1;
            if (k < end && (s[k] == '-' || s[k] == '+')) k++;
            int d = k;
            while (k < end && char.IsAsciiDigit(s[k])) k++;
            if (k > d && (k == end || !char.IsAsciiLetter(s[k])))
            {
                sb.Append(s, i, k - i);
                i = k;
            }
        }
        t.Add(new Token(TokenKind.Number, sb.ToString(), start));
        return i;
    }

    /// <summary>"0.1\overline{6}" or "0.\overline{3}" (also \dot{d}) at the '.' in i: the exact value as "p/q".</summary>
    private static (string Value, int End)? RepeatingDecimal(string s, int i, int end, string integerPart)
    {
        int k = i + 1;
        int fixedStart = k;
        while (k < end && char.IsAsciiDigit(s[k])) k++;
        string fixedDigits = s[fixedStart..k];
        int open;
        if (Has(s, k, end, "\\overline{")) open = k + 10;
        else if (Has(s, k, end, "\\dot{")) open = k + 5;
        else return null;
        int close = open;
        while (close < end && char.IsAsciiDigit(s[close])) close++;
        if (close == open || close >= end || s[close] != '}' || close - open > 50 || fixedDigits.Length > 50 || integerPart.Length > 50) return null;
        string repeat = s[open..close];
        // x = I.F(R): x·10^|F|·(10^|R| − 1) = IFR − IF
        var ifr = System.Numerics.BigInteger.Parse(integerPart + fixedDigits + repeat, System.Globalization.CultureInfo.InvariantCulture);
        var inf = System.Numerics.BigInteger.Parse(integerPart + fixedDigits, System.Globalization.CultureInfo.InvariantCulture);
        var den = System.Numerics.BigInteger.Pow(10, fixedDigits.Length) * (System.Numerics.BigInteger.Pow(10, repeat.Length) - 1);
        return ($"{ifr - inf}/{den}", close + 1);
    }

    /// <summary>
    /// The length of a thousands separator at i, or 0: "{,}" or a comma followed by a spacing command
    /// (1{,}000 · 1,\!000 · 1,\,000 · 1,\ 000), a spacing command alone (1\,000 · 1\!000 · 1\;000 · 1\ 000 ·
    /// 1~000), spaces allowed around them (1,\! 000), or one plain space (12 345). A bare comma separates a list.
    /// </summary>
    private static int ThousandsSeparatorAt(string s, int i, int end)
    {
        int k = i;
        bool braceComma = Has(s, k, end, "{,}"), plainComma = false;
        if (braceComma) k += 3;
        else if (Has(s, k, end, ",")) { k++; plainComma = true; }
        int commands = 0, spaces = 0;
        while (k < end && k - i <= 12)
        {
            if (s[k] == ' ') { k++; spaces++; }
            else if (s[k] == '~') { k++; commands++; }
            else if (s[k] == '\\' && k + 1 < end && s[k + 1] is ',' or '!' or ';' or ':' or ' ') { k += 2; commands++; }
            else break;
        }
        if (plainComma && commands == 0) return 0;                       // "1, 000" is a list
        if (!braceComma && !plainComma && commands == 0 && spaces != 1) return 0;
        return k - i;
    }

    private static bool Has(string s, int i, int end, string what) =>
        i + what.Length <= end && string.CompareOrdinal(s, i, what, 0, what.Length) == 0;

    private static void EmitWord(string s, int i, int j, List<Token> t, bool plain)
    {
        var word = s[i..j];
        switch (word)
        {
            case "and" or "or" or "und" or "AND" or "OR":
                t.Add(new Token(TokenKind.Sep, word, i));
                return;
            case "pct" or "percent" or "percentage":
                t.Add(new Token(TokenKind.Percent, "", i));
                return;
        }
        if (plain)
        {
            switch (word)
            {
                case "pi" or "Pi" or "PI": t.Add(new Token(TokenKind.Command, "pi", i)); return;
                case "sqrt" or "root": t.Add(new Token(TokenKind.Command, "sqrt", i)); return;
                case "inf" or "infinity" or "oo" or "infty" or "Infinity": t.Add(new Token(TokenKind.Infinity, "", i)); return;
                case "E": t.Add(new Token(TokenKind.Letter, "e", i)); return;
                case "I": t.Add(new Token(TokenKind.Letter, "i", i)); return;
                case "factorial": t.Add(new Token(TokenKind.Command, "factorial", i)); return;
            }
        }
        // A function name needs an argument after it; "5 min" and "3 sec" are units.
        int after = j;
        while (after < s.Length && s[after] == ' ') after++;
        bool argumentFollows = after < s.Length && (char.IsLetterOrDigit(s[after]) || s[after] is '(' or '{' or '\\' or '|' or '[');
        if (word.Length >= 2 && s_functions.Contains(word) && argumentFollows)
        {
            t.Add(new Token(TokenKind.Command, word, i));
            return;
        }
        if (word.Length >= 2 && (s_units.Contains(word) || s_functions.Contains(word)))
        {
            t.Add(new Token(TokenKind.Text, word, i));
            return;
        }
        if (plain && word.Length >= 2 && s_greek.Contains(word) && word != "eta")
        {
            t.Add(new Token(TokenKind.Letter, "\\" + CanonicalGreek(word), i));
            return;
        }
        for (int k = i; k < j; k++) t.Add(new Token(TokenKind.Letter, s[k].ToString(), k));
    }

    private static string CanonicalGreek(string name) => name switch
    {
        "varepsilon" => "epsilon",
        "vartheta" => "theta",
        "varphi" => "phi",
        "varrho" => "rho",
        "varsigma" => "sigma",
        _ => name,
    };

    private static int ReadCommand(string s, int i, int end, List<Token> t, int depth)
    {
        int start = i;
        if (i + 1 >= end) return end;              // a lone trailing backslash
        char n = s[i + 1];
        if (n == '\\')
        {
            // "\\le" from double-escaped text is read as \le; otherwise \\ is a row break.
            int j = i + 2;
            while (j < end && char.IsAsciiLetter(s[j])) j++;
            if (j > i + 2 && IsKnownCommand(s[(i + 2)..j])) return ReadCommand(s, i + 1, end, t, depth);
            t.Add(new Token(TokenKind.RowSep, "", start));
            return i + 2;
        }
        if (!char.IsAsciiLetter(n))
        {
            switch (n)
            {
                case '{': t.Add(new Token(TokenKind.Op, "\\{", start)); break;
                case '}': t.Add(new Token(TokenKind.Op, "\\}", start)); break;
                case '%': t.Add(new Token(TokenKind.Percent, "", start)); break;
                case '|': t.Add(new Token(TokenKind.Op, "|", start)); break;
                case '&': t.Add(new Token(TokenKind.Sep, "&", start)); break;
                case '[': t.Add(new Token(TokenKind.Op, "[", start)); break;     // \[ left inside a fragment
                case ']': t.Add(new Token(TokenKind.Op, "]", start)); break;
                case '(' or ')': break;                                          // stray \( \)
                default: break;                                                  // \, \; \: \! \  \$ \# \_
            }
            return i + 2;
        }
        int e = i + 1;
        while (e < end && char.IsAsciiLetter(s[e])) e++;
        string name = s[(i + 1)..e];
        if (e < end && s[e] == '*' && name is "operatorname" or "hspace" or "vspace") { name += "*"; e++; }
        i = e;

        if (s_ignored.Contains(name))
        {
            if (name is "left" or "right" or "bigl" or "bigr" or "Bigl" or "Bigr" or "middle")
            {
                int k = SkipSpaces(s, i, end);
                if (k < end && s[k] == '.') return k + 1;       // \left. and \right.
            }
            return i;
        }
        if (s_simple.TryGetValue(name, out var simple))
        {
            t.Add(new Token(simple.Kind, simple.Value, start));
            return i;
        }
        if (s_functions.Contains(name) || name == "exp")
        {
            t.Add(new Token(TokenKind.Command, name, start));
            return i;
        }
        if (s_greek.Contains(name))
        {
            t.Add(new Token(TokenKind.Letter, "\\" + CanonicalGreek(name), start));
            return i;
        }
        if (s_dropArg.Contains(name)) return SkipGroup(s, i, end);
        if (name == "textcolor") return SkipGroup(s, i, end);      // the colour; the text stays
        if (name == "not")
        {
            int k = SkipSpaces(s, i, end);
            if (k < end && s[k] == '=') { t.Add(new Token(TokenKind.Op, "!=", start)); return k + 1; }
            return i;
        }
        if (name is "begin" or "end")
        {
            var (env, after) = ReadGroup(s, i, end);
            if (env is null) throw new ParseException($"\\{name} without an environment name");
            env = env.Trim();
            t.Add(new Token(name == "begin" ? TokenKind.BeginEnv : TokenKind.EndEnv, env, start));
            if (name == "begin" && env is "array" or "tabular")
            {
                var (_, afterSpec) = ReadGroup(s, after, end);
                return afterSpec;
            }
            return after;
        }
        if (name == "mathbb")
        {
            var (content, after) = ReadGroup(s, i, end);
            t.Add(content?.Trim() == "R"
                ? new Token(TokenKind.Reals, "", start)
                : new Token(TokenKind.Text, $"\\mathbb{{{content}}}", start));
            return after;
        }
        if (s_textCommands.Contains(name) || name == "operatorname*")
        {
            var (content, after) = ReadGroup(s, i, end);
            if (content is null) return after;
            EmitText(content, name, start, t, depth);
            return after;
        }
        // Unknown: split a known prefix off ("\quadx" → "\quad x", "\pix" → "\pi x").
        foreach (var known in s_knownByLength)
        {
            if (known.Length < name.Length && name.StartsWith(known, StringComparison.Ordinal))
            {
                ReadCommand(s, start, start + 1 + known.Length, t, depth);
                return start + 1 + known.Length;
            }
        }
        throw new ParseException($"unknown command \\{name}");
    }

    private static bool IsKnownCommand(string name) =>
        s_simple.ContainsKey(name) || s_functions.Contains(name) || s_greek.Contains(name) || s_textCommands.Contains(name)
        || name is "frac" or "sqrt" or "begin" or "end" or "left" or "right" or "mathbb" or "exp";

    private static void EmitText(string content, string command, int pos, List<Token> t, int depth)
    {
        string trimmed = content.Trim();
        if (command is "operatorname" or "operatorname*")
        {
            if (s_functions.Contains(trimmed)) t.Add(new Token(TokenKind.Command, trimmed, pos));
            else t.Add(new Token(TokenKind.Text, trimmed, pos));
            return;
        }
        switch (trimmed.ToLowerInvariant())
        {
            case "":
                return;
            case "and" or "or" or "and/or" or "," or "or:" or "und":
                t.Add(new Token(TokenKind.Sep, trimmed, pos));
                return;
            case "pct" or "percent" or "%":
                t.Add(new Token(TokenKind.Percent, "", pos));
                return;
        }
        if (command == "mathrm")
        {
            // \mathrm{e}, \mathrm{i}, \mathrm{d}: a letter; \mathrm{cm}: a unit word; \mathrm{\pi}: math.
            if (trimmed.Length == 1 && char.IsAsciiLetter(trimmed[0])) { t.Add(new Token(TokenKind.Letter, trimmed, pos)); return; }
            if (!trimmed.All(char.IsAsciiLetter)) { TokenizeLatex(trimmed, 0, trimmed.Length, t, depth + 1); return; }
        }
        t.Add(new Token(TokenKind.Text, trimmed, pos));
    }

    private static int SkipSpaces(string s, int i, int end)
    {
        while (i < end && char.IsWhiteSpace(s[i])) i++;
        return i;
    }

    private static int SkipGroup(string s, int i, int end) => ReadGroup(s, i, end).After;

    /// <summary>Reads a balanced {…} at i (after spaces); returns its content and the index after it.</summary>
    private static (string? Content, int After) ReadGroup(string s, int i, int end)
    {
        i = SkipSpaces(s, i, end);
        if (i >= end || s[i] != '{') return (null, i);
        int level = 0;
        for (int k = i; k < end; k++)
        {
            char c = s[k];
            if (c == '\\') { k++; continue; }
            if (c == '{') level++;
            else if (c == '}' && --level == 0) return (s[(i + 1)..k], k + 1);
        }
        throw new ParseException("unbalanced braces");
    }

    private static int ReadSymbol(string s, int i, int end, List<Token> t)
    {
        char c = s[i];
        char next = i + 1 < end ? s[i + 1] : '\0';
        switch (c)
        {
            case '+' or '-' or '*' or '/' or '^' or '_' or '(' or ')' or '[' or ']' or '{' or '}' or '|' or ',' or ';' or '\'':
                t.Add(new Token(TokenKind.Op, c.ToString(), i));
                return i + 1;
            case ':':
                if (next == '=') { t.Add(new Token(TokenKind.Op, "=", i)); return i + 2; }
                t.Add(new Token(TokenKind.Op, ":", i));
                return i + 1;
            case '=':
                t.Add(new Token(TokenKind.Op, "=", i));
                return next == '=' ? i + 2 : i + 1;
            case '<':
                if (next == '=') { t.Add(new Token(TokenKind.Op, "<=", i)); return i + 2; }
                t.Add(new Token(TokenKind.Op, "<", i));
                return i + 1;
            case '>':
                if (next == '=') { t.Add(new Token(TokenKind.Op, ">=", i)); return i + 2; }
                t.Add(new Token(TokenKind.Op, ">", i));
                return i + 1;
            case '!':
                if (next == '=') { t.Add(new Token(TokenKind.Op, "!=", i)); return i + 2; }
                t.Add(new Token(TokenKind.Op, "!", i));
                return i + 1;
            case '%': t.Add(new Token(TokenKind.Percent, "", i)); return i + 1;
            case '&': t.Add(new Token(TokenKind.Op, "&", i)); return i + 1;
            case '.':
                if (next == '.' && i + 2 < end && s[i + 2] == '.') { t.Add(new Token(TokenKind.Ellipsis, "", i)); return i + 3; }
                if (SkipSpaces(s, i + 1, end) >= end) return end;        // a trailing full stop
                throw new ParseException("stray '.'");
            case '−' or '–': t.Add(new Token(TokenKind.Op, "-", i)); return i + 1;
            case '×' or '·' or '⋅' or '∗': t.Add(new Token(TokenKind.Op, "*", i)); return i + 1;
            case '÷': t.Add(new Token(TokenKind.Op, "/", i)); return i + 1;
            case '≤' or '⩽': t.Add(new Token(TokenKind.Op, "<=", i)); return i + 1;
            case '≥' or '⩾': t.Add(new Token(TokenKind.Op, ">=", i)); return i + 1;
            case '≠': t.Add(new Token(TokenKind.Op, "!=", i)); return i + 1;
            case '≈': t.Add(new Token(TokenKind.Op, "≈", i)); return i + 1;
            case '∈': t.Add(new Token(TokenKind.Op, "∈", i)); return i + 1;
            case '∉': t.Add(new Token(TokenKind.Op, "∉", i)); return i + 1;
            case '∪': t.Add(new Token(TokenKind.Op, "∪", i)); return i + 1;
            case '∩': t.Add(new Token(TokenKind.Op, "∩", i)); return i + 1;
            case '±': t.Add(new Token(TokenKind.Op, "±", i)); return i + 1;
            case '∓': t.Add(new Token(TokenKind.Op, "∓", i)); return i + 1;
            case '∞': t.Add(new Token(TokenKind.Infinity, "", i)); return i + 1;
            case '∅': t.Add(new Token(TokenKind.EmptySet, "", i)); return i + 1;
            case '…': t.Add(new Token(TokenKind.Ellipsis, "", i)); return i + 1;
            case '°': t.Add(new Token(TokenKind.Degree, "", i)); return i + 1;
            case 'π': t.Add(new Token(TokenKind.Command, "pi", i)); return i + 1;
            case '√': t.Add(new Token(TokenKind.Command, "sqrt", i)); return i + 1;
            case '²' or '³':
                t.Add(new Token(TokenKind.Op, "^", i));
                t.Add(new Token(TokenKind.Number, c == '²' ? "2" : "3", i));
                return i + 1;
            case '⌊' or '⌋' or '⌈' or '⌉' or '⟨' or '⟩':
                t.Add(new Token(TokenKind.Op, c.ToString(), i));
                return i + 1;
            case '\u00a0' or '\u2009' or '\u202f': return i + 1;
            default:
                throw new ParseException($"unexpected character '{c}'");
        }
    }

    private static void TokenizePlain(string s, List<Token> t)
    {
        int i = 0, end = s.Length;
        while (i < end)
        {
            char c = s[i];
            if (char.IsWhiteSpace(c) || c == '$') { i++; continue; }
            if (char.IsAsciiDigit(c) || c == '.' && i + 1 < end && char.IsAsciiDigit(s[i + 1]))
            {
                int start = i;
                while (i < end && char.IsAsciiDigit(s[i])) i++;
                if (i + 1 < end && s[i] == '.' && char.IsAsciiDigit(s[i + 1]))
                {
                    i++;
                    while (i < end && char.IsAsciiDigit(s[i])) i++;
                }
                else if (i < end && s[i] == '.' && (i + 1 == end || !char.IsAsciiLetter(s[i + 1]) && s[i + 1] != '.')) i++;   // "3." → 3
                // Scientific notation: 1e5, 2.5E-3 (not "2e" alone, which is 2·e).
                if (i + 1 < end && (s[i] == 'e' || s[i] == 'E'))
                {
                    int k = i + 1;
                    if (k < end && (s[k] == '+' || s[k] == '-')) k++;
                    int d = k;
                    while (k < end && char.IsAsciiDigit(s[k])) k++;
                    if (k > d && (k == end || !char.IsAsciiLetter(s[k]))) i = k;
                }
                t.Add(new Token(TokenKind.Number, s[start..i].TrimEnd('.'), start));
                continue;
            }
            if (char.IsAsciiLetter(c))
            {
                int j = i;
                while (j < end && char.IsAsciiLetter(s[j])) j++;
                EmitWord(s, i, j, t, plain: true);
                i = j;
                continue;
            }
            if (c == '*' && i + 1 < end && s[i + 1] == '*') { t.Add(new Token(TokenKind.Op, "^", i)); i += 2; continue; }
            if (c == '\\') throw new ParseException("LaTeX command in plain expression");
            if (c == '{') { t.Add(new Token(TokenKind.Op, "\\{", i)); i++; continue; }
            if (c == '}') { t.Add(new Token(TokenKind.Op, "\\}", i)); i++; continue; }
            i = ReadSymbol(s, i, end, t);
        }
    }
}
