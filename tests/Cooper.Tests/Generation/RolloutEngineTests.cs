using Cooper.Generation;
using Cooper.Modeling;
using Cooper.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Generation;

public class RolloutEngineTests
{
    private static readonly CharTokenizer s_chars = CharTokenizer.Create("abcdefghijklmnopqrstuvwxyz0123456789 +-=?.\n");

    private static CausalLM CharModel(long seed = 2) =>
        CausalLM.Create(TinyModels.CausalLM(s_chars), seed);

    [Fact]
    public void A_fixed_seed_gives_identical_samples_and_another_seed_different_ones()
    {
        using var lm = CharModel();
        var engine = new RolloutEngine(lm, s_chars);
        var p = new SamplingParams { Temperature = 1.0, MaxNewTokens = 20, N = 3, Seed = 123, IgnoreEos = true };
        var a = engine.Generate(["1+1=", "what is 2+3?"], p);
        var b = engine.Generate(["1+1=", "what is 2+3?"], p);
        var c = engine.Generate(["1+1=", "what is 2+3?"], p with { Seed = 124 });
        Assert.Equal(6, a.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].TokenIds, b[i].TokenIds);
            Assert.Equal(a[i].LogProbs, b[i].LogProbs);
            Assert.Equal(a[i].Text, b[i].Text);
        }
        Assert.Contains(Enumerable.Range(0, a.Count), i => !a[i].TokenIds.SequenceEqual(c[i].TokenIds));
        // Samples of one prompt differ from each other, and results are ordered prompt-major.
        Assert.Equal([0, 0, 0, 1, 1, 1], a.Select(s => s.PromptIndex));
        Assert.Equal([0, 1, 2, 0, 1, 2], a.Select(s => s.SampleIndex));
        Assert.False(a[0].TokenIds.SequenceEqual(a[1].TokenIds) && a[1].TokenIds.SequenceEqual(a[2].TokenIds));
    }

    [Fact]
    public void Returned_log_probs_equal_the_training_log_probs_of_the_same_tokens()
    {
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        var engine = new RolloutEngine(lm);
        int[][] prompts = [[175, 196, 25, 502, 67], [392, 167]];
        foreach (double temperature in new[] { 1.0, 0.7 })
        {
            var samples = engine.Generate(prompts, new SamplingParams { Temperature = temperature, MaxNewTokens = 8, N = 2, Seed = 7 });
            using var noGrad = torch.no_grad();
            foreach (var s in samples)
            {
                using var scope = torch.NewDisposeScope();
                var prompt = prompts[s.PromptIndex];
                var full = prompt.Concat(s.TokenIds).Select(x => (long)x).ToArray();
                var lp = lm.TokenLogProbs(torch.tensor(full).unsqueeze(0), temperature: temperature);   // (1, T-1)
                var tail = lp[0].narrow(0, prompt.Length - 1, s.TokenIds.Length).data<float>().ToArray();
                for (int i = 0; i < tail.Length; i++) Assert.True(Math.Abs(tail[i] - s.LogProbs[i]) < 1e-4, $"T={temperature} token {i}: {tail[i]} vs {s.LogProbs[i]}");
            }
        }
    }

    [Fact]
    public void Top_k_1_and_a_tiny_top_p_reduce_to_greedy()
    {
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        var engine = new RolloutEngine(lm);
        int[][] prompts = [[5, 6, 7], [100, 200, 300, 400]];
        var greedy = engine.Generate(prompts, new SamplingParams { Temperature = 0, MaxNewTokens = 10 });
        var topK = engine.Generate(prompts, new SamplingParams { Temperature = 1.3, TopK = 1, MaxNewTokens = 10, Seed = 1 });
        var topP = engine.Generate(prompts, new SamplingParams { Temperature = 1.3, TopP = 1e-6, MaxNewTokens = 10, Seed = 2 });
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(greedy[i].TokenIds, topK[i].TokenIds);
            Assert.Equal(greedy[i].TokenIds, topP[i].TokenIds);
        }
    }

    [Fact]
    public void Top_k_sampling_only_draws_from_the_k_most_likely_tokens()
    {
        using var scope = torch.NewDisposeScope();
        var logits = torch.tensor(new float[] { 0f, 5f, 1f, 4f, 3f, -2f }).unsqueeze(0).expand(2000, 6);   // top-3 = ids 1, 3, 4
        using var gen = new torch.Generator(3);
        var (tokens, _) = Sampler.Sample(logits, new SamplingParams { TopK = 3 }, gen);
        var drawn = tokens.data<long>().ToArray().Distinct().Order().ToArray();
        Assert.Equal([1L, 3L, 4L], drawn);
    }

    [Fact]
    public void Top_p_keeps_the_smallest_set_reaching_the_mass()
    {
        using var scope = torch.NewDisposeScope();
        // p = [0.5, 0.3, 0.15, 0.05]: top-p 0.7 keeps {0, 1}, as HF's warper does.
        var logits = torch.tensor(new[] { 0.5f, 0.3f, 0.15f, 0.05f }).log().unsqueeze(0).expand(2000, 4);
        using var gen = new torch.Generator(4);
        var (tokens, _) = Sampler.Sample(logits, new SamplingParams { TopP = 0.7 }, gen);
        Assert.Equal([0L, 1L], tokens.data<long>().ToArray().Distinct().Order().ToArray());
    }

    [Fact]
    public void Stop_tokens_end_a_sample_and_are_kept_as_its_last_token()
    {
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        var engine = new RolloutEngine(lm);
        int[][] prompts = [[175, 196, 25, 502, 67, 211, 407, 103, 348], [392, 167, 486, 68, 432]];
        var free = engine.Generate(prompts, new SamplingParams { Temperature = 0, MaxNewTokens = 8 });
        Assert.All(free, s => Assert.Equal(FinishReason.Length, s.FinishReason));
        Assert.All(free, s => Assert.Equal(8, s.TokenIds.Length));

        int stop = free[0].TokenIds[0];   // the first prompt's first greedy token (348 for this fixture)
        var stopped = new RolloutEngine(lm) { CompactionDivisor = 1 }.Generate(prompts, new SamplingParams { Temperature = 0, MaxNewTokens = 8, StopTokenIds = [stop] });
        Assert.Equal(FinishReason.Stop, stopped[0].FinishReason);
        Assert.Equal([stop], stopped[0].TokenIds);
        // The other row goes on unchanged after the first finished and the batch was compacted.
        int cut = Array.IndexOf(free[1].TokenIds, stop);
        Assert.Equal(cut < 0 ? free[1].TokenIds : free[1].TokenIds[..(cut + 1)], stopped[1].TokenIds);
    }

    [Fact]
    public void Stop_strings_end_a_sample_and_cut_its_text()
    {
        using var lm = CharModel(seed: 4);
        var engine = new RolloutEngine(lm, s_chars);
        var p = new SamplingParams { Temperature = 0, MaxNewTokens = 30, IgnoreEos = true };
        var free = engine.Generate(["abc"], p)[0];
        Assert.Equal(30, free.Text.Length);
        string stop = free.Text.Substring(5, 2);
        int first = free.Text.IndexOf(stop, StringComparison.Ordinal);

        var cut = engine.Generate(["abc"], p with { StopStrings = [stop] })[0];
        Assert.Equal(FinishReason.Stop, cut.FinishReason);
        Assert.Equal(free.Text[..first], cut.Text);
        Assert.Equal(first + stop.Length, cut.TokenIds.Length);   // one char per token: stops on the token completing the string
    }

    [Fact]
    public void The_tokenizer_s_eos_stops_generation_unless_ignored()
    {
        using var lm = CharModel(seed: 6);
        // Make EOS the clear greedy choice after the prompt: with tied embeddings its output row is its
        // embedding row, so point that row along the prompt's last hidden state (logit = 100).
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            var ids = torch.tensor(s_chars.Encode("abc").Select(x => (long)x).ToArray()).unsqueeze(0);
            var h = lm.ForwardHidden(ids)[0, -1];                                   // (C,)
            lm.Backbone.EmbedWeight[s_chars.EosTokenId!.Value].copy_(h * (100.0 / h.dot(h).item<float>()));
        }
        var engine = new RolloutEngine(lm, s_chars);
        var s = engine.Generate(["abc"], new SamplingParams { Temperature = 0, MaxNewTokens = 10 })[0];
        Assert.Equal(FinishReason.Stop, s.FinishReason);
        Assert.Equal(s_chars.EosTokenId, s.TokenIds[^1]);
        Assert.DoesNotContain("<|endoftext|>", s.Text);
        var ignored = engine.Generate(["abc"], new SamplingParams { Temperature = 0, MaxNewTokens = 10, IgnoreEos = true })[0];
        Assert.Equal(10, ignored.TokenIds.Length);
    }

    [Fact]
    public void A_bfloat16_model_generates_and_its_log_probs_match_training_log_probs_closely()
    {
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2, dtype: ScalarType.BFloat16);
        int[][] prompts = [[175, 196, 25, 502], [392, 167]];
        var samples = new RolloutEngine(lm).Generate(prompts, new SamplingParams { Temperature = 1.0, MaxNewTokens = 6, N = 2, Seed = 1 });
        Assert.All(samples, s => Assert.Equal(6, s.TokenIds.Length));
        using var noGrad = torch.no_grad();
        foreach (var s in samples)
        {
            using var scope = torch.NewDisposeScope();
            var full = prompts[s.PromptIndex].Concat(s.TokenIds).Select(x => (long)x).ToArray();
            var lp = lm.TokenLogProbs(torch.tensor(full).unsqueeze(0))[0].narrow(0, prompts[s.PromptIndex].Length - 1, 6).data<float>().ToArray();
            for (int i = 0; i < lp.Length; i++) Assert.True(Math.Abs(lp[i] - s.LogProbs[i]) < 0.05, $"{lp[i]} vs {s.LogProbs[i]}");
        }
    }

    [Fact]
    public void Bad_requests_are_rejected_with_the_offending_value()
    {
        using var lm = CausalLM.Create(TinyModels.CausalLM(), seed: 1);
        var engine = new RolloutEngine(lm);
        Assert.Contains("TopP", Assert.Throws<ArgumentException>(() => engine.Generate([[1, 2]], new SamplingParams { TopP = 0 })).Message);
        Assert.Contains("prompt 1 is empty", Assert.Throws<ArgumentException>(() => engine.Generate([[1], []], new SamplingParams())).Message);
        Assert.Contains("token id 64", Assert.Throws<ArgumentException>(() => engine.Generate([[64]], new SamplingParams())).Message);
    }
}

