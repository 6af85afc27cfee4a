using System.Numerics;
using Cooper.Verify.Numerics;
using Cooper.Verify.Parsing;
using Cooper.Verify.Safety;

namespace Cooper.Verify.Equivalence;

/// <summary>
/// Decides whether a prediction's answer equals the gold answer. The rules, in the order they are
/// tried (each documented in docs/VERIFIER.md):
/// <list type="number">
/// <item>"x ∈ S" is the set S.</item>
/// <item>Solution lists: "x=1, y=2; x=3, y=4" matched per solution, against another such list by variable
/// name or against tuples "(1, 2), (3, 4)" in the order the variables were written.</item>
/// <item>Relation vs non-relation (asymmetric, as Math-Verify): an assignment "x = v" on either side is
/// compared through v; a gold relation is read as the set it describes when the prediction is a set;
/// a predicted relation is read as a set only with <see cref="VerifyOptions.AllowSetRelationComp"/>.</item>
/// <item>Relations: equations with equal sides (either order) or proportional differences;
/// inequalities likewise with a positive factor; chains as intervals; a relation on |x + c| as the set of x
/// ("2 ≤ |w| ≤ 5" is [−5, −2] ∪ [2, 5]).</item>
/// <item>Words and choice letters: normalised text.</item>
/// <item>Sets and bare lists: unordered, duplicates ignored, matched one to one; a tuple equals a set of as many
/// elements when it is the set in increasing order (Math-Verify's leniency: (2, 5) ≡ {5, 2}).</item>
/// <item>Intervals and unions: merged into disjoint intervals, endpoints and closedness compared.</item>
/// <item>Tuples and matrices: element-wise in order.</item>
/// <item>Percentages: p% equals p% , p, or p/100.</item>
/// <item>Scalars: exact rationals; else rounded (a decimal literal present) or toleranced doubles;
/// with free variables, agreement at seeded sample points.</item>
/// </list>
/// </summary>
internal sealed class Comparer
{
    private readonly VerifyOptions _o;
    private readonly Budget _budget;
    private readonly double _tol;
    private int _depth;
    private VerdictRule _rule = VerdictRule.NotEquivalent;

    public Comparer(VerifyOptions options, Budget budget)
    {
        _o = options;
        _budget = budget;
        _tol = Math.Pow(10, -Math.Min(options.NumericPrecision, 11));
    }

    /// <summary>Compares and reports the rule that decided (for a match, the outermost rule that succeeded).</summary>
    public (bool Equal, VerdictRule Rule) Compare(Node gold, Node pred)
    {
        if (!_o.Strict) pred = RenameToGold(gold, pred);
        _rule = VerdictRule.NotEquivalent;
        bool eq = Eq(gold, pred);
        return (eq, eq ? _rule : VerdictRule.NotEquivalent);
    }

    private static Node RenameToGold(Node gold, Node pred)
    {
        var gs = NodeOps.FreeSymbols(gold);
        var ps = NodeOps.FreeSymbols(pred);
        if (gs.Count == 0 || gs.Count != ps.Count || gs.SetEquals(ps)) return pred;
        var map = ps.Zip(gs).ToDictionary(t => t.First, t => t.Second, StringComparer.Ordinal);
        return NodeOps.Rename(pred, map);
    }

    private bool Ok(VerdictRule rule)
    {
        _rule = rule;
        return true;
    }

    private bool Eq(Node g, Node p)
    {
        if (++_depth > Limits.MaxDepth)
        {
            _depth--;
            return false;
        }
        try { return EqCore(g, p); }
        finally { _depth--; }
    }

