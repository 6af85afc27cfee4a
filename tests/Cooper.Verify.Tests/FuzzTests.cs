using System.Diagnostics;
using System.Text;

namespace Cooper.Verify.Tests;

/// <summary>
/// Random and malicious inputs: no exception escapes, every call respects its time budget (plus slack for
/// a loaded 2-core machine), results are deterministic and identical across threads.
/// </summary>
public class FuzzTests
{
    private static readonly VerifyOptions s_budgeted = new() { TimeBudget = TimeSpan.FromMilliseconds(500) };

    /// <summary>Budget + slack for scheduling, GC and the uninterruptible tail after a budget check.</summary>
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(2.5);

    private static Verdict Timed(string gold, string pred, VerifyOptions? o = null)
    {
        var sw = Stopwatch.StartNew();
        var v = MathVerifier.Verify(gold, pred, o ?? s_budgeted);
        Assert.True(sw.Elapsed < s_limit, $"took {sw.Elapsed.TotalMilliseconds:0} ms: {Short(gold)} vs {Short(pred)}");
        Assert.False(string.IsNullOrEmpty(v.Reason));
        return v;
    }

    private static string Short(string s) => s.Length > 80 ? s[..80] + "…" : s;

    private static readonly string[] s_tokens =
    [
        "\\frac", "{", "}", "{", "}", "\\sqrt", "^", "_", "1", "2", "37", "0.5", "x", "y", "e", "i", "\\pi", "$", "$$", "\\boxed{",
        "\\left(", "\\right)", "(", ")", "[", "]", "\\{", "\\}", "\\begin{pmatrix}", "\\end{pmatrix}", "&", "\\\\", ",", "=", "\\le",
        "<", "+", "-", "\\cdot", "\\times", "!", "\\%", "%", "\\pm", "\\infty", "\\cup", "\\in", "\\text{", "and", " ", "\\sin",
        "\\log_", "\\binom", "|", "\\,", "{,}", "final answer is ", "I hope", "####", "Answer:", "\\dots", "\\approx", ".", "'",
        "\\mathrm{", "\\quad", "\\(", "\\)", "\\[", "\\]", "10^{", "\\choose",
    ];

    [Fact]
    public void Random_latex_never_throws_and_respects_the_budget()
    {
        var rng = new Random(1234567);
        for (int i = 0; i < 1500; i++)
        {
            string a = RandomLatex(rng), b = RandomLatex(rng);
            var v1 = Timed(a, b);
            var v2 = Timed(a, b);
            Assert.Equal(v1, v2);                         // deterministic
            Assert.NotNull(Timed(a, a));
        }
    }

    private static string RandomLatex(Random rng)
    {
        var sb = new StringBuilder();
        int n = rng.Next(1, 40);
        for (int k = 0; k < n; k++) sb.Append(s_tokens[rng.Next(s_tokens.Length)]);
        return sb.ToString();
    }

    public static IEnumerable<object[]> Malicious()
    {
        yield return [new string('(', 100_000) + "1" + new string(')', 100_000)];
        yield return ["$" + string.Concat(Enumerable.Repeat("\\frac{1}{", 20_000)) + "2" + new string('}', 20_000) + "$"];
        yield return ["$" + new string('{', 500_000) + "$"];
        yield return ["\\boxed{" + string.Concat(Enumerable.Repeat("\\boxed{", 100_000))];
        yield return [string.Concat(Enumerable.Repeat("\\boxed{1}", 50_000))];
        yield return [new string('$', 1_000_000)];
        yield return [string.Concat(Enumerable.Repeat("final answer is ", 60_000))];
        yield return [string.Concat(Enumerable.Repeat("1 ", 500_000))];
        yield return [string.Concat(Enumerable.Repeat("1,", 400_000))];
        yield return ["$10^{10^{10}}$"];
        yield return ["$2^{2^{2^{2^{2^{2^{2}}}}}}$"];
        yield return ["$10000000!$"];
        yield return ["$" + new string('7', 300_000) + "$"];
        yield return ["$" + string.Concat(Enumerable.Repeat("\\pm 1", 200)) + "$"];
        yield return ["$" + string.Join(",", Enumerable.Range(0, 50_000)) + "$"];
        yield return ["$x" + string.Concat(Enumerable.Repeat("^{x", 5_000)) + new string('}', 5_000) + "$"];
        yield return ["$\\begin{pmatrix}" + string.Join("\\\\", Enumerable.Repeat(string.Join("&", Enumerable.Repeat("1", 300)), 300)) + "\\end{pmatrix}$"];
        yield return ["$" + string.Concat(Enumerable.Repeat("\\sqrt{", 50_000)) + "2" + new string('}', 50_000) + "$"];
        yield return ["$" + string.Join(" = ", Enumerable.Range(0, 100_000)) + "$"];
        yield return ["$(" + string.Join("),(", Enumerable.Range(0, 2_000).Select(k => $"{k},{k + 1}")) + ")$"];
        yield return [string.Concat(Enumerable.Repeat("\\left(", 30_000))];
        yield return ["$" + string.Concat(Enumerable.Repeat("|x", 40_000)) + "$"];
        yield return ["\\text{" + new string('a', 1_000_000) + "}"];
        yield return [string.Concat(Enumerable.Repeat("so \\frac{1}{2} x ", 100_000))];
        yield return ["x = " + string.Concat(Enumerable.Repeat("\\sqrt{", 600)) + "2" + new string('}', 600)];
        yield return ["$\\sin^{\\sin^{\\sin^{2}x}x}x$ " + string.Concat(Enumerable.Repeat("x+", 100_000)) + "1"];
    }

    [Theory]
    [MemberData(nameof(Malicious))]
    public void Malicious_input_returns_within_the_budget_without_crashing(string input)
    {
        var v = Timed(input, input);
        Timed("$1$", input);
        Timed(input, "1");
        _ = MathVerifier.ExtractFinalAnswer(input);
        _ = v.IsEquivalent;
    }

    [Fact]
    public void Oversized_input_is_rejected_not_read()
    {
        var v = Timed("1", new string('1', 3_000_000));
        Assert.Equal(VerdictRule.InputTooLarge, v.Rule);
    }

    [Fact]
    public void An_exhausted_budget_gives_a_false_verdict_not_an_exception()
    {
        var slow = string.Concat(Enumerable.Repeat("x + 1 = ", 200_000));      // 1.6 MB: reading it alone takes milliseconds
        var v = MathVerifier.Verify(slow, slow, new VerifyOptions { TimeBudget = TimeSpan.FromMilliseconds(1) });
        Assert.Equal(VerdictRule.TimeBudgetExceeded, v.Rule);
        Assert.False(v.IsEquivalent);
    }

    [Fact]
    public void Verdicts_are_identical_across_threads()
    {
        var cases = TestData.DevCases;
        var sequential = cases.Select(c => MathVerifier.Verify(c.Gold, c.Pred, c.Options)).ToArray();
        var parallel = new Verdict[cases.Count * 8];
        Parallel.For(0, parallel.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var c = cases[i % cases.Count];
            parallel[i] = MathVerifier.Verify(c.Gold, c.Pred, c.Options);
        });
        for (int i = 0; i < parallel.Length; i++) Assert.Equal(sequential[i % cases.Count], parallel[i]);
    }
}
