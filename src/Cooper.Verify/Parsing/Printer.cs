using System.Globalization;
using System.Numerics;
using System.Text;
using Cooper.Verify.Numerics;

namespace Cooper.Verify.Parsing;

/// <summary>
/// Prints a tree as LaTeX that <see cref="MathParser"/> reads back to an equivalent tree (a property
/// the tests check on every dev-case gold). Also the canonical form for structural comparison.
/// </summary>
internal static class Printer
{
    // Precedence: a child printed below its parent's level gets parentheses.
    private const int PRel = 0, PSet = 1, PAdd = 2, PMul = 3, PUnary = 4, PPow = 5, PAtom = 6;

    public static string Print(Node node)
    {
        var sb = new StringBuilder();
        if (node is SetNode { Braced: false } list)
            Join(sb, list.Items, 0);
        else
            Write(sb, node, PRel, 0);
        return sb.ToString();
    }

    private static void Join(StringBuilder sb, Node[] items, int depth)
    {
        for (int i = 0; i < items.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            Write(sb, items[i], PRel, depth + 1);
        }
    }

    private static int Level(Node n) => n switch
    {
        RelationNode => PRel,
        SetOpNode => PSet,
        AddNode => PAdd,
        NumberNode num when num.Value.Sign < 0 => PUnary,
        MulNode or DivNode => PMul,
        NegNode or PlusMinusNode => PUnary,
        PowNode => PPow,
        FuncNode { Func: Func.Factorial } => PPow,
        PercentNode => PPow,
        _ => PAtom,
    };

    private static void Write(StringBuilder sb, Node n, int min, int depth)
    {
        if (depth > Safety.Limits.MaxDepth * 2) throw new ParseException("tree too deep to print");
        if (Level(n) < min)
        {
            sb.Append("\\left(");
            Write(sb, n, PRel, depth + 1);
            sb.Append("\\right)");
            return;
        }
        switch (n)
        {
            case NumberNode num: WriteNumber(sb, num); break;
            case ConstantNode c:
                sb.Append(c.Which switch { Constant.Pi => "\\pi", Constant.E => "e", Constant.I => "i", _ => "\\infty" });
                break;
            case SymbolNode s: sb.Append(s.Name); break;
            case AddNode add:
                for (int i = 0; i < add.Terms.Length; i++)
                {
                    var t = add.Terms[i];
                    if (i > 0 && t is NegNode neg) { sb.Append(" - "); Write(sb, neg.Operand, PMul, depth + 1); }
                    else if (i > 0 && t is PlusMinusNode pm) { sb.Append(pm.Minus ? " \\mp " : " \\pm "); Write(sb, pm.Operand, PMul, depth + 1); }
                    else
                    {
                        if (i > 0) sb.Append(" + ");
                        Write(sb, t, i == 0 ? PAdd : PMul, depth + 1);
                    }
                }
                break;
            case NegNode neg:
                sb.Append('-');
                Write(sb, neg.Operand, neg.Operand is NegNode or NumberNode { Value.Sign: < 0 } ? PAtom : PMul, depth + 1);
                break;
            case PlusMinusNode pm:
                sb.Append(pm.Minus ? "\\mp " : "\\pm ");
                Write(sb, pm.Operand, PPow, depth + 1);
                break;
            case MulNode mul:
                for (int i = 0; i < mul.Factors.Length; i++)
                {
                    if (i > 0) sb.Append(" \\cdot ");
                    Write(sb, mul.Factors[i], i == 0 ? PMul : PPow, depth + 1);
                }
                break;
            case DivNode div:
                sb.Append("\\frac{");
                Write(sb, div.Numerator, PRel, depth + 1);
                sb.Append("}{");
                Write(sb, div.Denominator, PRel, depth + 1);
                sb.Append('}');
                break;
            case PowNode pow:
                sb.Append('{');
                Write(sb, pow.Base, PAtom, depth + 1);
                sb.Append("}^{");
                Write(sb, pow.Exponent, PRel, depth + 1);
                sb.Append('}');
                break;
            case FuncNode f: WriteFunc(sb, f, depth); break;
            case ApplyNode ap:
                sb.Append(ap.Name).Append("\\left(");
                Join(sb, ap.Args, depth);
                sb.Append("\\right)");
                break;
            case PercentNode pc:
                Write(sb, pc.Inner, PAtom, depth + 1);
                sb.Append("\\%");
                break;
            case TupleNode tu:
                sb.Append("\\left(");
                Join(sb, tu.Items, depth);
                sb.Append("\\right)");
                break;
            case IntervalNode iv:
                sb.Append(iv.LoClosed ? "\\left[" : "\\left(");
                Write(sb, iv.Lo, PRel, depth + 1);
                sb.Append(", ");
                Write(sb, iv.Hi, PRel, depth + 1);
                sb.Append(iv.HiClosed ? "\\right]" : "\\right)");
                break;
            case SetNode set:
                if (set.Items.Length == 0) { sb.Append("\\emptyset"); break; }
                sb.Append("\\left\\{");
                Join(sb, set.Items, depth);
                sb.Append("\\right\\}");
                break;
            case SetOpNode so:
                Write(sb, so.Left, PSet, depth + 1);
                sb.Append(so.Op switch { SetOp.Union => " \\cup ", SetOp.Intersection => " \\cap ", _ => " \\setminus " });
                Write(sb, so.Right, PAdd, depth + 1);
                break;
            case MatrixNode m:
                sb.Append("\\begin{pmatrix}");
                for (int r = 0; r < m.Rows.Length; r++)
                {
                    if (r > 0) sb.Append(" \\\\ ");
                    for (int c = 0; c < m.Rows[r].Length; c++)
                    {
                        if (c > 0) sb.Append(" & ");
                        Write(sb, m.Rows[r][c], PRel, depth + 1);
                    }
                }
                sb.Append("\\end{pmatrix}");
                break;
            case RelationNode rel:
                for (int i = 0; i < rel.Operands.Length; i++)
                {
                    if (i > 0) sb.Append(' ').Append(RelText(rel.Ops[i - 1])).Append(' ');
                    Write(sb, rel.Operands[i], PSet, depth + 1);
                }
                break;
            case TextNode text:
                sb.Append("\\text{").Append(text.Text.Replace("{", "(").Replace("}", ")").Replace("\\", "")).Append('}');
                break;
            case EllipsisNode:
                sb.Append("\\dots");
                break;
            default:
                throw new InvalidOperationException($"unknown node {n.GetType().Name}");
        }
    }