    private bool EqCore(Node g, Node p)
    {
        _budget.Check();
        if (Membership(g) is { } gSet) g = gSet;
        if (Membership(p) is { } pSet) p = pSet;
        if ((g is SetNode || p is SetNode) && SolutionsEq(g, p) is { } solutions) return solutions;

        var gr = g as RelationNode;
        var pr = p as RelationNode;
        if (gr is not null && pr is null)
        {
            if (IsAssignment(gr) && Eq(gr.Rhs, p)) return Ok(VerdictRule.AssignmentValue);
            if (IsSetLike(p) && RelationToSet(gr) is { } rs) return SetLikeEq(rs.Set, p) && Ok(VerdictRule.IntervalMatch);   // |x| = 3 vs {−3, 3}
            return false;
        }
        if (pr is not null && gr is null)
        {
            if (IsAssignment(pr) && Eq(g, pr.Rhs)) return Ok(VerdictRule.AssignmentValue);
            if (_o.AllowSetRelationComp && IsSetLike(g) && RelationToSet(pr) is { } rs) return SetLikeEq(g, rs.Set) && Ok(VerdictRule.IntervalMatch);
            return false;
        }
        if (gr is not null) return RelationEq(gr, pr!);

        if (g is TextNode || p is TextNode) return TextEq(g, p);

        if (g is TupleNode gt0 && p is SetNode ps0 && gt0.Items.Length == ps0.Items.Length) return TupleSetEq(gt0, ps0, tupleIsGold: true);
        if (p is TupleNode pt0 && g is SetNode gs0 && pt0.Items.Length == gs0.Items.Length) return TupleSetEq(pt0, gs0, tupleIsGold: false);
        if (g is SetNode gs)
        {
            if (p is SetNode ps) return SetEq(gs.Items, ps.Items);
            if (IsIntervalLike(p)) return SetLikeEq(g, p) && Ok(VerdictRule.IntervalMatch);
            return SingleElement(gs) is { } only && Eq(only, p);
        }
        if (p is SetNode ps1)
        {
            if (IsIntervalLike(g)) return SetLikeEq(g, p) && Ok(VerdictRule.IntervalMatch);
            return SingleElement(ps1) is { } only && Eq(g, only);
        }
        if (g is IntervalNode or SetOpNode || p is IntervalNode or SetOpNode)
            return SetLikeEq(g, p) && Ok(VerdictRule.IntervalMatch);
        if (g is TupleNode gt)
            return p is TupleNode pt && gt.Items.Length == pt.Items.Length && AllEq(gt.Items, pt.Items) && Ok(VerdictRule.ElementWise);
        if (p is TupleNode) return false;
        if (g is MatrixNode gm)
            return p is MatrixNode pm && gm.RowCount == pm.RowCount && gm.ColCount == pm.ColCount
                   && gm.Rows.Zip(pm.Rows).All(r => AllEq(r.First, r.Second)) && Ok(VerdictRule.ElementWise);
        if (p is MatrixNode) return false;
        if (g is PercentNode || p is PercentNode) return PercentEq(g, p);
        if (g is EllipsisNode || p is EllipsisNode) return g is EllipsisNode && p is EllipsisNode && Ok(VerdictRule.Structural);
        return ScalarEq(g, p);
    }

    private bool AllEq(Node[] a, Node[] b)
    {
        for (int i = 0; i < a.Length; i++)
            if (!Eq(a[i], b[i])) return false;
        return true;
    }

    // ---- relations -----------------------------------------------------------------------------

    /// <summary>"x ∈ S" (x a variable) stands for S.</summary>
    private static Node? Membership(Node n) =>
        n is RelationNode { IsSingle: true } r && r.Ops[0] == RelOp.In && NodeOps.IsSymbolLike(r.Lhs) ? r.Rhs : null;

    private static bool IsAssignment(RelationNode r) =>
        r.IsSingle && r.Ops[0] is RelOp.Eq or RelOp.Approx && NodeOps.IsSymbolLike(r.Lhs);

    private static bool IsEqLike(RelOp op) => op is RelOp.Eq or RelOp.Approx;

    private static bool IsInequality(RelOp op) => op is RelOp.Lt or RelOp.Le or RelOp.Gt or RelOp.Ge;

    private static RelationNode Single(RelationNode r, int i) => new([r.Operands[i], r.Operands[i + 1]], [r.Ops[i]]);

    private bool RelationEq(RelationNode g, RelationNode p)
    {
        if (g.IsSingle && p.IsSingle)
        {
            RelOp og = g.Ops[0], op = p.Ops[0];
            if (IsEqLike(og) && IsEqLike(op) || og == RelOp.Ne && op == RelOp.Ne)
                return EquationEq(g.Lhs, g.Rhs, p.Lhs, p.Rhs) && Ok(VerdictRule.RelationMatch);
            if (og is RelOp.In or RelOp.NotIn && og == op)
                return Eq(g.Lhs, p.Lhs) && Eq(g.Rhs, p.Rhs) && Ok(VerdictRule.RelationMatch);
            if (IsInequality(og) && IsInequality(op)) return InequalityEq(g, p) && Ok(VerdictRule.RelationMatch);
            return false;
        }
        if (RelationToSet(g) is { } gs && RelationToSet(p) is { } ps && NodeOps.StructEqual(gs.Var, ps.Var))
            return SetLikeEq(gs.Set, ps.Set) && Ok(VerdictRule.IntervalMatch);
        if (g.Ops.Length != p.Ops.Length) return false;
        int n = g.Ops.Length;
        bool forward = true, backward = true;
        for (int i = 0; i < n && forward; i++) forward = RelationEq(Single(g, i), Single(p, i));
        if (forward) return Ok(VerdictRule.RelationMatch);
        for (int i = 0; i < n && backward; i++) backward = RelationEq(Single(g, i), Single(p, n - 1 - i));
        return backward && Ok(VerdictRule.RelationMatch);
    }

    private static bool IsScalarShape(Node n) =>
        n is not (TupleNode or SetNode or IntervalNode or SetOpNode or MatrixNode or TextNode or RelationNode or EllipsisNode);

    private static bool HasFree(Node n) => NodeOps.HasSymbols(n);

