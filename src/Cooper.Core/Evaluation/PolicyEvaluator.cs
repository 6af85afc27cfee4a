using Cooper.Data;
using Cooper.Generation;
using Cooper.Verify;

namespace Cooper.Evaluation;

/// <summary>One sampled answer and the verifier's verdict on it.</summary>
public sealed record EvalSample(int ProblemIndex, string ProblemId, int SampleIndex, string Completion, bool Correct, string FinishReason);

/// <summary>mean@k accuracy overall and by group (data source, difficulty), pass@k and how varied the samples are.</summary>
public sealed record EvalResult(
    double Accuracy,
    int Problems,
    int SamplesPerProblem,
    IReadOnlyDictionary<string, double> ByDataSource,
    IReadOnlyDictionary<int, double> ByDifficulty,
    IReadOnlyList<EvalSample> Samples)
{
    /// <summary>pass@k for k = 1, 2, 4, … ≤ n (unbiased estimator, <see cref="PassAtK.Estimate"/>), averaged over problems.</summary>
    public IReadOnlyDictionary<int, double> PassAt { get; init; } = new Dictionary<int, double>();

    /// <summary>Mean over problems of (distinct completion texts / samples): 1/n when a policy always says the same thing.</summary>
    public double DistinctRate { get; init; } = double.NaN;

    /// <summary>Standard error of <see cref="Accuracy"/> over problems: sd of the per-problem mean@k / √problems.</summary>
    public double AccuracyStdError { get; init; } = double.NaN;

    /// <summary>
    /// Namespaced metrics: <c>{prefix}/accuracy</c>, <c>{prefix}/accuracy_se</c>, <c>{prefix}/accuracy_level_{k}</c>,
    /// <c>{prefix}/pass@{k}</c>, <c>{prefix}/distinct_rate</c>.
    /// </summary>
    public Dictionary<string, double> ToMetrics(string prefix)
    {
        var m = new Dictionary<string, double> { [$"{prefix}/accuracy"] = Accuracy };
        foreach (var (level, acc) in ByDifficulty) m[$"{prefix}/accuracy_level_{level}"] = acc;
        if (!double.IsNaN(AccuracyStdError)) m[$"{prefix}/accuracy_se"] = AccuracyStdError;
        foreach (var (k, v) in PassAt) m[$"{prefix}/pass@{k}"] = v;
        if (!double.IsNaN(DistinctRate)) m[$"{prefix}/distinct_rate"] = DistinctRate;
        return m;
    }
}

/// <summary>pass@k from n samples of which c are correct (Chen et al. 2021, "Evaluating Large Language Models Trained on Code").</summary>
public static class PassAtK
{
    /// <summary>
    /// The unbiased estimator 1 − C(n−c, k) / C(n, k): the probability that at least one of k samples drawn
    /// without replacement from the n is correct. Computed as 1 − Π_{i=n−c+1}^{n} (1 − k/i) for stability.
    /// </summary>
    public static double Estimate(int n, int c, int k)
    {
        if (n < 1 || c < 0 || c > n) throw new ArgumentException($"need 0 ≤ c ≤ n and n ≥ 1 (got n {n}, c {c})");
        if (k < 1 || k > n) throw new ArgumentException($"k must be in [1, n] (got k {k}, n {n})");
        if (n - c < k) return 1.0;
        double fail = 1.0;
        for (int i = n - c + 1; i <= n; i++) fail *= 1.0 - (double)k / i;
        return 1.0 - fail;
    }

    /// <summary>k = 1, 2, 4, … up to n (and n itself when it is not a power of two).</summary>
    public static IReadOnlyList<int> Ks(int n)
    {
        var ks = new List<int>();
        for (int k = 1; k <= n; k *= 2) ks.Add(k);
        if (ks[^1] != n) ks.Add(n);
        return ks;
    }
}

