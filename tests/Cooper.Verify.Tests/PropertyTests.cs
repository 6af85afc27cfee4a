using Cooper.Verify.Equivalence;
using Cooper.Verify.Extraction;
using Cooper.Verify.Parsing;
using Cooper.Verify.Safety;

namespace Cooper.Verify.Tests;

/// <summary>Invariants: printing and re-parsing preserves meaning; every gold verifies against itself.</summary>
public class PropertyTests
{
    private static bool Equivalent(Node a, Node b) => new Comparer(VerifyOptions.Default, Budget.Unlimited).Compare(a, b).Equal;

    private static void AssertRoundTrip(Node node, string context)
    {
        var printed = Printer.Print(node);
        var reparsed = MathParser.Parse(printed, plain: false, Budget.Unlimited);
        Assert.True(Equivalent(node, reparsed), $"{context}: printed '{printed}' re-parses to '{Printer.Print(reparsed)}'");
    }

    [Fact]
    public void Every_parsed_dev_case_answer_prints_and_reparses_to_an_equivalent_tree()
    {
        int checkedCount = 0;
        foreach (var c in TestData.DevCases)
        {
            foreach (var (text, targets) in new[] { (c.Gold, c.Options.GoldTargets), (c.Pred, c.Options.PredictionTargets) })
            {
                var a = AnswerExtractor.Extract(text, targets, Budget.Unlimited);
                if (!a.IsParsed) continue;
                AssertRoundTrip(a.Node, c.ToString());
                checkedCount++;
            }
        }
        Assert.True(checkedCount > 200, $"only {checkedCount} answers parsed");
    }

    [Fact]
    public void Random_expressions_print_and_reparse_to_equivalent_trees()
    {
        var rng = new Random(20250611);
        for (int i = 0; i < 300; i++)
        {
            var node = RandomExpr(rng, depth: 0);
            AssertRoundTrip(node, $"random #{i}");
        }
    }

    private static Node RandomExpr(Random rng, int depth)
    {
        int pick = depth > 3 ? rng.Next(3) : rng.Next(11);
        return pick switch
        {
            0 => NumberNode.Of(rng.Next(0, 20)),
            1 => new SymbolNode(((char)('a' + rng.Next(4))).ToString()),
            2 => new NumberNode(Numerics.BigRational.FromInteger(rng.Next(1, 999)) / Numerics.BigRational.FromInteger(100), true, null),
            3 => new AddNode([RandomExpr(rng, depth + 1), RandomExpr(rng, depth + 1)]),
            4 => new AddNode([RandomExpr(rng, depth + 1), new NegNode(RandomExpr(rng, depth + 1))]),
            5 => new MulNode([RandomExpr(rng, depth + 1), RandomExpr(rng, depth + 1)]),
            6 => new DivNode(RandomExpr(rng, depth + 1), new AddNode([RandomExpr(rng, depth + 1), NumberNode.Of(30)])),
            7 => new PowNode(RandomExpr(rng, depth + 1), NumberNode.Of(rng.Next(0, 4))),
            8 => new FuncNode(Func.Sqrt, [new AddNode([new PowNode(RandomExpr(rng, depth + 1), NumberNode.Of(2)), NumberNode.Of(1)])]),
            9 => new FuncNode((Func)rng.Next((int)Func.Sin, (int)Func.Cot + 1), [RandomExpr(rng, depth + 1)]),
            _ => new NegNode(RandomExpr(rng, depth + 1)),
        };
    }

    [Fact]
    public void Every_dev_case_gold_verifies_against_itself()
    {
        var failures = TestData.DevCases
            .Select(c => (c, v: MathVerifier.Verify(c.Gold, c.Gold, c.Options with { PredictionTargets = c.Options.GoldTargets })))
            .Where(t => !t.v.IsEquivalent)
            .Select(t => $"{t.c}: {t.v.Reason}").ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Every_dev_case_prediction_verifies_against_itself()
    {
        var failures = TestData.DevCases
            .Select(c => (c, v: MathVerifier.Verify(c.Pred, c.Pred, c.Options with { GoldTargets = c.Options.PredictionTargets })))
            .Where(t => !t.v.IsEquivalent)
            .Select(t => $"{t.c}: {t.v.Reason}").ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