    /// <summary>Equations: same left side and equal right sides, the sides swapped, or lhs−rhs proportional.</summary>
    private bool EquationEq(Node gl, Node gr, Node pl, Node pr)
    {
        if (gl is SymbolNode a && pl is SymbolNode b && a.Name != b.Name && !NodeOps.StructEqual(gl, pr)) return false;   // x = … vs y = …
        if (NodeOps.IsSymbolLike(gl) && NodeOps.StructEqual(gl, pl)) return Eq(gr, pr);
        if (NodeOps.IsSymbolLike(gl) && NodeOps.StructEqual(gl, pr)) return Eq(gr, pl);
        if (NodeOps.IsSymbolLike(gr) && NodeOps.StructEqual(gr, pr)) return Eq(gl, pl);
        bool scalar = IsScalarShape(gl) && IsScalarShape(gr) && IsScalarShape(pl) && IsScalarShape(pr);
        if (!scalar || !(HasFree(gl) || HasFree(gr) || HasFree(pl) || HasFree(pr)))
            return Eq(gl, pl) && Eq(gr, pr) || Eq(gl, pr) && Eq(gr, pl);
        return Proportional(Difference(gl, gr), Difference(pl, pr), positive: false);
    }

    private static Node Difference(Node a, Node b) => new AddNode([a, new NegNode(b)]);

    /// <summary>An inequality as (smaller side, larger side, strict).</summary>
    private static (Node Small, Node Big, bool Strict) Orient(RelationNode r) => r.Ops[0] switch
    {
        RelOp.Lt => (r.Lhs, r.Rhs, true),
        RelOp.Le => (r.Lhs, r.Rhs, false),
        RelOp.Gt => (r.Rhs, r.Lhs, true),
        _ => (r.Rhs, r.Lhs, false),
    };

    /// <summary>Inequalities: same orientation and strictness, sides equal or big−small proportional with a positive factor.</summary>
    private bool InequalityEq(RelationNode g, RelationNode p)
    {
        var (gs, gb, gStrict) = Orient(g);
        var (ps, pb, pStrict) = Orient(p);
        if (gStrict != pStrict) return false;
        if (NodeOps.StructEqual(gs, ps)) return Eq(gb, pb);
        if (NodeOps.StructEqual(gb, pb)) return Eq(gs, ps);
        bool free = HasFree(gs) || HasFree(gb) || HasFree(ps) || HasFree(pb);
        if (!free || !(IsScalarShape(gs) && IsScalarShape(gb) && IsScalarShape(ps) && IsScalarShape(pb)))
            return Eq(gs, ps) && Eq(gb, pb);
        return Proportional(Difference(gb, gs), Difference(pb, ps), positive: true);
    }

    private static RelOp Flip(RelOp op) => op switch
    {
        RelOp.Lt => RelOp.Gt,
        RelOp.Gt => RelOp.Lt,
        RelOp.Le => RelOp.Ge,
        RelOp.Ge => RelOp.Le,
        _ => op,
    };

    /// <summary>
    /// The set a relation in one variable describes: "x ≥ 5" → [5, ∞), "0 &lt; f(x) &lt; 1" → (0, 1),
    /// "x ≠ 3" → (−∞, 3) ∪ (3, ∞), "x = 2" → {2}, "x ∈ S" → S. Null when it is not of that form.
    /// </summary>
    private (Node Set, Node Var)? RelationToSet(RelationNode r)
    {
        var inf = ConstantNode.Infinity;
        var negInf = new NegNode(ConstantNode.Infinity);
        if (r.IsSingle)
        {
            Node a = r.Lhs, b = r.Rhs;
            var op = r.Ops[0];
            if (op == RelOp.In) return NodeOps.IsSymbolLike(a) ? (b, a) : null;
            bool fa = HasFree(a), fb = HasFree(b);
            if (fa == fb || !IsScalarShape(a) || !IsScalarShape(b)) return null;
            var (v, c) = fa ? (a, b) : (b, a);
            if (!fa) op = Flip(op);
            Node? set = op switch
            {
                RelOp.Eq or RelOp.Approx => new SetNode([c], braced: true),
                RelOp.Ne => new SetOpNode(SetOp.Union, new IntervalNode(negInf, c, false, false), new IntervalNode(c, inf, false, false)),
                RelOp.Lt => new IntervalNode(negInf, c, false, false),
                RelOp.Le => new IntervalNode(negInf, c, false, true),
                RelOp.Gt => new IntervalNode(c, inf, false, false),
                RelOp.Ge => new IntervalNode(c, inf, true, false),
                _ => null,
            };
            return set is null ? null : AbsPreimage(set, v) ?? (set, v);
        }
        if (r.Ops.Length == 2)
        {
            Node a = r.Operands[0], v = r.Operands[1], b = r.Operands[2];
            RelOp o1 = r.Ops[0], o2 = r.Ops[1];
            if (!HasFree(v) || HasFree(a) || HasFree(b)) return null;
            Node? set = null;
            if (o1 is RelOp.Lt or RelOp.Le && o2 is RelOp.Lt or RelOp.Le) set = new IntervalNode(a, b, o1 == RelOp.Le, o2 == RelOp.Le);
            if (o1 is RelOp.Gt or RelOp.Ge && o2 is RelOp.Gt or RelOp.Ge) set = new IntervalNode(b, a, o2 == RelOp.Ge, o1 == RelOp.Ge);
            return set is null ? null : AbsPreimage(set, v) ?? (set, v);
        }
        return null;
    }

