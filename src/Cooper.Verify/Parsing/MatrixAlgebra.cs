namespace Cooper.Verify.Parsing;

/// <summary>
/// Carries out matrix arithmetic written in an answer ("A + B", "2A", "AB", "A^T", "A^2") so that
/// matrices compare element by element. Shapes that do not fit leave the expression unchanged.
/// </summary>
internal static class MatrixAlgebra
{
    private const int MaxPower = 8;

    public static Node Simplify(Node n)
    {
        switch (n)
        {
            case NegNode { Operand: MatrixNode m }:
                return Map(m, x => new NegNode(x));
            case AddNode add when add.Terms.Any(t => AsMatrix(t) is not null):
            {
                var mats = add.Terms.Select(AsMatrix).ToArray();
                if (mats.Any(m => m is null)) return n;
                var first = mats[0]!;
                if (mats.Any(m => m!.RowCount != first.RowCount || m.ColCount != first.ColCount)) return n;
                var rows = new Node[first.RowCount][];
                for (int r = 0; r < rows.Length; r++)
                {
                    rows[r] = new Node[first.ColCount];
                    for (int c = 0; c < first.ColCount; c++)
                        rows[r][c] = new AddNode(mats.Select(m => m!.Rows[r][c]).ToArray());
                }
                return new MatrixNode(rows);
            }
            case MulNode mul when mul.Factors.Any(f => f is MatrixNode):
            {
                var scalars = new List<Node>();
                MatrixNode? acc = null;
                foreach (var f in mul.Factors)
                {
                    if (f is MatrixNode m)
                    {
                        acc = acc is null ? m : Product(acc, m);
                        if (acc is null) return n;
                    }
                    else scalars.Add(f);
                }
                return scalars.Count == 0 ? acc! : Map(acc!, x => new MulNode([.. scalars, x]));
            }
            case PowNode { Base: MatrixNode m, Exponent: SymbolNode { Name: "T" } }:
            {
                var rows = new Node[m.ColCount][];
                for (int c = 0; c < m.ColCount; c++)
                {
                    rows[c] = new Node[m.RowCount];
                    for (int r = 0; r < m.RowCount; r++) rows[c][r] = m.Rows[r][c];
                }
                return new MatrixNode(rows);
            }
            case PowNode { Base: MatrixNode m, Exponent: NumberNode k } when m.RowCount == m.ColCount && k.Value.IsInteger
                                                                        && k.Value.Sign > 0 && k.Value.Num <= MaxPower:
            {
                var acc = m;
                for (int i = 1; i < (int)k.Value.Num; i++) acc = Product(acc, m)!;
                return acc;
            }
            default:
                return n;
        }
    }

    private static MatrixNode? AsMatrix(Node n) => n switch
    {
        MatrixNode m => m,
        NegNode { Operand: MatrixNode m } => Map(m, x => new NegNode(x)),
        _ => null,
    };

    private static MatrixNode Map(MatrixNode m, Func<Node, Node> f) =>
        new(m.Rows.Select(r => r.Select(f).ToArray()).ToArray());

    private static MatrixNode? Product(MatrixNode a, MatrixNode b)
    {
        if (a.ColCount != b.RowCount) return null;
        var rows = new Node[a.RowCount][];
        for (int r = 0; r < a.RowCount; r++)
        {
            rows[r] = new Node[b.ColCount];
            for (int c = 0; c < b.ColCount; c++)
            {
                var terms = new Node[a.ColCount];
                for (int k = 0; k < a.ColCount; k++) terms[k] = new MulNode([a.Rows[r][k], b.Rows[k][c]]);
                rows[r][c] = terms.Length == 1 ? terms[0] : new AddNode(terms);
            }
        }
        return new MatrixNode(rows);
    }
}
