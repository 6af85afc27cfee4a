using Cooper.Verify.Numerics;

namespace Cooper.Verify.Parsing;

/// <summary>
/// The expression tree both parsers (LaTeX and plain math) produce and the equivalence rules
/// consume. Nodes are immutable; children are arrays the node owns.
/// </summary>
internal abstract class Node
{
    /// <summary>LaTeX that <see cref="MathParser"/> reads back to an equivalent tree.</summary>
    public override string ToString() => Printer.Print(this);
}

/// <summary>An exact rational literal. <see cref="IsDecimal"/> marks "3.50"-style literals, which switch
/// comparisons to Math-Verify's rounded mode (a decimal answer is an approximation).</summary>
internal sealed class NumberNode(BigRational value, bool isDecimal = false, string? text = null) : Node
{
    public BigRational Value { get; } = value;
    public bool IsDecimal { get; } = isDecimal;
    /// <summary>The literal as written (for decimals), used when printing.</summary>
    public string? Text { get; } = text;

    public static NumberNode Of(long v) => new(BigRational.FromInteger(v));
}

internal enum Constant { Pi, E, I, Infinity }

internal sealed class ConstantNode : Node
{
    public Constant Which { get; }
    private ConstantNode(Constant which) => Which = which;
    public static readonly ConstantNode Pi = new(Constant.Pi);
    public static readonly ConstantNode E = new(Constant.E);
    public static readonly ConstantNode I = new(Constant.I);
    public static readonly ConstantNode Infinity = new(Constant.Infinity);
}

/// <summary>A free variable. Names are canonical LaTeX: "x", "a_{37}", "\alpha", "x'".</summary>
internal sealed class SymbolNode(string name) : Node
{
    public string Name { get; } = name;
}

internal sealed class AddNode(Node[] terms) : Node
{
    public Node[] Terms { get; } = terms;
}

internal sealed class NegNode(Node operand) : Node
{
    public Node Operand { get; } = operand;
}

internal sealed class MulNode(Node[] factors) : Node
{
    public Node[] Factors { get; } = factors;
}

internal sealed class DivNode(Node numerator, Node denominator) : Node
{
    public Node Numerator { get; } = numerator;
    public Node Denominator { get; } = denominator;
}

internal sealed class PowNode(Node @base, Node exponent) : Node
{
    public Node Base { get; } = @base;
    public Node Exponent { get; } = exponent;
}

internal enum Func
{
    Sqrt, Root, Exp, Ln, Log, Sin, Cos, Tan, Sec, Csc, Cot, Asin, Acos, Atan, Asec, Acsc, Acot,
    Sinh, Cosh, Tanh, Sech, Csch, Coth, Asinh, Acosh, Atanh, Abs, Floor, Ceil, Factorial, Binomial,
    Gcd, Lcm, Max, Min, Sign,
}

/// <summary>A known function. Root's args are (radicand, index); Log's are (x) or (x, base).</summary>
internal sealed class FuncNode(Func func, Node[] args) : Node
{
    public Func Func { get; } = func;
    public Node[] Args { get; } = args;
}

/// <summary>An undefined function applied to arguments: f(x), g(2).</summary>
internal sealed class ApplyNode(string name, Node[] args) : Node
{
    public string Name { get; } = name;
    public Node[] Args { get; } = args;
}

/// <summary>p%: its value is p/100; comparisons also accept the bare p (see docs/VERIFIER.md).</summary>
internal sealed class PercentNode(Node inner) : Node
{
    public Node Inner { get; } = inner;
}

/// <summary>An ordered tuple (a, b, …). A pair also stands for the open interval (a, b).</summary>
internal sealed class TupleNode(Node[] items) : Node
{
    public Node[] Items { get; } = items;
}

internal sealed class IntervalNode(Node lo, Node hi, bool loClosed, bool hiClosed) : Node
{
    public Node Lo { get; } = lo;
    public Node Hi { get; } = hi;
    public bool LoClosed { get; } = loClosed;
    public bool HiClosed { get; } = hiClosed;
}

/// <summary>An unordered collection: a braced set {…} or a bare list "1, 2 and 3" (Math-Verify reads both as sets).</summary>
internal sealed class SetNode(Node[] items, bool braced) : Node
{
    public Node[] Items { get; } = items;
    public bool Braced { get; } = braced;
}

internal enum SetOp { Union, Intersection, Difference }

internal sealed class SetOpNode(SetOp op, Node left, Node right) : Node
{
    public SetOp Op { get; } = op;
    public Node Left { get; } = left;
    public Node Right { get; } = right;
}

internal sealed class MatrixNode(Node[][] rows) : Node
{
    public Node[][] Rows { get; } = rows;
    public int RowCount => Rows.Length;
    public int ColCount => Rows.Length == 0 ? 0 : Rows[0].Length;
}

internal enum RelOp { Eq, Ne, Lt, Le, Gt, Ge, Approx, In, NotIn }

/// <summary>A relation chain a op₁ b op₂ c …: Operands.Length == Ops.Length + 1.</summary>
internal sealed class RelationNode(Node[] operands, RelOp[] ops) : Node
{
    public Node[] Operands { get; } = operands;
    public RelOp[] Ops { get; } = ops;
    public Node Lhs => Operands[0];
    public Node Rhs => Operands[^1];
    public bool IsSingle => Ops.Length == 1;
}

/// <summary>Words: \text{Even}, a multiple-choice letter, a raw string fallback.</summary>
internal sealed class TextNode(string text) : Node
{
    public string Text { get; } = text;
}

/// <summary>±x (or ∓x when <see cref="Minus"/>); expanded into alternatives by <see cref="Normalizer"/>.</summary>
internal sealed class PlusMinusNode(Node operand, bool minus) : Node
{
    public Node Operand { get; } = operand;
    public bool Minus { get; } = minus;
}

/// <summary>"…" in a list such as 1, 2, \dots, n: compared only structurally.</summary>
internal sealed class EllipsisNode : Node
{
    public static readonly EllipsisNode Instance = new();
    private EllipsisNode() { }
}
