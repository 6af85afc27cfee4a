using Cooper.Data;
using Cooper.Evaluation;

namespace Cooper.Tests.Evaluation;

public class PassAtKTests
{
    [Theory]
    [InlineData(4, 1, 2, 0.5)]           // 1 − C(3,2)/C(4,2) = 1 − 3/6
    [InlineData(4, 2, 2, 5.0 / 6)]       // 1 − C(2,2)/C(4,2) = 1 − 1/6
    [InlineData(8, 3, 1, 3.0 / 8)]       // pass@1 is the fraction correct
    [InlineData(8, 0, 8, 0.0)]
    [InlineData(8, 1, 8, 1.0)]           // all 8 drawn: the correct one is among them
    [InlineData(16, 2, 4, 1 - 1001.0 / 1820)]   // 1 − C(14,4)/C(16,4)
    public void The_unbiased_estimator_matches_the_binomial_formula(int n, int c, int k, double expected) =>
        Assert.Equal(expected, PassAtK.Estimate(n, c, k), 12);

    [Fact]
    public void Ks_are_powers_of_two_up_to_n_and_n_itself() =>
        Assert.Equal([1, 2, 4, 6], PassAtK.Ks(6));

    [Fact]
    public void A_summary_reports_pass_at_k_the_distinct_rate_and_the_standard_error_over_problems()
    {
        MathProblem P(string id) => new() { Id = id, Question = id, ReferenceAnswer = "1" };
        var problems = new[] { P("a"), P("b") };
        // Problem a: 1 of 4 correct, completions x, x, y, z (3 distinct); problem b: 4 of 4 correct, all "w" (1 distinct).
        var samples = new List<EvalSample>
        {
            new(0, "a", 0, "x", true, "stop"), new(0, "a", 1, "x", false, "stop"), new(0, "a", 2, "y", false, "stop"), new(0, "a", 3, "z", false, "stop"),
            new(1, "b", 0, "w", true, "stop"), new(1, "b", 1, "w", true, "stop"), new(1, "b", 2, "w", true, "stop"), new(1, "b", 3, "w", true, "stop"),
        };
        var r = PolicyEvaluator.Summarise(problems, samples, 4);
        Assert.Equal(5.0 / 8, r.Accuracy, 12);
        Assert.Equal((0.25 + 1.0) / 2, r.PassAt[1], 12);
        Assert.Equal((0.5 + 1.0) / 2, r.PassAt[2], 12);
        Assert.Equal((1.0 + 1.0) / 2, r.PassAt[4], 12);
        Assert.Equal((3.0 / 4 + 1.0 / 4) / 2, r.DistinctRate, 12);
        // per-problem means 0.25 and 1: sd = 0.75/√2, se = sd/√2 = 0.375
        Assert.Equal(0.375, r.AccuracyStdError, 12);
        var m = r.ToMetrics("test");
        Assert.Equal(r.PassAt[4], m["test/pass@4"]);
        Assert.Equal(r.DistinctRate, m["test/distinct_rate"]);
    }
}