    public static string RelText(RelOp op) => op switch
    {
        RelOp.Eq => "=",
        RelOp.Ne => "\\neq",
        RelOp.Lt => "<",
        RelOp.Le => "\\leq",
        RelOp.Gt => ">",
        RelOp.Ge => "\\geq",
        RelOp.Approx => "\\approx",
        RelOp.In => "\\in",
        _ => "\\notin",
    };

    private static void WriteNumber(StringBuilder sb, NumberNode num)
    {
        var v = num.Value;
        if (num.IsDecimal && num.Text is { } text && !text.Contains('e') && !text.Contains('E'))
        {
            sb.Append(text.StartsWith('.') ? "0" + text : text.StartsWith("-.", StringComparison.Ordinal) ? "-0" + text[1..] : text);
            return;
        }
        if (num.IsDecimal && DecimalString(v) is { } dec) { sb.Append(dec); return; }
        if (v.IsInteger) { sb.Append(v.Num.ToString(CultureInfo.InvariantCulture)); return; }
        if (v.Sign < 0) sb.Append('-');
        sb.Append("\\frac{").Append(BigInteger.Abs(v.Num).ToString(CultureInfo.InvariantCulture)).Append("}{")
          .Append(v.Den.ToString(CultureInfo.InvariantCulture)).Append('}');
    }

    /// <summary>A rational whose denominator is 2^a·5^b as a terminating decimal ("0.125"), else null.</summary>
    internal static string? DecimalString(BigRational v)
    {
        var d = v.Den;
        int twos = 0, fives = 0;
        while (d.IsEven) { d >>= 1; twos++; }
        while ((d % 5).IsZero) { d /= 5; fives++; }
        if (!d.IsOne) return null;
        int k = Math.Max(twos, fives);
        if (k > 400) return null;
        var scaled = BigInteger.Abs(v.Num) * BigInteger.Pow(10, k) / v.Den;
        var digits = scaled.ToString(CultureInfo.InvariantCulture).PadLeft(k + 1, '0');
        var s = k == 0 ? digits : digits[..^k] + "." + digits[^k..];
        return v.Sign < 0 ? "-" + s : s;
    }

    private static void WriteFunc(StringBuilder sb, FuncNode f, int depth)
    {
        switch (f.Func)
        {
            case Func.Sqrt:
                sb.Append("\\sqrt{");
                Write(sb, f.Args[0], PRel, depth + 1);
                sb.Append('}');
                return;
            case Func.Root:
                sb.Append("\\sqrt[");
                Write(sb, f.Args[1], PAdd, depth + 1);
                sb.Append("]{");
                Write(sb, f.Args[0], PRel, depth + 1);
                sb.Append('}');
                return;
            case Func.Abs:
                sb.Append("\\left|");
                Write(sb, f.Args[0], PRel, depth + 1);
                sb.Append("\\right|");
                return;
            case Func.Floor:
                sb.Append("\\lfloor ");
                Write(sb, f.Args[0], PRel, depth + 1);
                sb.Append(" \\rfloor");
                return;
            case Func.Ceil:
                sb.Append("\\lceil ");
                Write(sb, f.Args[0], PRel, depth + 1);
                sb.Append(" \\rceil");
                return;
            case Func.Factorial:
                Write(sb, f.Args[0], PAtom, depth + 1);
                sb.Append('!');
                return;
            case Func.Binomial:
                sb.Append("\\binom{");
                Write(sb, f.Args[0], PRel, depth + 1);
                sb.Append("}{");
                Write(sb, f.Args[1], PRel, depth + 1);
                sb.Append('}');
                return;
            case Func.Log:
                sb.Append("\\log_{");
                Write(sb, f.Args[1], PRel, depth + 1);
                sb.Append("}\\left(");
                Write(sb, f.Args[0], PRel, depth + 1);
                sb.Append("\\right)");
                return;
        }
        sb.Append('\\').Append(FuncName(f.Func)).Append("\\left(");
        Join(sb, f.Args, depth);
        sb.Append("\\right)");
    }

    public static string FuncName(Func f) => f switch
    {
        Func.Exp => "exp", Func.Ln => "ln", Func.Sin => "sin", Func.Cos => "cos", Func.Tan => "tan", Func.Sec => "sec",
        Func.Csc => "csc", Func.Cot => "cot", Func.Asin => "arcsin", Func.Acos => "arccos", Func.Atan => "arctan",
        Func.Asec => "arcsec", Func.Acsc => "arccsc", Func.Acot => "arccot", Func.Sinh => "sinh", Func.Cosh => "cosh",
        Func.Tanh => "tanh", Func.Sech => "sech", Func.Csch => "csch", Func.Coth => "coth", Func.Asinh => "arsinh",
        Func.Acosh => "arcosh", Func.Atanh => "artanh", Func.Gcd => "gcd", Func.Lcm => "lcm", Func.Max => "max",
        Func.Min => "min", Func.Sign => "sgn", _ => f.ToString().ToLowerInvariant(),
    };
}
