namespace Cooper.Verify.Parsing;

/// <summary>Generic tree walks: rebuild with mapped children, collect symbols, classify shapes.</summary>
internal static class NodeOps
{
    /// <summary>A copy of <paramref name="n"/> whose children are <paramref name="f"/>(child); n itself when nothing changed.</summary>
    public static Node MapChildren(Node n, Func<Node, Node> f)
    {
        switch (n)
        {
            case AddNode a: return MapArray(a.Terms, f) is { } t ? new AddNode(t) : n;
            case MulNode m: return MapArray(m.Factors, f) is { } fs ? new MulNode(fs) : n;
            case NegNode ng: { var o = f(ng.Operand); return ReferenceEquals(o, ng.Operand) ? n : new NegNode(o); }
            case PlusMinusNode pm: { var o = f(pm.Operand); return ReferenceEquals(o, pm.Operand) ? n : new PlusMinusNode(o, pm.Minus); }
            case PercentNode pc: { var o = f(pc.Inner); return ReferenceEquals(o, pc.Inner) ? n : new PercentNode(o); }
            case DivNode d:
            {
                var a = f(d.Numerator);
                var b = f(d.Denominator);
                return ReferenceEquals(a, d.Numerator) && ReferenceEquals(b, d.Denominator) ? n : new DivNode(a, b);
            }
            case PowNode p:
            {
                var a = f(p.Base);
                var b = f(p.Exponent);
                return ReferenceEquals(a, p.Base) && ReferenceEquals(b, p.Exponent) ? n : new PowNode(a, b);
            }
            case FuncNode fn: return MapArray(fn.Args, f) is { } args ? new FuncNode(fn.Func, args) : n;
            case ApplyNode ap: return MapArray(ap.Args, f) is { } aargs ? new ApplyNode(ap.Name, aargs) : n;
            case TupleNode tu: return MapArray(tu.Items, f) is { } ti ? new TupleNode(ti) : n;
            case SetNode s: return MapArray(s.Items, f) is { } si ? new SetNode(si, s.Braced) : n;
            case RelationNode r: return MapArray(r.Operands, f) is { } ro ? new RelationNode(ro, r.Ops) : n;
            case IntervalNode iv:
            {
                var lo = f(iv.Lo);
                var hi = f(iv.Hi);
                return ReferenceEquals(lo, iv.Lo) && ReferenceEquals(hi, iv.Hi) ? n : new IntervalNode(lo, hi, iv.LoClosed, iv.HiClosed);
            }
            case SetOpNode so:
            {
                var l = f(so.Left);
                var r = f(so.Right);
                return ReferenceEquals(l, so.Left) && ReferenceEquals(r, so.Right) ? n : new SetOpNode(so.Op, l, r);
            }
            case MatrixNode mx:
            {
                Node[][]? rows = null;
                for (int i = 0; i < mx.Rows.Length; i++)
                {
                    var mapped = MapArray(mx.Rows[i], f);
                    if (mapped is null) continue;
                    rows ??= (Node[][])mx.Rows.Clone();
                    rows[i] = mapped;
                }
                return rows is null ? n : new MatrixNode(rows);
            }
            default: return n;
        }
    }

    private static Node[]? MapArray(Node[] items, Func<Node, Node> f)
    {
        Node[]? result = null;
        for (int i = 0; i < items.Length; i++)
        {
            var m = f(items[i]);
            if (ReferenceEquals(m, items[i])) continue;
            result ??= (Node[])items.Clone();
            result[i] = m;
        }
        return result;
    }

    /// <summary>The direct children of a node.</summary>
    public static IEnumerable<Node> Children(Node n)
    {
        var list = new List<Node>();
        MapChildren(n, c => { list.Add(c); return c; });
        return list;
    }

    /// <summary>Calls <paramref name="visit"/> on every node (pre-order), depth bounded.</summary>
    public static void Walk(Node n, Action<Node> visit, int depth = 0)
    {
        if (depth > Safety.Limits.MaxDepth * 2) throw new ParseException("tree too deep");
        visit(n);
        MapChildren(n, c => { Walk(c, visit, depth + 1); return c; });
    }

