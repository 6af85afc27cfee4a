using Cooper.Verify.Safety;

namespace Cooper.Verify.Parsing;

/// <summary>
/// Rewrites a parsed answer into the form the equivalence rules expect:
/// <list type="number">
/// <item>a chain "x = 5+5+1 = 11" keeps its first and last members ("x = 11"); an approximation after an
/// exact value is commentary and dropped ("x = 1/3 ≈ 0.33" → "x = 1/3");</item>
/// <item>in a list, members after an assignment share its left side ("n = 2, 3, 4" → n=2, n=3, n=4);</item>
/// <item>± expands into alternatives ("3 ± √2" → {3+√2, 3−√2});</item>
/// <item>matrix sums, scalar multiples and products are carried out element-wise.</item>
/// </list>
/// </summary>
internal static class Normalizer
{
    public static Node Normalize(Node node, Budget budget)
    {
        node = Rewrite(node, budget, 0);
        var items = node is SetNode { Braced: false } list ? list.Items : [node];
        items = DistributeAssignments(items);
        var expanded = new List<Node>();
        foreach (var item in items)
        {
            budget.Check();
            if (item is SetNode { Braced: true } braced)
            {
                var inner = braced.Items.SelectMany(ExpandPlusMinus).ToArray();
                expanded.Add(new SetNode(inner, braced: true));
            }
            else expanded.AddRange(ExpandPlusMinus(item));
        }
        return expanded.Count == 1 ? expanded[0] : new SetNode([.. expanded], braced: false);
    }

    private static Node Rewrite(Node n, Budget budget, int depth)
    {
        if (depth > Limits.MaxDepth * 2) throw new ParseException("tree too deep");
        budget.Check();
        n = NodeOps.MapChildren(n, c => Rewrite(c, budget, depth + 1));
        return n switch
        {
            RelationNode r => NormalizeChain(r),
            AddNode or MulNode or NegNode or PowNode => MatrixAlgebra.Simplify(n),
            _ => n,
        };
    }

    /// <summary>"a = b = c" → "a = c"; "a = b ≈ c" → "a = b".</summary>
    internal static RelationNode NormalizeChain(RelationNode r)
    {
        if (r.IsSingle || r.Ops.Any(o => o is not (RelOp.Eq or RelOp.Approx))) return r;
        int cut = r.Ops.Length;
        for (int k = 1; k < r.Ops.Length; k++)
        {
            if (r.Ops[k] == RelOp.Approx && r.Ops[..k].Contains(RelOp.Eq)) { cut = k; break; }
        }
        var operands = r.Operands[..(cut + 1)];
        var ops = r.Ops[..cut];
        var op = ops.Contains(RelOp.Eq) ? RelOp.Eq : RelOp.Approx;
        return new RelationNode([operands[0], operands[^1]], [op]);
    }

    private static Node[] DistributeAssignments(Node[] items)
    {
        if (items.Length < 2) return items;
        Node? lhs = null;
        Node[]? result = null;
        for (int i = 0; i < items.Length; i++)
        {
            if (items[i] is RelationNode r)
            {
                lhs = r.IsSingle && r.Ops[0] is RelOp.Eq or RelOp.Approx && NodeOps.IsSymbolLike(r.Lhs) ? r.Lhs : null;
                continue;
            }
            if (lhs is null || items[i] is EllipsisNode) continue;
            result ??= (Node[])items.Clone();
            result[i] = new RelationNode([lhs, items[i]], [RelOp.Eq]);
        }
        return result ?? items;
    }

    /// <summary>
    /// The alternatives of an expression with ± signs. Independent ± signs give every combination
    /// ("(±1, ±2)" → four pairs); a ∓ ties all signs together ("a ± b ∓ c" → a+b−c, a−b+c).
    /// </summary>
    internal static IEnumerable<Node> ExpandPlusMinus(Node n)
    {
        int count = 0;
        bool linked = false;
        NodeOps.Walk(n, x =>
        {
            if (x is PlusMinusNode pm) { count++; linked |= pm.Minus; }
        });
        if (count == 0) return [n];
        if (!linked && count > Limits.MaxPlusMinus) throw new ParseException("too many ± signs");
        int combos = linked ? 2 : 1 << count;
        var result = new List<Node>(combos);
        for (int mask = 0; mask < combos; mask++)
        {
            int index = 0;
            result.Add(Substitute(n, mask, linked, ref index));
        }
        return result;
    }

    private static Node Substitute(Node n, int mask, bool linked, ref int index)
    {
        if (n is PlusMinusNode pm)
        {
            bool minus = linked ? mask == 1 : (mask >> index++ & 1) == 1;
            if (pm.Minus) minus = !minus;
            int idx = index;
            var inner = Substitute(pm.Operand, mask, linked, ref idx);
            index = idx;
            return minus ? new NegNode(inner) : inner;
        }
        int i = index;
        var mapped = NodeOps.MapChildren(n, c => Substitute(c, mask, linked, ref i));
        index = i;
        return mapped;
    }
}
