using Cooper.Data;
using Cooper.Generation;
using Cooper.Verify;

namespace Cooper.Evaluation;

/// <summary>One sampled answer and the verifier's verdict on it.</summary>
public sealed record EvalSample(int ProblemIndex, string ProblemId, int SampleIndex, string Completion, bool Correct, string FinishReason);

/// <summary>mean@k accuracy overall and by group (data source, difficulty).</summary>
public sealed record EvalResult(
    double Accuracy,
    int Problems,
    int SamplesPerProblem,
    IReadOnlyDictionary<string, double> ByDataSource,
    IReadOnlyDictionary<int, double> ByDifficulty,
    IReadOnlyList<EvalSample> Samples)
{
    /// <summary>Namespaced metrics: <c>{prefix}/accuracy</c>, <c>{prefix}/accuracy_level_{k}</c>.</summary>
    public Dictionary<string, double> ToMetrics(string prefix)
    {
        var m = new Dictionary<string, double> { [$"{prefix}/accuracy"] = Accuracy };
        foreach (var (level, acc) in ByDifficulty) m[$"{prefix}/accuracy_level_{level}"] = acc;
        return m;
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
        return new EvalResult(Acc(samples), problems.Count, samplesPerProblem, bySource, byLevel, samples);
    }
}