[Collection("NonParallel")]
public class RolloutEngineLeakTests
{
    [Fact]
    public void The_live_tensor_count_stays_flat_across_50_generation_calls()
    {
        var chars = CharTokenizer.Create("abcdefghij0123456789 =+");
        using var lm = CausalLM.Create(TinyModels.CausalLM(chars), seed: 8);
        var engine = new RolloutEngine(lm, chars) { CompactionDivisor = 2 };
        var p = new SamplingParams { Temperature = 1.0, TopK = 5, TopP = 0.9, MaxNewTokens = 12, N = 2, StopStrings = ["=="], StopTokenIds = [chars.TokenToId("0")!.Value] };
        engine.Generate(["1+2", "a"], p);   // warm-up (lazily created tensors such as rotary tables)
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 50; i++) engine.Generate(["1+2", "abc", "9"], p with { Seed = i });
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.Equal(before, after);
    }

    [Fact]
    public void The_live_tensor_count_stays_flat_across_training_steps_through_the_fused_log_probs()
    {
        using var lm = CausalLM.Create(TinyModels.CausalLM(), seed: 5);
        var ids = torch.tensor(new long[] { 0, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6 }).reshape(2, 6).DetachFromDisposeScope();
        var mask = torch.tensor(new long[] { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }).reshape(2, 6).DetachFromDisposeScope();
        void Step()
        {
            using var scope = torch.NewDisposeScope();
            var loss = -lm.TokenLogProbs(ids, mask).mean();
            loss.backward();
            lm.zero_grad();
        }
        Step();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++) Step();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        ids.Dispose();
        mask.Dispose();
    }

    [Fact]
    public void A_forward_outside_any_dispose_scope_leaves_only_the_logits_alive()
    {
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        using var ids = torch.tensor(new long[] { 0, 3, 4, 5, 1, 2, 3, 4 }).reshape(2, 4);
        using var mask = torch.tensor(new long[] { 0, 1, 1, 1, 1, 1, 1, 1 }).reshape(2, 4);
        using var noGrad = torch.no_grad();
        lm.forward(ids, mask).Dispose();   // warm-up
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var logits = lm.forward(ids, mask)) Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        using (var logits = lm.forward(ids)) Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        using (var logp = lm.TokenLogProbs(ids, mask)) Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