    /// <summary>
    /// A condition on |x + c| as a set of x: each interval [lo, hi] of S (clipped at 0) gives [lo, hi] and its mirror
    /// [−hi, −lo], shifted by −c. "2 ≤ |w| ≤ 5" → [−5, −2] ∪ [2, 5]; "|x − 1| &lt; 2" → (−1, 3); "|x| = 3" → {−3, 3}.
    /// Null unless the variable is such an absolute value and S has numeric endpoints.
    /// </summary>
    private (Node Set, Node Var)? AbsPreimage(Node set, Node var)
    {
        if (var is not FuncNode { Func: Func.Abs } abs) return null;
        Node inner = abs.Args[0];
        Node? x = null, c = null;
        if (inner is SymbolNode) x = inner;
        else if (inner is AddNode { Terms.Length: 2 } sum)
        {
            int k = sum.Terms[0] is SymbolNode ? 0 : sum.Terms[1] is SymbolNode ? 1 : -1;
            if (k < 0 || HasFree(sum.Terms[1 - k]) || RealValue(sum.Terms[1 - k]) is null) return null;
            (x, c) = (sum.Terms[k], sum.Terms[1 - k]);
        }
        if (x is null || Components(set) is not { } components) return null;
        Node Shift(Node e) => c is null || InfinitySign(e) is not null ? e : new AddNode([e, new NegNode(c)]);
        var parts = new List<Node>();
        foreach (var comp in components)
        {
            if (RealValue(comp.Lo) is not { } lo || RealValue(comp.Hi) is not { } hi) return null;
            if (hi < 0 || hi == 0 && !comp.HiClosed) continue;                    // |x + c| is never negative
            var (low, lowClosed) = lo < 0 ? (NumberNode.Of(0), true) : (comp.Lo, comp.LoClosed);
            parts.Add(new IntervalNode(Shift(new NegNode(comp.Hi)), Shift(new NegNode(low)), comp.HiClosed, lowClosed));
            parts.Add(new IntervalNode(Shift(low), Shift(comp.Hi), lowClosed, comp.HiClosed));
        }
        if (parts.Count == 0) return (new SetNode([], braced: true), x);
        return (parts.Skip(1).Aggregate(parts[0], (u, part) => new SetOpNode(SetOp.Union, u, part)), x);
    }

    // ---- solution lists ------------------------------------------------------------------------

    /// <summary>One solution of a system: the values of <see cref="Vars"/>, in the order they were first written.</summary>
    private sealed record Solution(string[] Vars, Node[] Values);

    /// <summary>
    /// The solutions a list of assignments states: "x=1, y=2; x=3, y=4" is (x, y) ∈ {(1, 2), (3, 4)} — the list is
    /// cut where a variable repeats and every group must assign the same variables once each — and
    /// "(x, y) = (1, 2), (3, 4)" likewise. Null unless it names at least two variables.
    /// </summary>
    private static List<Solution>? Solutions(Node n)
    {
        Node[] items = n switch { SetNode s => s.Items, RelationNode r => [r], _ => [] };
        if (items.Length == 0 || items.Length > Limits.MaxElements || items[0] is not RelationNode) return null;
        var result = new List<Solution>();
        if (items[0] is RelationNode { Lhs: TupleNode })
        {
            foreach (var item in items)
            {
                if (item is not RelationNode { IsSingle: true } r || !IsEqLike(r.Ops[0]) || r.Lhs is not TupleNode lhs
                    || r.Rhs is not TupleNode rhs || lhs.Items.Length != rhs.Items.Length || VariableNames(lhs.Items) is not { } vars)
                    return null;
                result.Add(new Solution(vars, rhs.Items));
            }
            return result[0].Vars.Length >= 2 ? Reordered(result) : null;
        }
        var names = new string[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            if (items[i] is not RelationNode { IsSingle: true } r || !IsEqLike(r.Ops[0]) || r.Lhs is not SymbolNode v) return null;
            names[i] = v.Name;
        }
        int k = 1;
        while (k < names.Length && Array.IndexOf(names, names[k], 0, k) < 0) k++;
        if (k < 2 || names.Length % k != 0) return null;
        for (int start = 0; start < items.Length; start += k)
        {
            var group = names[start..(start + k)];
            if (group.Distinct(StringComparer.Ordinal).Count() != k) return null;
            result.Add(new Solution(group, [.. items[start..(start + k)].Select(x => ((RelationNode)x).Rhs)]));
        }
        return Reordered(result);
    }

    /// <summary>Distinct variable names, or null when an item is not a plain variable or a name repeats.</summary>
    private static string[]? VariableNames(Node[] items)
    {
        var names = new string[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            if (items[i] is not SymbolNode v || Array.IndexOf(names, v.Name, 0, i) >= 0) return null;
            names[i] = v.Name;
        }
        return names;
    }

