using System.Globalization;
using System.Text.RegularExpressions;
using Cooper.Rewards;
using Cooper.Rewards.Negatives;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Rewards;

public class PairBuilderTests
{
    // A stand-in verifier for the pair logic: correct when the last \boxed{} holds the reference.
    private static bool Boxed(string completion, string reference)
    {
        var m = Regex.Matches(completion, @"\\boxed\{([^{}]*)\}");
        return m.Count > 0 && m[^1].Groups[1].Value.Trim() == reference;
    }

    private static PairRollout R(int p, string completion, string reference = "41") =>
        new(p, $"question {p}", reference, completion, Boxed(completion, reference));

    /// <summary>Returns scripted negatives in order; null = failure; throws on "throw".</summary>
    private sealed class ScriptedWriter(params string?[] script) : INegativeWriter
    {
        private int _i;
        public List<(string Positive, int Attempt)> Calls { get; } = [];
        public string Name => "scripted";
        public Task<string?> WriteAsync(string question, string positive, int attempt, ulong seed, CancellationToken ct = default)
        {
            lock (Calls) Calls.Add((positive, attempt));
            var next = script[Math.Min(_i++, script.Length - 1)];
            if (next == "throw") throw new HttpRequestException("endpoint down");
            return Task.FromResult(next);
        }
    }

    [Fact]
    public async Task The_positive_is_the_first_verified_rollout_and_groups_without_one_are_invalid()
    {
        var groups = new List<IReadOnlyList<PairRollout>>
        {
            new[] { R(0, "x \\boxed{40}"), R(0, "first \\boxed{41}"), R(0, "second \\boxed{41}") },
            new[] { R(1, "\\boxed{1}"), R(1, "\\boxed{2}") },
        };
        var writer = new ScriptedWriter("wrong \\boxed{39}");
        var pairs = await PairBuilder.BuildAsync(groups, Boxed, writer, seed: 1, maxConcurrency: 1);
        Assert.Equal(PairStatus.Valid, pairs[0].Status);
        Assert.Equal("first \\boxed{41}", pairs[0].Positive);
        Assert.Equal("wrong \\boxed{39}", pairs[0].Negative);
        Assert.Equal(PairStatus.NoPositive, pairs[1].Status);
        Assert.False(pairs[1].IsValid);
        Assert.Single(writer.Calls); // no assistant call for a group without a positive
    }

    [Fact]
    public async Task A_negative_the_verifier_calls_equivalent_is_rejected_and_retried()
    {
        var groups = new List<IReadOnlyList<PairRollout>> { new[] { R(0, "\\boxed{41}") } };
        var writer = new ScriptedWriter("still right \\boxed{41}", "now wrong \\boxed{42}");
        var pairs = await PairBuilder.BuildAsync(groups, Boxed, writer, seed: 1);
        Assert.Equal(PairStatus.Valid, pairs[0].Status);
        Assert.Equal(2, pairs[0].Attempts);
        Assert.Equal("now wrong \\boxed{42}", pairs[0].Negative);
        Assert.Equal([0, 1], writer.Calls.Select(c => c.Attempt));
    }

    [Fact]
    public async Task Three_equivalent_negatives_make_the_pair_invalid()
    {
        var groups = new List<IReadOnlyList<PairRollout>> { new[] { R(0, "\\boxed{41}") } };
        var writer = new ScriptedWriter("\\boxed{41}");
        var pairs = await PairBuilder.BuildAsync(groups, Boxed, writer, seed: 1, maxAttempts: 3);
        Assert.Equal(PairStatus.NegativeEquivalent, pairs[0].Status);
        Assert.Equal(3, writer.Calls.Count);
        Assert.Null(pairs[0].Negative);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("throw")]
    public async Task An_assistant_failure_makes_the_pair_invalid_without_aborting(string? failure)
    {
        var groups = new List<IReadOnlyList<PairRollout>> { new[] { R(0, "\\boxed{41}") }, new[] { R(1, "\\boxed{41}") } };
        var writer = new ScriptedWriter(failure);
        var pairs = await PairBuilder.BuildAsync(groups, Boxed, writer, seed: 1);
        Assert.All(pairs, p => Assert.Equal(PairStatus.WriterFailed, p.Status));
    }

