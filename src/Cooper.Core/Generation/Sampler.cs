using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Generation;

/// <summary>Next-token choice from last-position logits: temperature, top-k, top-p, then a seeded draw.</summary>
public static class Sampler
{
    /// <summary>
    /// Picks one token per row of <paramref name="logits"/> (B, V). Returns the tokens (B,) int64 and their
    /// log-probs (B,) float32 under softmax(logits/τ) — before top-k/top-p truncation, so they are the
    /// policy's log-probs at the sampling temperature; greedy (τ = 0) reports τ = 1.
    /// </summary>
    /// <remarks>
    /// Filtering follows HF's warpers (temperature → top-k → top-p, the most likely token always kept).
    /// The draw is the exponential race argmax(p / E), E ~ Exp(1) from <paramref name="generator"/>, which
    /// samples from p without a host sync (vLLM does the same).
    /// </remarks>
    public static (Tensor Tokens, Tensor LogProbs) Sample(Tensor logits, SamplingParams p, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        var z = logits.to(ScalarType.Float32);                                       // (B, V)
        if (p.Temperature == 0)
        {
            var greedy = z.argmax(-1);                                               // (B,)
            var lp = z.log_softmax(-1).gather(1, greedy.unsqueeze(1)).squeeze(1);
            return scope.MoveToOuter(greedy, lp);
        }

        var scaled = z / p.Temperature;                                              // (B, V)
        var logp = scaled.log_softmax(-1);
        var filtered = scaled;
        long v = z.shape[1];
        if (p.TopK > 0 && p.TopK < v)
        {
            var kth = filtered.topk(p.TopK, dim: -1).values.narrow(1, p.TopK - 1, 1);  // (B, 1)
            filtered = filtered.masked_fill(filtered < kth, double.NegativeInfinity);
        }
        if (p.TopP < 1.0)
        {
            var (sorted, order) = filtered.sort(-1, descending: false);              // ascending, as HF
            var cumulative = sorted.softmax(-1).cumsum(-1);
            var remove = cumulative <= (1 - p.TopP);
            remove.narrow(1, v - 1, 1).fill_(false);                                 // keep the most likely token
            var removeOrig = remove.scatter(1, order, remove);
            filtered = filtered.masked_fill(removeOrig, double.NegativeInfinity);
        }
        var probs = filtered.softmax(-1);                                            // (B, V)
        var race = torch.empty_like(probs).exponential_(1.0, generator);
        var tokens = (probs / race).argmax(-1);                                      // (B,)
        var tokenLogp = logp.gather(1, tokens.unsqueeze(1)).squeeze(1);              // (B,)
        return scope.MoveToOuter(tokens, tokenLogp);
    }
}