    /// <summary>Every solution's values in the first solution's variable order; null when the variables differ.</summary>
    private static List<Solution>? Reordered(List<Solution> solutions)
    {
        var order = solutions[0].Vars;
        var result = new List<Solution>(solutions.Count);
        foreach (var s in solutions)
        {
            if (s.Vars.Length != order.Length) return null;
            var values = new Node[order.Length];
            for (int i = 0; i < order.Length; i++)
            {
                int j = Array.IndexOf(s.Vars, order[i]);
                if (j < 0) return null;
                values[i] = s.Values[j];
            }
            result.Add(new Solution(order, values));
        }
        return result;
    }

    /// <summary>
    /// Solution lists (rule 2, before relations and sets): against another solution list, matched one to one by
    /// variable name; against a tuple or a list of tuples, each solution read as the tuple of its values in the order
    /// the variables were written ("x=1, y=2; x=3, y=4" ≡ "(1, 2), (3, 4)"). Null when neither side is a solution
    /// list or the other side is neither kind, so the other rules decide.
    /// </summary>
    private bool? SolutionsEq(Node g, Node p)
    {
        var gs = Solutions(g);
        var ps = Solutions(p);
        if (gs is null && ps is null) return null;
        if (gs is not null && ps is not null)
        {
            var gv = gs[0].Vars.Order(StringComparer.Ordinal);
            if (!gv.SequenceEqual(ps[0].Vars.Order(StringComparer.Ordinal))) return false;
            var aligned = Reordered([gs[0], .. ps])![1..];
            return gs.Count == aligned.Count && Match(gs, aligned, (a, b) => AllEq(a.Values, b.Values)) && Ok(VerdictRule.SolutionMatch);
        }
        var (solutions, other) = gs is not null ? (gs, p) : (ps!, g);
        int arity = solutions[0].Vars.Length;
        List<Node[]>? tuples = other switch
        {
            TupleNode t when t.Items.Length == arity => [t.Items],
            SetNode set when set.Items.All(i => i is TupleNode t && t.Items.Length == arity) => [.. set.Items.Select(i => ((TupleNode)i).Items)],
            _ => null,
        };
        if (tuples is null) return null;
        var values = solutions.Select(s => s.Values).ToList();
        return values.Count == tuples.Count
               && (gs is not null ? Match(values, tuples, AllEq) : Match(tuples, values, AllEq)) && Ok(VerdictRule.SolutionMatch);
    }

    // ---- sets and intervals --------------------------------------------------------------------

    /// <summary>
    /// A tuple against a set of as many elements, as Math-Verify compares them (it sorts the set and compares it
    /// with the tuple in order; a pair is also its open interval, compared with a two-element set the same way).
    /// With real values the tuple must be the set in increasing order: {2, 5} ≡ (2, 5) ≡ {5, 2} and
    /// (1, 2, 3) ≡ {3, 1, 2}, but (5, 2) ≢ {2, 5}; with symbols the elements match one to one in any order.
    /// </summary>
    private bool TupleSetEq(TupleNode tuple, SetNode set, bool tupleIsGold)
    {
        var items = tuple.Items;
        if (items.Length > Limits.MaxElements) return false;
        var sorted = new (double Value, Node Node)[set.Items.Length];
        bool real = true;
        for (int i = 0; i < sorted.Length; i++)
        {
            if (RealValue(set.Items[i]) is not { } v || RealValue(items[i]) is null) { real = false; break; }
            sorted[i] = (v, set.Items[i]);
        }
        if (!real)
        {
            var t = items.ToList();
            var e = set.Items.ToList();
            return (tupleIsGold ? Match(t, e, Eq) : Match(e, t, Eq)) && Ok(VerdictRule.SetMatch);
        }
        Array.Sort(sorted, static (a, b) => a.Value.CompareTo(b.Value));
        for (int i = 0; i < items.Length; i++)
            if (!(tupleIsGold ? Eq(items[i], sorted[i].Node) : Eq(sorted[i].Node, items[i]))) return false;
        return Ok(VerdictRule.SetMatch);
    }

    private static bool IsIntervalLike(Node n) => n is IntervalNode or SetOpNode || n is TupleNode { Items.Length: 2 };

    private static bool IsSetLike(Node n) => IsIntervalLike(n) || n is SetNode;

    private sealed record Component(Node Lo, Node Hi, bool LoClosed, bool HiClosed);

    private static List<Component>? Components(Node n)
    {
        switch (n)
        {
            case IntervalNode iv: return [new Component(iv.Lo, iv.Hi, iv.LoClosed, iv.HiClosed)];
            case TupleNode { Items.Length: 2 } t: return [new Component(t.Items[0], t.Items[1], false, false)];
            case SetNode s:
                if (s.Items.Any(i => !IsScalarShape(i))) return null;
                return s.Items.Select(i => new Component(i, i, true, true)).ToList();
            case SetOpNode { Op: SetOp.Union } u:
                var l = Components(u.Left);
                var r = Components(u.Right);
                return l is null || r is null ? null : [.. l, .. r];
            default: return null;
        }
    }