/// <summary>
/// The paper's evaluation protocol: k samples per problem (paper: 8, temperature 0.7, top-p 0.95),
/// each judged by the rule verifier against the reference; accuracy = mean over all samples
/// (mean@k), overall and per data source / difficulty.
/// </summary>
public static class PolicyEvaluator
{
    /// <summary>Samples <paramref name="samples"/> completions per problem and verifies each.</summary>
    /// <param name="prompt">The policy's prompts: text per problem and the ids that end a response.</param>
    /// <param name="batchPrompts">Prompts per generation call (bounds memory).</param>
    public static EvalResult Evaluate(RolloutEngine engine, IReadOnlyList<MathProblem> problems, PolicyPrompt prompt,
        int samples, double temperature, double topP, int maxNewTokens, long seed, int batchPrompts = 32,
        Action<int>? progress = null)
    {
        if (problems.Count == 0) throw new ArgumentException("evaluation needs at least one problem");
        var all = new List<EvalSample>(problems.Count * samples);
        for (int start = 0; start < problems.Count; start += batchPrompts)
        {
            var chunk = problems.Skip(start).Take(batchPrompts).ToList();
            var p = new SamplingParams
            {
                Temperature = temperature, TopP = topP, MaxNewTokens = maxNewTokens, N = samples,
                StopTokenIds = prompt.StopTokenIds,
                Seed = seed * 1_000_003 + start,
            };
            var outs = engine.Generate(chunk.Select(prompt.Text).ToList(), p);
            var verdicts = new bool[outs.Count];
            Parallel.For(0, outs.Count, i => verdicts[i] = MathVerifier.Score(outs[i].Text, chunk[outs[i].PromptIndex].ReferenceAnswer));
            for (int i = 0; i < outs.Count; i++)
            {
                var o = outs[i];
                var prob = chunk[o.PromptIndex];
                all.Add(new EvalSample(start + o.PromptIndex, prob.Id, o.SampleIndex, o.Text, verdicts[i], o.FinishReason.ToString().ToLowerInvariant()));
            }
            progress?.Invoke(Math.Min(problems.Count, start + batchPrompts));
        }
        return Summarise(problems, all, samples);
    }

    /// <summary>Accuracy overall and per group from judged samples.</summary>
    public static EvalResult Summarise(IReadOnlyList<MathProblem> problems, IReadOnlyList<EvalSample> samples, int samplesPerProblem)
    {
        double Acc(IEnumerable<EvalSample> s) { var l = s.ToList(); return l.Count == 0 ? double.NaN : l.Count(x => x.Correct) / (double)l.Count; }
        var bySource = samples.GroupBy(s => problems[s.ProblemIndex].DataSource).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Acc(g));
        var byLevel = samples.Where(s => problems[s.ProblemIndex].Difficulty is not null)
            .GroupBy(s => problems[s.ProblemIndex].Difficulty!.Value).OrderBy(g => g.Key)
            .ToDictionary(g => g.Key, g => Acc(g));
        var perProblem = samples.GroupBy(s => s.ProblemIndex).Select(g => g.ToList()).ToList();
        var passAt = new Dictionary<int, double>();
        int n = perProblem.Count == 0 ? 0 : perProblem.Min(g => g.Count);
        if (n > 0)
            foreach (int k in PassAtK.Ks(n))
                passAt[k] = perProblem.Average(g => PassAtK.Estimate(g.Count, g.Count(s => s.Correct), k));
        var means = perProblem.Select(g => g.Count(s => s.Correct) / (double)g.Count).ToList();
        double se = double.NaN;
        if (means.Count > 1)
        {
            double mu = means.Average();
            se = Math.Sqrt(means.Sum(x => (x - mu) * (x - mu)) / (means.Count - 1) / means.Count);
        }
        return new EvalResult(Acc(samples), problems.Count, samplesPerProblem, bySource, byLevel, samples)
        {
            PassAt = passAt,
            DistinctRate = perProblem.Count == 0 ? double.NaN : perProblem.Average(g => g.Select(s => s.Completion).Distinct(StringComparer.Ordinal).Count() / (double)g.Count),
            AccuracyStdError = se,
        };
    }
}
