using System.Runtime.CompilerServices;
using Cooper.Verify.Numerics;
using Cooper.Verify.Safety;

namespace Cooper.Verify.Parsing;

/// <summary>
/// Recursive-descent parser from tokens to <see cref="Node"/>s, shared by LaTeX and plain math.
/// Grammar, loosest first:
/// <code>
/// list     := item ((',' | ';' | and | or | \quad | \\) item)*
/// item     := setexpr (relop setexpr)*              relop: = ≠ &lt; ≤ &gt; ≥ ≈ ∈ ∉
/// setexpr  := sum ((∪ | ∩ | ∖) sum)*
/// sum      := term (('+' | '-' | ± | ∓) term)*
/// term     := unary (('*' | '/' | ':') unary | implicit power | unit)*
/// unary    := ('-' | '+' | ±) unary | power
/// power    := postfix ('^' superscript)*            postfix: ! % ° '
/// atom     := number | letter | \frac | \sqrt | \binom | function | ( … ) | [ … ) | \{ … \} | |…| | matrix | \text{…}
/// </code>
/// Depth is bounded (<see cref="Limits.MaxDepth"/>) and checked against the real stack too.
/// </summary>
internal sealed class MathParser
{
    private readonly List<Token> _t;
    private readonly bool _plain;
    private readonly Budget _budget;
    private int _p;
    private int _depth;
    private int _absDepth;
    private int _matrixDepth;
    private Node? _lastFrac;

    private MathParser(List<Token> tokens, bool plain, Budget budget)
    {
        _t = tokens;
        _plain = plain;
        _budget = budget;
    }

    /// <summary>Parses LaTeX (or plain math when <paramref name="plain"/>) and normalises the tree.</summary>
    public static Node Parse(string text, bool plain, Budget budget)
    {
        if (text.Length > Limits.MaxCandidateChars) throw new ParseException("candidate too long");
        var trimmed = TrimAnswer(text);
        if (trimmed.Length == 0) throw new ParseException("empty");
        if (TryThousandsNumber(trimmed) is { } n) return n;
        var tokens = Tokenizer.Tokenize(trimmed, plain);
        var parser = new MathParser(tokens, plain, budget);
        var node = parser.ParseTop();
        return Normalizer.Normalize(node, budget);
    }

    /// <summary>Strips what surrounds an answer but is not part of it: spaces, trailing punctuation.</summary>
    internal static string TrimAnswer(string s)
    {
        int a = 0, b = s.Length;
        while (a < b && (char.IsWhiteSpace(s[a]) || s[a] == '$')) a++;
        while (b > a)
        {
            char c = s[b - 1];
            bool escaped = b - 2 >= a && s[b - 2] == '\\';
            if (char.IsWhiteSpace(c) || c == '$' && !escaped) { b--; continue; }
            if (c is ',' or ';' or ':' or '!' && escaped) { b -= 2; continue; }   // trailing \, \; \: \!
            if (c is ',' or ';' or ':') { b--; continue; }
            if (c == '.' && !(b - 2 >= a && s[b - 2] == '.')) { b--; continue; } // a full stop, not "..."
            break;
        }
        return s[a..b];
    }