    /// <summary>Sets of reals: merged into disjoint intervals when the endpoints are numbers, then compared in order.</summary>
    private bool SetLikeEq(Node a, Node b)
    {
        var ca = Components(a);
        var cb = Components(b);
        if (ca is null || cb is null) return NodeOps.StructEqual(a, b);
        var ma = Merge(ca);
        var mb = Merge(cb);
        if (ma is not null && mb is not null)
        {
            if (ma.Count != mb.Count) return false;
            for (int i = 0; i < ma.Count; i++)
                if (!ComponentEq(ma[i], mb[i])) return false;
            return true;
        }
        return ca.Count == cb.Count && Match(ca, cb, ComponentEq);
    }

    private bool ComponentEq(Component x, Component y)
    {
        bool loInf = InfinitySign(x.Lo) is not null, hiInf = InfinitySign(x.Hi) is not null;
        if (!loInf && x.LoClosed != y.LoClosed || !hiInf && x.HiClosed != y.HiClosed) return false;
        return Eq(x.Lo, y.Lo) && Eq(x.Hi, y.Hi);
    }

    private List<Component>? Merge(List<Component> comps)
    {
        var valued = new List<(double Lo, double Hi, Component C)>(comps.Count);
        foreach (var c in comps)
        {
            if (RealValue(c.Lo) is not { } lo || RealValue(c.Hi) is not { } hi) return null;
            if (lo > hi || lo == hi && !(c.LoClosed && c.HiClosed)) continue;      // empty interval
            valued.Add((lo, hi, c));
        }
        valued.Sort((p, q) => p.Lo != q.Lo ? p.Lo.CompareTo(q.Lo) : q.C.LoClosed.CompareTo(p.C.LoClosed));
        var result = new List<Component>();
        double curHi = double.NaN;
        Component? cur = null;
        foreach (var (lo, hi, c) in valued)
        {
            if (cur is not null && (lo < curHi && !Near(lo, curHi) || Near(lo, curHi) && (cur.HiClosed || c.LoClosed)))
            {
                if (hi > curHi && !Near(hi, curHi)) { cur = cur with { Hi = c.Hi, HiClosed = c.HiClosed }; curHi = hi; }
                else if (Near(hi, curHi)) cur = cur with { HiClosed = cur.HiClosed || c.HiClosed };
                continue;
            }
            if (cur is not null) result.Add(cur);
            cur = c;
            curHi = hi;
        }
        if (cur is not null) result.Add(cur);
        return result;
    }