    /// <summary>Writes "{positive} wrong{n}" with n counting calls: a new, wrong negative each time.</summary>
    private sealed class CountingWriter : INegativeWriter
    {
        private int _n;
        public string Name => "counting";
        public Task<string?> WriteAsync(string question, string positive, int attempt, ulong seed, CancellationToken ct = default) =>
            Task.FromResult<string?>($"{positive} then \\boxed{{{900 + Interlocked.Increment(ref _n)}}}");
    }

    [Fact]
    public async Task Every_distinct_verified_rollout_can_be_a_positive_with_several_negatives_each()
    {
        var groups = new List<IReadOnlyList<PairRollout>>
        {
            new[] { R(0, "a \\boxed{41}"), R(0, "x \\boxed{40}"), R(0, "a \\boxed{41}"), R(0, "b \\boxed{41}"), R(0, "c \\boxed{41}") },
            new[] { R(1, "\\boxed{1}") },
        };
        // positives: the two first distinct verified rollouts ("a", "b"; the duplicate "a" is skipped, "c" is over the cap)
        var pairs = await PairBuilder.BuildAsync(groups, Boxed, new CountingWriter(), seed: 7, positivesPerPrompt: 2, negativesPerPositive: 3, maxConcurrency: 1);
        Assert.Equal(7, pairs.Count);   // 2 positives × 3 negatives + prompt 1's NoPositive
        Assert.Equal(["a \\boxed{41}", "a \\boxed{41}", "a \\boxed{41}", "b \\boxed{41}", "b \\boxed{41}", "b \\boxed{41}"], pairs.Take(6).Select(p => p.Positive));
        Assert.All(pairs.Take(6), p => Assert.True(p.IsValid));
        Assert.Equal(6, pairs.Take(6).Select(p => p.Negative).Distinct().Count());
        Assert.Equal(PairStatus.NoPositive, pairs[6].Status);

        // 0 = every distinct verified rollout
        var all = await PairBuilder.BuildAsync(groups, Boxed, new CountingWriter(), seed: 7, positivesPerPrompt: 0, negativesPerPositive: 1, maxConcurrency: 1);
        Assert.Equal(["a \\boxed{41}", "b \\boxed{41}", "c \\boxed{41}"], all.Where(p => p.IsValid).Select(p => p.Positive));
    }

    [Fact]
    public async Task A_repeated_negative_for_the_same_positive_is_dropped()
    {
        var groups = new List<IReadOnlyList<PairRollout>> { new[] { R(0, "\\boxed{41}") } };
        var pairs = await PairBuilder.BuildAsync(groups, Boxed, new ScriptedWriter("same \\boxed{39}"), seed: 1, positivesPerPrompt: 1, negativesPerPositive: 3, maxConcurrency: 1);
        Assert.Single(pairs);
        Assert.Equal("same \\boxed{39}", pairs[0].Negative);
    }

    [Fact]
    public async Task With_one_positive_and_one_negative_the_options_build_what_the_paper_builder_builds()
    {
        var groups = new List<IReadOnlyList<PairRollout>>
        {
            new[] { R(0, "x \\boxed{40}"), R(0, "first \\boxed{41}") },
            new[] { R(1, "\\boxed{1}") },
            new[] { R(2, "y \\boxed{41}"), R(2, "z \\boxed{41}") },
        };
        var seeds = new List<ulong>();
        var a = await PairBuilder.BuildAsync(groups, Boxed, new SeedRecorder(seeds), seed: 5, maxConcurrency: 1);
        var b = await PairBuilder.BuildAsync(groups, Boxed, new SeedRecorder(seeds), seed: 5, positivesPerPrompt: 1, negativesPerPositive: 1, maxConcurrency: 1);
        Assert.Equal(a, b);
        Assert.Equal(seeds.Take(seeds.Count / 2), seeds.Skip(seeds.Count / 2));
    }