    /// <summary>"7,425,000" or "-1,000.5" as a whole answer: commas are thousands separators, not a list.</summary>
    private static NumberNode? TryThousandsNumber(string s)
    {
        int i = 0;
        if (i < s.Length && s[i] == '-') i++;
        int lead = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; lead++; }
        if (lead is < 1 or > 3 || i >= s.Length || s[i] != ',') return null;
        if (s[s[0] == '-' ? 1 : 0] == '0') return null;
        var digits = new System.Text.StringBuilder(s[..i]);
        while (i < s.Length && s[i] == ',')
        {
            if (i + 4 > s.Length || !char.IsAsciiDigit(s[i + 1]) || !char.IsAsciiDigit(s[i + 2]) || !char.IsAsciiDigit(s[i + 3])) return null;
            digits.Append(s, i + 1, 3);
            i += 4;
        }
        bool dec = false;
        if (i < s.Length && s[i] == '.')
        {
            int d = i + 1;
            while (d < s.Length && char.IsAsciiDigit(s[d])) d++;
            if (d == i + 1) return null;
            digits.Append(s, i, d - i);
            i = d;
            dec = true;
        }
        if (i != s.Length) return null;
        var text = digits.ToString();
        return BigRational.TryParseDecimal(text, out var v) ? new NumberNode(v, dec, text) : null;
    }

    // ---- token helpers -------------------------------------------------------------------------

    private Token Peek()
    {
        while (_matrixDepth == 0 && _t[_p].Kind == TokenKind.Op && _t[_p].Value == "&") _p++;
        return _t[_p];
    }

    private Token PeekAt(int k)
    {
        Peek();
        return _t[Math.Min(_p + k, _t.Count - 1)];
    }

    private Token Next()
    {
        var tok = Peek();
        if (tok.Kind != TokenKind.End) _p++;
        return tok;
    }

    private bool IsOp(Token t, string op) => t.Kind == TokenKind.Op && t.Value == op;
    private bool PeekOp(string op) => IsOp(Peek(), op);

    private void Expect(string op)
    {
        var t = Next();
        if (!IsOp(t, op)) throw new ParseException($"expected '{op}' at {t.Pos}, found {t.Kind} '{t.Value}'");
    }

    private void Enter()
    {
        if (++_depth > Limits.MaxDepth) throw new ParseException("nesting too deep");
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack()) throw new ParseException("nesting too deep for the stack");
        _budget.Check();
    }

    private void Leave() => _depth--;

    // ---- grammar -------------------------------------------------------------------------------

    private Node ParseTop()
    {
        var items = ParseItems(static _ => false);
        var end = Peek();
        if (end.Kind != TokenKind.End) throw new ParseException($"unexpected {end.Kind} '{end.Value}' at {end.Pos}");
        if (items.Count == 0) throw new ParseException("empty");
        return items.Count == 1 ? items[0] : new SetNode([.. items], braced: false);
    }

    private static bool IsSeparator(Token t) =>
        t.Kind is TokenKind.Sep or TokenKind.SoftSep or TokenKind.RowSep
        || t.Kind == TokenKind.Op && t.Value is "," or ";";

    /// <summary>Items separated by commas, semicolons, "and", "or", \quad, \\ until a closer or the end.</summary>
    private List<Node> ParseItems(Func<Token, bool> isCloser)
    {
        Enter();
        var items = new List<Node>();
        while (true)
        {
            while (IsSeparator(Peek())) Next();
            var t = Peek();
            if (t.Kind == TokenKind.End || isCloser(t)) break;
            if (items.Count >= Limits.MaxElements * 4) throw new ParseException("list too long");
            var item = ParseRelation();
            if (PeekOp("choose"))
            {
                Next();
                item = new FuncNode(Func.Binomial, [item, ParseRelation()]);
            }
            items.Add(item);
            t = Peek();
            if (IsSeparator(t)) continue;
            if (t.Kind == TokenKind.End || isCloser(t)) break;
            throw new ParseException($"unexpected {t.Kind} '{t.Value}' at {t.Pos}");
        }
        Leave();
        return items;
    }

    private static RelOp? RelOpOf(Token t) => t.Kind != TokenKind.Op ? null : t.Value switch
    {
        "=" => RelOp.Eq,
        "!=" => RelOp.Ne,
        "<" => RelOp.Lt,
        "<=" => RelOp.Le,
        ">" => RelOp.Gt,
        ">=" => RelOp.Ge,
        "≈" => RelOp.Approx,
        "∈" => RelOp.In,
        "∉" => RelOp.NotIn,
        _ => null,
    };

    private Node ParseRelation()
    {
        var first = ParseSetExpr();
        if (RelOpOf(Peek()) is null) return first;
        var operands = new List<Node> { first };
        var ops = new List<RelOp>();
        while (RelOpOf(Peek()) is { } op)
        {
            Next();
            ops.Add(op);
            operands.Add(ParseSetExpr());
            if (ops.Count > Limits.MaxElements) throw new ParseException("relation chain too long");
        }
        return new RelationNode([.. operands], [.. ops]);
    }

    private Node ParseSetExpr()
    {
        var left = ParseAdditive();
        while (true)
        {
            var t = Peek();
            SetOp? op = t.Kind == TokenKind.Op ? t.Value switch { "∪" => SetOp.Union, "∩" => SetOp.Intersection, "∖" => SetOp.Difference, _ => null } : null;
            if (op is null) return left;
            Next();
            left = new SetOpNode(op.Value, left, ParseAdditive());
        }
    }

    private Node ParseAdditive()
    {
        Enter();
        var terms = new List<Node> { ParseTerm() };
        while (true)
        {
            var t = Peek();
            if (t.Kind != TokenKind.Op || t.Value is not ("+" or "-" or "±" or "∓")) break;
            Next();
            if (terms.Count > Limits.MaxElements * 4) throw new ParseException("sum too long");
            var term = ParseTerm();
            terms.Add(t.Value switch
            {
                "+" => term,
                "-" => new NegNode(term),
                "±" => new PlusMinusNode(term, minus: false),
                _ => new PlusMinusNode(term, minus: true),
            });
        }
        Leave();
        return terms.Count == 1 ? terms[0] : new AddNode([.. terms]);
    }

    private Node ParseTerm()
    {
        Enter();
        var left = ParseUnary();
        int count = 0;
        while (true)
        {
            if (++count > Limits.MaxElements * 4) throw new ParseException("product too long");
            var t = Peek();
            if (t.Kind == TokenKind.Op && t.Value is "*" or "/" or ":")
            {
                Next();
                var right = ParseUnary();
                left = t.Value == "*" ? Mul(left, right) : new DivNode(left, right);
                continue;
            }
            if (t.Kind == TokenKind.Text)
            {
                // A word after a quantity is a unit: "15\text{ cm}^2", "3 hours".
                Next();
                if (PeekOp("^")) { Next(); ParseSuperscript(); }
                continue;
            }
            if (StartsOperand(t))
            {
                var right = ParsePower();
                left = ImplicitMul(left, right);
                continue;
            }
            break;
        }
        Leave();
        return left;
    }

    private bool StartsOperand(Token t) => t.Kind switch
    {
        TokenKind.Number or TokenKind.Letter or TokenKind.Command or TokenKind.Infinity or TokenKind.BeginEnv => true,
        TokenKind.Op => t.Value switch
        {
            "(" or "[" or "{" or "\\{" or "⌊" or "⌈" or "⟨" => true,
            "|" => _absDepth == 0,
            _ => false,
        },
        _ => false,
    };

    private static Node Mul(Node a, Node b) =>
        a is MulNode m ? new MulNode([.. m.Factors, b]) : new MulNode([a, b]);

    /// <summary>Juxtaposition: 2x, 2\pi, (a)(b) — and mixed numbers 3\frac{1}{2} = 3 + 1/2.</summary>
    private Node ImplicitMul(Node left, Node right)
    {
        if (ReferenceEquals(right, _lastFrac) && right is DivNode { Numerator: NumberNode { IsDecimal: false } fn, Denominator: NumberNode { IsDecimal: false } fd }
            && fn.Value.IsInteger && fd.Value.IsInteger && fn.Value.Sign > 0 && fn.Value.CompareTo(fd.Value) < 0)
        {
            if (left is NumberNode { IsDecimal: false } w && w.Value.IsInteger && w.Value.Sign >= 0)
                return new AddNode([left, right]);
            if (left is NegNode { Operand: NumberNode { IsDecimal: false } nw } && nw.Value.IsInteger)
                return new NegNode(new AddNode([nw, right]));
        }
        return Mul(left, right);
    }

    private Node ParseUnary()
    {
        Enter();
        var t = Peek();
        Node result;
        if (IsOp(t, "-")) { Next(); result = new NegNode(ParseUnary()); }
        else if (IsOp(t, "+")) { Next(); result = ParseUnary(); }
        else if (IsOp(t, "±") || IsOp(t, "∓")) { Next(); result = new PlusMinusNode(ParseUnary(), t.Value == "∓"); }
        else result = ParsePower();
        Leave();
        return result;
    }

    private Node ParsePower()
    {
        Enter();
        var b = ParsePostfix(ParseAtom());
        while (PeekOp("^"))
        {
            Next();
            if (SkipDegree()) { b = ParsePostfix(b); continue; }
            var exp = _plain ? ParseUnary() : ParseSuperscript();
            b = ParsePostfix(new PowNode(b, exp));
        }
        Leave();
        return b;
    }

    /// <summary>After '^': "\circ" or "{\circ}" mean degrees and are dropped.</summary>
    private bool SkipDegree()
    {
        if (Peek().Kind == TokenKind.Degree) { Next(); return true; }
        if (PeekOp("{") && PeekAt(1).Kind == TokenKind.Degree && IsOp(PeekAt(2), "}")) { Next(); Next(); Next(); return true; }
        return false;
    }

    private Node ParseSuperscript()
    {
        Enter();
        var t = Peek();
        Node r;
        if (IsOp(t, "-")) { Next(); r = new NegNode(ParseSuperscript()); }
        else if (IsOp(t, "+")) { Next(); r = ParseSuperscript(); }
        else if (IsOp(t, "{")) r = ParseBraceGroup();
        else if (t.Kind == TokenKind.Number) { Next(); r = MakeNumber(t); }
        else if (t.Kind == TokenKind.Letter) { Next(); r = LetterAtom(t.Value, allowDecorations: false); }
        else if (t.Kind is TokenKind.Command or TokenKind.Infinity || IsOp(t, "(")) r = ParseAtom();
        else throw new ParseException($"bad superscript at {t.Pos}");
        Leave();
        return r;
    }

    private Node ParsePostfix(Node node)
    {
        while (true)
        {
            var t = Peek();
            if (IsOp(t, "!")) { Next(); node = new FuncNode(Func.Factorial, [node]); }
            else if (t.Kind == TokenKind.Percent) { Next(); node = new PercentNode(node); }
            else if (t.Kind == TokenKind.Degree) Next();
            else if (IsOp(t, "'") && node is SymbolNode s) { Next(); node = new SymbolNode(s.Name + "'"); }
            else return node;
        }
    }

    private static NumberNode MakeNumber(Token t)
    {
        int slash = t.Value.IndexOf('/');
        if (slash > 0)                                                  // an exact "p/q" from a repeating decimal
            return new NumberNode(new BigRational(System.Numerics.BigInteger.Parse(t.Value[..slash], System.Globalization.CultureInfo.InvariantCulture),
                System.Numerics.BigInteger.Parse(t.Value[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
        if (!BigRational.TryParseDecimal(t.Value, out var v)) throw new ParseException($"bad number '{t.Value}'");
        bool dec = t.Value.Contains('.') || t.Value.Contains('e') || t.Value.Contains('E');
        return new NumberNode(v, dec, dec ? t.Value : null);
    }

    private Node ParseAtom()
    {
        Enter();
        var t = Next();
        Node r = t.Kind switch
        {
            TokenKind.Number => MakeNumber(t),
            TokenKind.Letter => LetterAtom(t.Value, allowDecorations: true),
            TokenKind.Command => CommandAtom(t),
            TokenKind.Op => OpAtom(t),
            TokenKind.Infinity => ConstantNode.Infinity,
            TokenKind.EmptySet => new SetNode([], braced: true),
            TokenKind.Reals => new IntervalNode(new NegNode(ConstantNode.Infinity), ConstantNode.Infinity, false, false),
            TokenKind.Ellipsis => EllipsisNode.Instance,
            TokenKind.Text => TextAtom(t.Value),
            TokenKind.BeginEnv => ParseEnvironment(t.Value),
            _ => throw new ParseException($"unexpected {t.Kind} '{t.Value}' at {t.Pos}"),
        };
        Leave();
        return r;
    }

    private static Node TextAtom(string text) =>
        BigRational.TryParseDecimal(text.Trim(), out var v) ? new NumberNode(v, text.Contains('.'), text.Trim()) : new TextNode(text);

    /// <summary>A letter with subscripts and primes; e and i are the constants; f(x), g(x), h(x) are applications.</summary>
    private Node LetterAtom(string letter, bool allowDecorations)
    {
        string name = letter;
        bool decorated = false;
        if (allowDecorations)
        {
            while (true)
            {
                if (PeekOp("_"))
                {
                    Next();
                    var sub = ParseSubscript();
                    name = $"{name}_{{{Printer.Print(sub)}}}";
                    decorated = true;
                }
                else if (PeekOp("'")) { Next(); name += "'"; decorated = true; }
                else break;
            }
        }
        if (!decorated)
        {
            if (name == "e") return ConstantNode.E;
            if (name == "i") return ConstantNode.I;
        }
        if (allowDecorations && letter is "f" or "g" or "h" && PeekOp("("))
        {
            Next();
            var args = ParseItems(t => IsOp(t, ")"));
            Expect(")");
            if (args.Count == 0) throw new ParseException("empty argument list");
            return new ApplyNode(name, [.. args]);
        }
        return new SymbolNode(name);
    }

    private Node ParseSubscript()
    {
        var t = Peek();
        if (IsOp(t, "{")) return ParseBraceGroup();
        Next();
        return t.Kind switch
        {
            TokenKind.Number => MakeNumber(t),
            TokenKind.Letter => new SymbolNode(t.Value),
            _ => throw new ParseException($"bad subscript at {t.Pos}"),
        };
    }

    /// <summary>{…}: one expression, or a set when it holds a list ("{1,2,3}").</summary>
    private Node ParseBraceGroup()
    {
        Expect("{");
        var items = ParseItems(t => IsOp(t, "}"));
        Expect("}");
        if (items.Count == 0) throw new ParseException("empty group");
        return items.Count == 1 ? items[0] : new SetNode([.. items], braced: true);
    }

    /// <summary>An argument of \frac, \binom, \sqrt: a group, or one token (\frac12 is 1/2).</summary>
    private Node ParseCommandArg(bool singleDigit, bool allowParens)
    {
        var t = Peek();
        if (IsOp(t, "{")) return ParseBraceGroup();
        if (t.Kind == TokenKind.Number)
        {
            Next();
            if (singleDigit && t.Value.Length > 1 && char.IsAsciiDigit(t.Value[0]))
            {
                // \frac12: the argument is one digit; the rest of the number stays in the stream.
                _p--;
                _t[_p] = new Token(TokenKind.Number, t.Value[1..], t.Pos + 1);
                return MakeNumber(t with { Value = t.Value[..1] });
            }
            return MakeNumber(t);
        }
        if (t.Kind == TokenKind.Letter) { Next(); return LetterAtom(t.Value, allowDecorations: false); }
        if (t.Kind is TokenKind.Command or TokenKind.Infinity) return ParseAtom();
        if (allowParens && (IsOp(t, "(") || IsOp(t, "["))) return ParseAtom();
        throw new ParseException($"missing argument at {t.Pos}");
    }

    private Node CommandAtom(Token t)
    {
        switch (t.Value)
        {
            case "frac":
            {
                var num = ParseCommandArg(singleDigit: true, allowParens: false);
                var den = ParseCommandArg(singleDigit: true, allowParens: false);
                var node = new DivNode(num, den);
                _lastFrac = node;
                return node;
            }
            case "binom":
            {
                var n = ParseCommandArg(singleDigit: true, allowParens: false);
                var k = ParseCommandArg(singleDigit: true, allowParens: false);
                return new FuncNode(Func.Binomial, [n, k]);
            }
            case "sqrt":
            {
                Node? index = null;
                if (!_plain && PeekOp("["))
                {
                    Next();
                    index = ParseAdditive();
                    Expect("]");
                }
                // \sqrt(2) takes the parenthesised group (Math-Verify reads 4\sqrt(2) as 4).
                var arg = ParseCommandArg(singleDigit: true, allowParens: true);
                return index is null ? new FuncNode(Func.Sqrt, [arg]) : new FuncNode(Func.Root, [arg, index]);
            }
            case "boxed":
                return ParseCommandArg(singleDigit: false, allowParens: true);
            case "pi":
                return ConstantNode.Pi;
            case "factorial":
            {
                Expect("(");
                var x = ParseAdditive();
                Expect(")");
                return new FuncNode(Func.Factorial, [x]);
            }
            default:
                return ParseFunction(t.Value);
        }
    }

    private static Func? FuncOf(string name) => name switch
    {
        "sin" => Func.Sin, "cos" => Func.Cos, "tan" => Func.Tan, "sec" => Func.Sec, "csc" => Func.Csc, "cot" => Func.Cot,
        "arcsin" or "asin" => Func.Asin, "arccos" or "acos" => Func.Acos, "arctan" or "atan" => Func.Atan,
        "arcsec" => Func.Asec, "arccsc" => Func.Acsc, "arccot" => Func.Acot,
        "sinh" => Func.Sinh, "cosh" => Func.Cosh, "tanh" => Func.Tanh, "sech" => Func.Sech, "csch" => Func.Csch, "coth" => Func.Coth,
        "arsinh" or "arcsinh" => Func.Asinh, "arcosh" or "arccosh" => Func.Acosh, "artanh" or "arctanh" => Func.Atanh,
        "log" or "lg" => Func.Log, "ln" => Func.Ln, "exp" => Func.Exp, "gcd" => Func.Gcd, "lcm" => Func.Lcm,
        "max" => Func.Max, "min" => Func.Min, "sgn" => Func.Sign, "abs" => Func.Abs, "floor" => Func.Floor, "ceil" => Func.Ceil,
        _ => null,
    };

    private static Func? Inverse(Func f) => f switch
    {
        Func.Sin => Func.Asin, Func.Cos => Func.Acos, Func.Tan => Func.Atan, Func.Sec => Func.Asec, Func.Csc => Func.Acsc,
        Func.Cot => Func.Acot, Func.Sinh => Func.Asinh, Func.Cosh => Func.Acosh, Func.Tanh => Func.Atanh, _ => null,
    };

    /// <summary>\sin x, \sin^2(x), \sin^{-1} x, \log_2 8, \ln|x|, gcd(a, b), exp(16).</summary>
    private Node ParseFunction(string name)
    {
        var f = FuncOf(name) ?? throw new ParseException($"unknown function {name}");
        Node? power = null, baseSub = null;
        while (true)
        {
            if (PeekOp("^")) { Next(); power = _plain ? ParseUnary() : ParseSuperscript(); }
            else if (PeekOp("_")) { Next(); baseSub = ParseSubscript(); }
            else break;
        }
        if (power is NegNode { Operand: NumberNode { Value.IsInteger: true } one } && one.Value == Numerics.BigRational.One && Inverse(f) is { } inv)
        {
            f = inv;
            power = null;
        }
        List<Node> args;
        if (PeekOp("("))
        {
            Next();
            args = ParseItems(t => IsOp(t, ")"));
            Expect(")");
        }
        else if (PeekOp("{")) args = [ParseBraceGroup()];
        else args = [ParseBareArgument()];
        if (args.Count == 0) throw new ParseException($"{name} without argument");

        Node node;
        if (f == Func.Log)
        {
            if (args.Count > 2) throw new ParseException("log takes one or two arguments");
            var logBase = baseSub ?? (args.Count == 2 ? args[1] : name == "lg" ? NumberNode.Of(10) : null);
            node = logBase is null ? new FuncNode(Func.Ln, [args[0]]) : new FuncNode(Func.Log, [args[0], logBase]);
        }
        else if (f is Func.Gcd or Func.Lcm or Func.Max or Func.Min)
        {
            if (args.Count == 1 && args[0] is SetNode set) args = [.. set.Items];
            node = new FuncNode(f, [.. args]);
        }
        else
        {
            if (args.Count != 1) throw new ParseException($"{name} takes one argument");
            node = new FuncNode(f, [args[0]]);
        }
        return power is null ? node : new PowNode(node, power);
    }

    /// <summary>An unparenthesised function argument: a product of powers (\sin 2x = sin(2x)), ending at the next function.</summary>
    private Node ParseBareArgument()
    {
        var arg = ParseUnary();
        while (true)
        {
            var t = Peek();
            if (t.Kind == TokenKind.Command && FuncOf(t.Value) is not null) break;
            if (t.Kind is TokenKind.Number or TokenKind.Letter || t.Kind == TokenKind.Command)
            {
                arg = Mul(arg, ParsePower());
                continue;
            }
            break;
        }
        return arg;
    }

    private Node OpAtom(Token t)
    {
        switch (t.Value)
        {
            case "(":
            case "[":
                return ParseBracketed(t.Value);
            case "{":
                _p--;
                return ParseBraceGroup();
            case "\\{":
            {
                var items = ParseItems(x => IsOp(x, "\\}"));
                Expect("\\}");
                return new SetNode([.. items], braced: true);
            }
            case "|":
            {
                _absDepth++;
                var inner = ParseAdditive();
                _absDepth--;
                Expect("|");
                return new FuncNode(Func.Abs, [inner]);
            }
            case "⌊":
            {
                var inner = ParseAdditive();
                Expect("⌋");
                return new FuncNode(Func.Floor, [inner]);
            }
            case "⌈":
            {
                var inner = ParseAdditive();
                Expect("⌉");
                return new FuncNode(Func.Ceil, [inner]);
            }
            case "⟨":
            {
                var items = ParseItems(x => IsOp(x, "⟩"));
                Expect("⟩");
                return new TupleNode([.. items]);
            }
            default:
                throw new ParseException($"unexpected '{t.Value}' at {t.Pos}");
        }
    }

    /// <summary>( … ) and [ … ]: a group, a tuple, or an interval when the brackets differ or are square.</summary>
    private Node ParseBracketed(string open)
    {
        int savedAbs = _absDepth;
        _absDepth = 0;
        var items = ParseItems(x => IsOp(x, ")") || IsOp(x, "]"));
        _absDepth = savedAbs;
        var close = Next();
        if (!IsOp(close, ")") && !IsOp(close, "]")) throw new ParseException($"unclosed '{open}'");
        bool roundOpen = open == "(", roundClose = close.Value == ")";
        if (items.Count == 0) throw new ParseException("empty brackets");
        if (items.Count == 1)
        {
            if (roundOpen == roundClose) return items[0];
            throw new ParseException("mismatched brackets");
        }
        if (items.Count == 2 && !(roundOpen && roundClose))
            return new IntervalNode(items[0], items[1], loClosed: !roundOpen, hiClosed: !roundClose);
        if (roundOpen != roundClose) throw new ParseException("mismatched brackets");
        return new TupleNode([.. items]);
    }

    private static bool IsMatrixEnv(string env) => env is "pmatrix" or "bmatrix" or "Bmatrix" or "vmatrix" or "Vmatrix"
        or "matrix" or "smallmatrix" or "psmallmatrix" or "bsmallmatrix" or "array" or "tabular";

    private Node ParseEnvironment(string env)
    {
        if (IsMatrixEnv(env)) return ParseMatrix(env);
        // align, aligned, cases, gather, equation, …: the rows are a list.
        var items = ParseItems(x => x.Kind == TokenKind.EndEnv);
        var end = Next();
        if (end.Kind != TokenKind.EndEnv) throw new ParseException($"\\begin{{{env}}} without \\end");
        if (items.Count == 0) throw new ParseException("empty environment");
        return items.Count == 1 ? items[0] : new SetNode([.. items], braced: false);
    }

    private Node ParseMatrix(string env)
    {
        _matrixDepth++;
        int savedAbs = _absDepth;
        _absDepth = 0;
        var rows = new List<Node[]>();
        var row = new List<Node>();
        while (true)
        {
            _budget.Check();
            var t = Peek();
            if (t.Kind == TokenKind.EndEnv) { Next(); break; }
            if (t.Kind == TokenKind.End) throw new ParseException($"\\begin{{{env}}} without \\end");
            if (t.Kind == TokenKind.RowSep)
            {
                Next();
                if (row.Count > 0) rows.Add([.. row]);
                row = [];
                continue;
            }
            if (IsOp(t, "&")) { Next(); continue; }
            row.Add(ParseRelation());
            if (row.Count > Limits.MaxElements || rows.Count > Limits.MaxElements) throw new ParseException("matrix too large");
            var n = Peek();
            if (!(IsOp(n, "&") || n.Kind is TokenKind.RowSep or TokenKind.EndEnv)) throw new ParseException($"unexpected {n.Kind} in matrix");
        }
        if (row.Count > 0) rows.Add([.. row]);
        _matrixDepth--;
        _absDepth = savedAbs;
        if (rows.Count == 0) throw new ParseException("empty matrix");
        int cols = rows[0].Length;
        if (rows.Any(r => r.Length != cols)) throw new ParseException("ragged matrix");
        return new MatrixNode([.. rows]);
    }
}