    /// <summary>Equal up to rounding; an infinite endpoint is near only itself (the relative bound would be ∞ ≤ ∞).</summary>
    private static bool Near(double a, double b) =>
        a == b || double.IsFinite(a) && double.IsFinite(b) && Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));

    private double? RealValue(Node n)
    {
        if (InfinitySign(n) is { } s) return s > 0 ? double.PositiveInfinity : double.NegativeInfinity;
        if (HasFree(n) || !IsScalarShape(n)) return null;
        try
        {
            var ev = new NumericEvaluator(EmptyEnv, _budget);
            var v = ev.Evaluate(n);
            if (ev.Unreliable || Math.Abs(v.Value.Imaginary) > 1e-12 * v.Scale) return null;
            return v.Value.Real;
        }
        catch (NotScalarException) { return null; }
    }

    private static readonly Dictionary<string, Complex> EmptyEnv = new();

    /// <summary>Unordered comparison: duplicates removed on each side, then a one-to-one matching.</summary>
    private bool SetEq(Node[] gold, Node[] pred)
    {
        if (gold.Length > Limits.MaxElements || pred.Length > Limits.MaxElements)
            return NodeOps.StructEqual(new SetNode(gold, true), new SetNode(pred, true)) && Ok(VerdictRule.Structural);
        // Duplicates are rare: match as given first, deduplicate only when that fails.
        if (gold.Length == pred.Length && Match([.. gold], [.. pred], Eq)) return Ok(VerdictRule.SetMatch);
        var g = Dedupe(gold);
        var p = Dedupe(pred);
        if (g.Count == gold.Length && p.Count == pred.Length) return false;
        return g.Count == p.Count && Match(g, p, Eq) && Ok(VerdictRule.SetMatch);
    }

    /// <summary>The element of a set whose members are all equivalent ("$\frac{3}{4}$ or $75\%$"), else null.</summary>
    private Node? SingleElement(SetNode s)
    {
        if (s.Items.Length == 1) return s.Items[0];
        if (s.Items.Length == 0 || s.Items.Length > 8) return null;
        var saved = _rule;
        bool same = s.Items.Skip(1).All(x => Eq(s.Items[0], x));
        _rule = saved;
        return same ? s.Items[0] : null;
    }

    private List<Node> Dedupe(Node[] items)
    {
        var kept = new List<Node>(items.Length);
        foreach (var item in items)
        {
            bool dup = false;
            foreach (var k in kept)
            {
                if (Eq(k, item)) { dup = true; break; }
            }
            if (!dup) kept.Add(item);
        }
        return kept;
    }

    /// <summary>A perfect matching between two equal-size lists (Kuhn's augmenting paths, pairs memoised).</summary>
    private bool Match<T>(List<T> g, List<T> p, Func<T, T, bool> eq)
    {
        int n = g.Count;
        if (n != p.Count) return false;
        var memo = new sbyte[n, n];
        var owner = new int[n];
        Array.Fill(owner, -1);
        bool Edge(int i, int j)
        {
            if (memo[i, j] == 0) memo[i, j] = (sbyte)(eq(g[i], p[j]) ? 1 : -1);
            return memo[i, j] > 0;
        }
        bool Augment(int i, bool[] seen)
        {
            for (int j = 0; j < n; j++)
            {
                if (seen[j] || !Edge(i, j)) continue;
                seen[j] = true;
                if (owner[j] < 0 || Augment(owner[j], seen))
                {
                    owner[j] = i;
                    return true;
                }
            }
            return false;
        }
        for (int i = 0; i < n; i++)
        {
            _budget.Check();
            if (!Augment(i, new bool[n])) return false;
        }
        return true;
    }

    // ---- words ---------------------------------------------------------------------------------

    private bool TextEq(Node g, Node p)
    {
        var a = Words(g);
        var b = Words(p);
        return a is { Length: > 0 } && a == b && Ok(VerdictRule.TextMatch);
    }

    /// <summary>The words a node spells: \text{Even}, "Even" read as E·v·e·n, a choice letter.</summary>
    internal static string? Words(Node n) => n switch
    {
        TextNode t => NormalizeWords(t.Text),
        SymbolNode { Name.Length: 1 } s => s.Name.ToLowerInvariant(),
        ConstantNode { Which: Constant.E } => "e",
        ConstantNode { Which: Constant.I } => "i",
        MulNode m when m.Factors.All(f => f is SymbolNode { Name.Length: 1 } or ConstantNode { Which: Constant.E or Constant.I }) =>
            string.Concat(m.Factors.Select(Words)),
        _ => null,
    };

    internal static string NormalizeWords(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length);
        bool space = false;
        foreach (char c in s.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '+' or '/' or '.' or '\'')
            {
                if (space && sb.Length > 0) sb.Append(' ');
                sb.Append(c);
                space = false;
            }
            else space = true;
        }
        return sb.ToString().Trim('.', '-', '+', '/', '\'', ' ');
    }

    // ---- percentages ---------------------------------------------------------------------------

    private bool PercentEq(Node g, Node p)
    {
        if (g is PercentNode gp && p is PercentNode pp) return Eq(gp.Inner, pp.Inner) && Ok(VerdictRule.Percent);
        if (g is PercentNode gOnly)
            return (ScalarEq(gOnly.Inner, p) || ScalarEq(new DivNode(gOnly.Inner, NumberNode.Of(100)), p)) && Ok(VerdictRule.Percent);
        var pOnly = (PercentNode)p;
        return (ScalarEq(g, pOnly.Inner) || ScalarEq(g, new DivNode(pOnly.Inner, NumberNode.Of(100)))) && Ok(VerdictRule.Percent);
    }

    // ---- scalars -------------------------------------------------------------------------------

    /// <summary>+1 for ∞, −1 for −∞, else null.</summary>
    private static int? InfinitySign(Node n) => n switch
    {
        ConstantNode { Which: Constant.Infinity } => 1,
        NegNode neg => -InfinitySign(neg.Operand),
        _ => null,
    };

    private bool ScalarEq(Node g, Node p)
    {
        int? gi = InfinitySign(g), pi = InfinitySign(p);
        if (gi is not null || pi is not null) return gi == pi && Ok(VerdictRule.Structural);
        if (!IsScalarShape(g) || !IsScalarShape(p)) return false;
        if (g is NumberNode gn && p is NumberNode pn)
        {
            bool decimals = gn.IsDecimal || pn.IsDecimal;
            return decimals ? RoundedEq(gn.Value, pn.Value) && Ok(VerdictRule.NumericRounded) : gn.Value == pn.Value && Ok(VerdictRule.ExactRational);
        }
        if (!NodeOps.HasSymbols(g) && !NodeOps.HasSymbols(p))
            return ConstantEq(g, p, NodeOps.ContainsDecimal(g) || NodeOps.ContainsDecimal(p));
        var fg = NodeOps.FreeSymbols(g);
        var fp = NodeOps.FreeSymbols(p);
        bool dec = NodeOps.ContainsDecimal(g) || NodeOps.ContainsDecimal(p);
        if (fg.Count == 0 && fp.Count == 0) return ConstantEq(g, p, dec);
        fg.UnionWith(fp);
        return SampledEq(g, p, fg, dec);
    }

    private bool ConstantEq(Node g, Node p, bool dec)
    {
        var eg = ExactEvaluator.Evaluate(g, _budget);
        var ep = ExactEvaluator.Evaluate(p, _budget);
        if (eg is { } a && ep is { } b)
            return dec ? RoundedEq(a, b) && Ok(VerdictRule.NumericRounded) : a == b && Ok(VerdictRule.ExactRational);
        NumVal x, y;
        bool unreliable;
        try
        {
            var e1 = new NumericEvaluator(EmptyEnv, _budget);
            x = e1.Evaluate(g);
            var e2 = new NumericEvaluator(EmptyEnv, _budget);
            y = e2.Evaluate(p);
            unreliable = e1.Unreliable || e2.Unreliable;
        }
        catch (NotScalarException) { return NodeOps.StructEqual(g, p) && Ok(VerdictRule.Structural); }
        if (unreliable) return NodeOps.StructEqual(g, p) && Ok(VerdictRule.Structural);
        return Close(x, y, dec) && Ok(dec ? VerdictRule.NumericRounded : VerdictRule.NumericTolerance);
    }

    private bool SampledEq(Node g, Node p, IEnumerable<string> symbols, bool dec)
    {
        int valid = 0;
        var names = symbols.ToArray();
        for (int k = 0; k < SamplePoints.Count; k++)
        {
            var env = SamplePoints.Environment(names, k);
            NumVal x, y;
            try
            {
                var e1 = new NumericEvaluator(env, _budget);
                x = e1.Evaluate(g);
                var e2 = new NumericEvaluator(env, _budget);
                y = e2.Evaluate(p);
                if (e1.Unreliable || e2.Unreliable) continue;
            }
            catch (NotScalarException) { return NodeOps.StructEqual(g, p) && Ok(VerdictRule.Structural); }
            if (!Close(x, y, dec)) return false;
            valid++;
        }
        if (valid >= SamplePoints.MinValid) return Ok(VerdictRule.SymbolicSampling);
        return NodeOps.StructEqual(g, p) && Ok(VerdictRule.Structural);
    }

    /// <summary>Whether lhs−rhs of two relations are proportional (D_g = c·D_p at every sample point), c &gt; 0 if asked.</summary>
    private bool Proportional(Node dg, Node dp, bool positive)
    {
        var names = NodeOps.FreeSymbols(dg);
        names.UnionWith(NodeOps.FreeSymbols(dp));
        Complex? c = null;
        int valid = 0;
        for (int k = 0; k < SamplePoints.Count; k++)
        {
            var env = SamplePoints.Environment(names, k);
            NumVal x, y;
            try
            {
                var e1 = new NumericEvaluator(env, _budget);
                x = e1.Evaluate(dg);
                var e2 = new NumericEvaluator(env, _budget);
                y = e2.Evaluate(dp);
                if (e1.Unreliable || e2.Unreliable) continue;
            }
            catch (NotScalarException) { return false; }
            bool zx = Complex.Abs(x.Value) <= _tol * x.Scale, zy = Complex.Abs(y.Value) <= _tol * y.Scale;
            if (zx && zy) { valid++; continue; }
            if (zx != zy) return false;
            if (c is null)
            {
                c = x.Value / y.Value;
                if (positive && !(c.Value.Real > 0 && Math.Abs(c.Value.Imaginary) <= _tol * Complex.Abs(c.Value))) return false;
                valid++;
                continue;
            }
            if (Complex.Abs(x.Value - c.Value * y.Value) > 16 * _tol * (x.Scale + Complex.Abs(c.Value) * y.Scale)) return false;
            valid++;
        }
        return valid >= SamplePoints.MinValid;
    }

    private bool Close(NumVal a, NumVal b, bool rounded)
    {
        if (!rounded) return Complex.Abs(a.Value - b.Value) <= _tol * (a.Scale + b.Scale);
        double noiseA = _tol * a.Scale, noiseB = _tol * b.Scale;
        double ar = Clean(a.Value.Real, noiseA), ai = Clean(a.Value.Imaginary, noiseA);
        double br = Clean(b.Value.Real, noiseB), bi = Clean(b.Value.Imaginary, noiseB);
        return RoundedEq(BigRational.FromDouble(ar), BigRational.FromDouble(br))
               && RoundedEq(BigRational.FromDouble(ai), BigRational.FromDouble(bi));
    }

    private static double Clean(double v, double noise) => Math.Abs(v) <= noise ? 0 : v;

    /// <summary>
    /// Math-Verify's float_rounding: both rounded to FloatRounding decimal places. Below 10^-FloatRounding
    /// both are compared to FloatRounding significant digits instead, so tiny distinct values stay distinct.
    /// </summary>
    private bool RoundedEq(BigRational a, BigRational b)
    {
        if (a == b) return true;
        int k = _o.FloatRounding;
        var threshold = new BigRational(1, BigInteger.Pow(10, k));
        var ma = a.Abs();
        var mb = b.Abs();
        var mag = ma.CompareTo(mb) >= 0 ? ma : mb;
        if (mag.CompareTo(threshold) >= 0) return a.ScaledRound(k) == b.ScaledRound(k);
        if (a.IsZero || b.IsZero) return false;
        int e = Math.Max(a.FloorLog10(), b.FloorLog10());
        int digits = Math.Max(k, 1);
        return a.ScaledRound(digits - 1 - e) == b.ScaledRound(digits - 1 - e);
    }
}
