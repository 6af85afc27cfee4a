using Cooper.Generation;
using Cooper.Modeling;
using Cooper.RL;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Tests.RL;

public class PolicyUpdateTests
{
    private static readonly ModelConfig Tiny = new()
    {
        VocabSize = 32, HiddenSize = 16, IntermediateSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 2, NumKeyValueHeads = 1,
        MaxPositionEmbeddings = 64, TieWordEmbeddings = true,
    };

    private static List<PolicySequence> Sequences() =>
    [
        new([1, 2, 3], [4, 5, 6, 7], 1.0),
        new([1, 2], [8, 9], -0.5),
        new([3, 3, 3, 3], [10], 0.7),
        new([5], [11, 12, 13, 14, 15, 16], -1.2),
        new([2, 4], [17, 18, 19], 0.3),
        new([6, 7, 8], [20, 21], -0.4),
        new([9], [22, 23, 24], 0.9),
        new([1, 1], [25], -0.8),
    ];

    private static float[] Update(int microBatch, LossAggregation agg)
    {
        using var model = CausalLM.Create(Tiny, seed: 3);
        using var opt = optim.SGD(model.parameters(), 0.1);
        var cfg = new GrpoConfig { MicroBatchSize = microBatch, KlCoef = 0, Aggregation = agg, MaxGradNorm = 1e9, MaxNewTokens = 8 };
        PolicyUpdate.Run(model, null, opt, Sequences(), cfg, padId: 0, seed: 1);
        return model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean)]
    [InlineData(LossAggregation.SeqMeanTokenMean)]
    [InlineData(LossAggregation.SeqMeanTokenSumNorm)]
    public void Eight_micro_batches_of_one_give_the_same_update_as_one_of_eight(LossAggregation agg)
    {
        var one = Update(8, agg);
        var eight = Update(1, agg);
        using var start = CausalLM.Create(Tiny, seed: 3);
        var before = start.parameters().SelectMany(p => p.detach().data<float>().ToArray()).ToArray();
        Assert.True(one.Zip(before).Any(x => Math.Abs(x.First - x.Second) > 1e-4), "the update changed nothing");
        for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], eight[i], 4);
    }

    [Fact]
    public void A_zero_weight_sequence_gets_no_gradient()
    {
        using var model = CausalLM.Create(Tiny, seed: 3);
        using var opt = optim.SGD(model.parameters(), 0.1);
        var before = model.parameters().SelectMany(p => p.detach().data<float>().ToArray()).ToArray();
        var seqs = Sequences().Select(s => s with { Weight = 0 }).ToList();
        PolicyUpdate.Run(model, null, opt, seqs, new GrpoConfig { MicroBatchSize = 4, KlCoef = 0 }, padId: 0, seed: 1);
        var after = model.parameters().SelectMany(p => p.detach().data<float>().ToArray()).ToArray();
        Assert.Equal(before, after);
    }

    [Fact]
    public void Token_mean_over_the_mini_batch_matches_the_formula_on_one_step()
    {
        // With one epoch and one mini-batch, ρ = 1 so L = Σ −A·1 over response tokens / N.
        using var model = CausalLM.Create(Tiny, seed: 3);
        using var opt = optim.SGD(model.parameters(), 0.0);
        var seqs = Sequences();
        var stats = PolicyUpdate.Run(model, null, opt, seqs, new GrpoConfig { MicroBatchSize = 3, KlCoef = 0 }, padId: 0, seed: 1);
        double expected = -seqs.Sum(s => s.Advantage * s.ResponseIds.Length) / seqs.Sum(s => s.ResponseIds.Length);
        Assert.Equal(expected, stats.Loss, 5);
        Assert.Equal(0.0, stats.ClipFraction);
        Assert.Equal(seqs.Sum(s => s.ResponseIds.Length), stats.Tokens);
    }

    [Theory]
    [InlineData(0.7)]
    [InlineData(1.6)]
    public void Update_log_probs_at_the_rollout_temperature_match_the_samplers(double temperature)
    {
        using var model = CausalLM.Create(Tiny, seed: 4);
        var samples = new RolloutEngine(model).Generate([new[] { 1, 2, 3 }, new[] { 5, 6 }],
            new SamplingParams { Temperature = temperature, MaxNewTokens = 6, N = 3, Seed = 11, IgnoreEos = true });
        var seqs = samples.Select(s => new PolicySequence(s.PromptIndex == 0 ? [1, 2, 3] : [5, 6], s.TokenIds, 1.0)).ToList();
        int maxLen = seqs.Max(q => q.PromptIds.Length + q.ResponseIds.Length);
        var atT = PolicyUpdate.TargetLogProbs(model, seqs, microBatch: 4, padId: 0, maxLen, temperature);
        var atOne = PolicyUpdate.TargetLogProbs(model, seqs, microBatch: 4, padId: 0, maxLen);
        double worstAtOne = 0;
        for (int i = 0; i < samples.Count; i++)
            for (int k = 0; k < samples[i].TokenIds.Length; k++)
            {
                int pos = seqs[i].PromptIds.Length - 1 + k;   // target pos+1 is response token k
                Assert.Equal(samples[i].LogProbs[k], atT[i][pos], 4);
                worstAtOne = Math.Max(worstAtOne, Math.Abs(samples[i].LogProbs[k] - atOne[i][pos]));
            }
        Assert.True(worstAtOne > 1e-2, $"at τ = 1 the log-probs should differ from the sampler's at τ = {temperature}");
    }

    private static List<PolicySequence> WithDuplicates() =>
    [
        new([1, 2, 3], [4, 5, 6, 7], 1.0),
        new([1, 2, 3], [4, 5, 6, 7], 1.0),
        new([1, 2, 3], [8, 9], -0.5),
        new([1, 2, 3], [4, 5, 6, 7], 1.0),
        new([5], [11, 12, 13], -1.2),
        new([5], [11, 12, 13], -1.2),
        new([5], [11, 12], 0.6, Weight: 0),
    ];

    [Fact]
    public void Identical_rollouts_merge_into_one_row_with_their_count()
    {
        var merged = PolicyUpdate.MergeDuplicates(WithDuplicates());
        Assert.Equal([3, 1, 2, 1], merged.Select(m => m.Count));
        Assert.Equal([4, 5, 6, 7], merged[0].ResponseIds);
        Assert.Equal(-1.2, merged[2].Advantage);
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean, 0.01)]
    [InlineData(LossAggregation.SeqMeanTokenMean, 0.01)]
    [InlineData(LossAggregation.SeqMeanTokenSumNorm, 0.0)]
    public void Merging_duplicates_gives_the_same_update_as_forwarding_each_copy(LossAggregation agg, double klCoef)
    {
        (float[] Params, PolicyUpdateStats Stats) Run(bool merge)
        {
            using var model = CausalLM.Create(Tiny, seed: 3);
            using var reference = CausalLM.Create(Tiny, seed: 5);
            using var opt = optim.SGD(model.parameters(), 0.1);
            var cfg = new GrpoConfig { MicroBatchSize = 3, KlCoef = klCoef, Aggregation = agg, MaxGradNorm = 1e9, MaxNewTokens = 8, MergeDuplicates = merge };
            var stats = PolicyUpdate.Run(model, reference, opt, WithDuplicates(), cfg, padId: 0, seed: 1);
            return (model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray(), stats);
        }
        var (each, s1) = Run(merge: false);
        var (merged, s2) = Run(merge: true);
        Assert.Equal(s1.Tokens, s2.Tokens);                    // diagnostics count every rollout
        Assert.Equal(s1.Loss, s2.Loss, 5);
        Assert.Equal(s1.Kl, s2.Kl, 6);
        Assert.Equal(s1.Entropy, s2.Entropy, 5);
        Assert.Equal(s1.GradNorm, s2.GradNorm, 5);
        for (int i = 0; i < each.Length; i++) Assert.Equal(each[i], merged[i], 5);
        Assert.NotEqual(Flat0(), each);                          // the update did move the weights
    }

    private static float[] Flat0()
    {
        using var model = CausalLM.Create(Tiny, seed: 3);
        return model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
    }

    [Theory]
    [InlineData(0, 1)]   // one update: the trainer's log-probs are the forward's own
    [InlineData(3, 2)]   // mini-batches and epochs: the old log-probs computed before the first step
    public void The_logprob_gap_is_the_mean_distance_between_the_sampler_and_the_trainer(int miniBatch, int epochs)
    {
        var seqs = Sequences();
        int maxLen = seqs.Max(x => x.PromptIds.Length + x.ResponseIds.Length);
        float[][] full;
        using (var m = CausalLM.Create(Tiny, seed: 3)) full = PolicyUpdate.TargetLogProbs(m, seqs, 8, 0, maxLen);
        // target j is token j+1: response token k of a prompt of length P is target P−1+k
        float[] Response(int i) => full[i].AsSpan(seqs[i].PromptIds.Length - 1, seqs[i].ResponseIds.Length).ToArray();

        double Gap(float offset, bool lastWithout)
        {
            var with = seqs.Select((x, i) => x with { SampledLogProbs = lastWithout && i == seqs.Count - 1 ? null : Response(i).Select(v => v + offset).ToArray() }).ToList();
            using var model = CausalLM.Create(Tiny, seed: 3);
            using var opt = optim.SGD(model.parameters(), 0.1);
            var cfg = new GrpoConfig { MicroBatchSize = 2, KlCoef = 0, MiniBatchSize = miniBatch, PpoEpochs = epochs, MaxNewTokens = 8 };
            return PolicyUpdate.Run(model, null, opt, with, cfg, padId: 0, seed: 1).LogProbGap;
        }
        Assert.InRange(Gap(0f, false), 0, 1e-5);
        Assert.Equal(0.25, Gap(0.25f, false), 4);
        Assert.Equal(0.5, Gap(-0.5f, true), 4);   // a sequence without sampled log-probs is left out, not counted as 0
        using var m2 = CausalLM.Create(Tiny, seed: 3);
        using var o2 = optim.SGD(m2.parameters(), 0.1);
        Assert.True(double.IsNaN(PolicyUpdate.Run(m2, null, o2, seqs, new GrpoConfig { KlCoef = 0 }, 0, 1).LogProbGap));
    }
}
