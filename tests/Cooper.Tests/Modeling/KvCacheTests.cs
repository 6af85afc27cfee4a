using Cooper.Generation;
using Cooper.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Tests.Modeling;

public class KvCacheTests
{
    /// <summary>Left-pads rows with 0 and returns (ids, mask) as (B, T) int64 tensors.</summary>
    private static (Tensor Ids, Tensor Mask) LeftPad(IReadOnlyList<long[]> rows)
    {
        int t = rows.Max(r => r.Length);
        var ids = new long[rows.Count * t];
        var mask = new long[rows.Count * t];
        for (int b = 0; b < rows.Count; b++)
            for (int j = 0; j < rows[b].Length; j++)
            {
                ids[b * t + t - rows[b].Length + j] = rows[b][j];
                mask[b * t + t - rows[b].Length + j] = 1;
            }
        return (torch.tensor(ids, [rows.Count, t]), torch.tensor(mask, [rows.Count, t]));
    }

    [Theory]
    [InlineData("fixture")]
    [InlineData("llama-untied")]
    public void Decoding_with_the_cache_equals_a_full_forward_pass_at_every_step(string which)
    {
        using var lm = which == "fixture" ? CausalLM.FromPretrained(ModelFixtures.TinyQwen2) : CausalLM.Create(TinyModels.CausalLM(modelType: "llama", tied: false), seed: 5);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var (ids, mask) = LeftPad([[5, 17, 33, 2, 9, 41, 7], [11, 3, 29]]);   // (2, 7), second row left-padded
        const int steps = 12;
        using var cache = lm.NewCache(2, 7 + steps);

        var logits = lm.forward(ids, mask, kvCache: cache);                     // (2, 7, V) prefill
        var full = lm.forward(ids, mask);
        Assert.True((logits - full).abs().max().item<float>() < 1e-5f);          // same prefill, pad rows included
        var seq = ids;
        var seqMask = mask;
        for (int s = 0; s < steps; s++)
        {
            var next = logits.select(1, -1).argmax(-1).unsqueeze(1);            // (2, 1)
            seq = torch.cat([seq, next], 1);
            seqMask = torch.cat([seqMask, torch.ones(2, 1, ScalarType.Int64)], 1);
            logits = lm.forward(next, seqMask, kvCache: cache);                  // (2, 1, V) one step
            var reference = lm.forward(seq, seqMask).select(1, -1);             // (2, V) full recompute
            float err = (logits.select(1, -1) - reference).abs().max().item<float>();
            Assert.True(err < 1e-5f, $"step {s}: |Δ| = {err}");
        }
        Assert.Equal(7 + steps, cache.Length);
    }

    [Fact]
    public void Left_padding_does_not_change_a_sequence_s_greedy_tokens()
    {
        using var lm = CausalLM.Create(TinyModels.CausalLM(), seed: 9);
        var engine = new RolloutEngine(lm);
        var greedy = new SamplingParams { Temperature = 0, MaxNewTokens = 15 };
        int[] shortPrompt = [4, 8, 15];
        var alone = engine.Generate([shortPrompt], greedy)[0].TokenIds;
        var batched = engine.Generate([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], shortPrompt, [40, 41]], greedy);
        Assert.Equal(alone, batched[1].TokenIds);
    }

    [Fact]
    public void The_cache_refuses_more_positions_than_it_holds()
    {
        using var lm = CausalLM.Create(TinyModels.CausalLM(), seed: 1);
        using var cache = lm.NewCache(1, 4);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => lm.forward(torch.ones(1, 5, ScalarType.Int64), kvCache: cache));
        Assert.Contains("holds 4 positions", e.Message);
    }
}