    /// <summary>Names of free variables (symbols), sorted ordinally.</summary>
    public static SortedSet<string> FreeSymbols(Node n)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        Walk(n, x => { if (x is SymbolNode s) set.Add(s.Name); });
        return set;
    }

    public static bool Any(Node n, Func<Node, bool> predicate)
    {
        bool found = false;
        Walk(n, x => found |= !found && predicate(x));
        return found;
    }

    public static bool ContainsDecimal(Node n, int depth = 0)
    {
        if (depth > Safety.Limits.MaxDepth * 2) return false;
        switch (n)
        {
            case NumberNode num: return num.IsDecimal;
            case SymbolNode or ConstantNode or TextNode or EllipsisNode: return false;
        }
        bool found = false;
        MapChildren(n, c => { found = found || ContainsDecimal(c, depth + 1); return c; });
        return found;
    }

    /// <summary>
    /// A left-hand side that names a quantity rather than computes one: x, f(x), a_3, AB, |AB|, A:B,
    /// (x, y), a+b. "k = 5" then means "the answer is 5"; "2x + z = 1" (numbers on the left) does not.
    /// </summary>
    public static bool IsSymbolLike(Node n) => n switch
    {
        SymbolNode => true,
        ApplyNode => true,
        MulNode m => m.Factors.All(IsSymbolLike),
        DivNode d => IsSymbolLike(d.Numerator) && IsSymbolLike(d.Denominator),
        AddNode a => a.Terms.All(IsSymbolLike),
        FuncNode { Func: Func.Abs } f => IsSymbolLike(f.Args[0]),
        TupleNode t => t.Items.All(IsSymbolLike),
        _ => false,
    };

    /// <summary>Structural identity (same shape, same numbers, same names): the last-resort equality.</summary>
    public static bool StructEqual(Node a, Node b) => StructEqual(a, b, 0);

    private static bool StructEqual(Node a, Node b, int depth)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.GetType() != b.GetType() || depth > Safety.Limits.MaxDepth * 2) return false;
        return (a, b) switch
        {
            (NumberNode x, NumberNode y) => x.Value == y.Value,
            (ConstantNode x, ConstantNode y) => x.Which == y.Which,
            (SymbolNode x, SymbolNode y) => x.Name == y.Name,
            (TextNode x, TextNode y) => x.Text == y.Text,
            (AddNode x, AddNode y) => Same(x.Terms, y.Terms, depth),
            (MulNode x, MulNode y) => Same(x.Factors, y.Factors, depth),
            (NegNode x, NegNode y) => StructEqual(x.Operand, y.Operand, depth + 1),
            (PercentNode x, PercentNode y) => StructEqual(x.Inner, y.Inner, depth + 1),
            (PlusMinusNode x, PlusMinusNode y) => x.Minus == y.Minus && StructEqual(x.Operand, y.Operand, depth + 1),
            (DivNode x, DivNode y) => StructEqual(x.Numerator, y.Numerator, depth + 1) && StructEqual(x.Denominator, y.Denominator, depth + 1),
            (PowNode x, PowNode y) => StructEqual(x.Base, y.Base, depth + 1) && StructEqual(x.Exponent, y.Exponent, depth + 1),
            (FuncNode x, FuncNode y) => x.Func == y.Func && Same(x.Args, y.Args, depth),
            (ApplyNode x, ApplyNode y) => x.Name == y.Name && Same(x.Args, y.Args, depth),
            (TupleNode x, TupleNode y) => Same(x.Items, y.Items, depth),
            (SetNode x, SetNode y) => x.Braced == y.Braced && Same(x.Items, y.Items, depth),
            (RelationNode x, RelationNode y) => x.Ops.AsSpan().SequenceEqual(y.Ops) && Same(x.Operands, y.Operands, depth),
            (IntervalNode x, IntervalNode y) => x.LoClosed == y.LoClosed && x.HiClosed == y.HiClosed
                                                && StructEqual(x.Lo, y.Lo, depth + 1) && StructEqual(x.Hi, y.Hi, depth + 1),
            (SetOpNode x, SetOpNode y) => x.Op == y.Op && StructEqual(x.Left, y.Left, depth + 1) && StructEqual(x.Right, y.Right, depth + 1),
            (MatrixNode x, MatrixNode y) => x.RowCount == y.RowCount && x.Rows.Zip(y.Rows).All(r => Same(r.First, r.Second, depth)),
            (EllipsisNode, EllipsisNode) => true,
            _ => false,
        };
    }

    private static bool Same(Node[] a, Node[] b, int depth)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if (!StructEqual(a[i], b[i], depth + 1)) return false;
        return true;
    }

    /// <summary>Whether any free variable occurs (cheaper than collecting them).</summary>
    public static bool HasSymbols(Node n, int depth = 0)
    {
        if (depth > Safety.Limits.MaxDepth * 2) return true;
        switch (n)
        {
            case SymbolNode: return true;
            case NumberNode or ConstantNode or TextNode or EllipsisNode: return false;
        }
        bool found = false;
        MapChildren(n, c => { found = found || HasSymbols(c, depth + 1); return c; });
        return found;
    }

    /// <summary>Renames symbols by <paramref name="map"/>.</summary>
    public static Node Rename(Node n, IReadOnlyDictionary<string, string> map, int depth = 0)
    {
        if (depth > Safety.Limits.MaxDepth * 2) throw new ParseException("tree too deep");
        if (n is SymbolNode s) return map.TryGetValue(s.Name, out var to) ? new SymbolNode(to) : n;
        return MapChildren(n, c => Rename(c, map, depth + 1));
    }
}