    private sealed class SeedRecorder(List<ulong> seeds) : INegativeWriter
    {
        public string Name => "seeds";
        public Task<string?> WriteAsync(string question, string positive, int attempt, ulong seed, CancellationToken ct = default)
        {
            seeds.Add(seed);
            return Task.FromResult<string?>($"neg{seed % 1000} \\boxed{{7}}");
        }
    }

    [Fact]
    public async Task Option_ranges_are_checked()
    {
        var groups = new List<IReadOnlyList<PairRollout>> { new[] { R(0, "\\boxed{41}") } };
        await Assert.ThrowsAsync<ArgumentException>(() => PairBuilder.BuildAsync(groups, Boxed, new CountingWriter(), 1, positivesPerPrompt: -1, negativesPerPositive: 1));
        await Assert.ThrowsAsync<ArgumentException>(() => PairBuilder.BuildAsync(groups, Boxed, new CountingWriter(), 1, positivesPerPrompt: 1, negativesPerPositive: 0));
    }
}

public partial class EmbeddedRewriterTests
{
    private const string Solution = "He buys 3 boxes of 12 pens: 3*12=36.\nHe adds 5 more: 36+5=41.\nThe answer is \\boxed{41}.";

    [GeneratedRegex(@"(-?\d+(?:\.\d+)?)\s*([-+*/])\s*(-?\d+(?:\.\d+)?)\s*=\s*(-?\d+(?:\.\d+)?)")]
    private static partial Regex Step();

    private static double Eval(double a, string op, double b) => op switch { "+" => a + b, "-" => a - b, "*" => a * b, _ => a / b };

    [Fact]
    public void Rewrites_keep_every_step_consistent_and_change_the_final_answer()
    {
        int viaSteps = 0;
        for (ulong seed = 0; seed < 200; seed++)
        {
            var neg = EmbeddedRewriter.Rewrite(Solution, seed);
            Assert.NotNull(neg);
            var boxed = Regex.Match(neg!, @"\\boxed\{([^{}]*)\}").Groups[1].Value;
            Assert.NotEqual("41", boxed);
            var steps = Step().Matches(neg!);
            bool stepsChanged = steps.Count == 2 && steps[1].Groups[4].Value != "41";
            if (stepsChanged)
            {
                viaSteps++;
                foreach (Match s in steps)
                {
                    double a = double.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture), b = double.Parse(s.Groups[3].Value, CultureInfo.InvariantCulture);
                    Assert.Equal(Eval(a, s.Groups[2].Value, b), double.Parse(s.Groups[4].Value, CultureInfo.InvariantCulture), 4);
                }
                // the error is carried through: the final answer is the last step's result
                Assert.Equal(steps[1].Groups[4].Value, boxed);
            }
        }
        Assert.InRange(viaSteps, 100, 200); // mostly the step strategy (3 in 4), sometimes just the answer
    }

    [Fact]
    public void Same_seed_gives_the_same_rewrite_and_different_seeds_vary()
    {
        Assert.Equal(EmbeddedRewriter.Rewrite(Solution, 5), EmbeddedRewriter.Rewrite(Solution, 5));
        var distinct = Enumerable.Range(0, 30).Select(s => EmbeddedRewriter.Rewrite(Solution, (ulong)s)).Distinct().Count();
        Assert.True(distinct > 5, $"only {distinct} distinct rewrites");
    }

    [Fact]
    public void A_solution_with_nothing_to_corrupt_gives_null()
        => Assert.Null(EmbeddedRewriter.Rewrite("I do not know.", 1));
}
