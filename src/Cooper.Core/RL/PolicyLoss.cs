using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.RL;

/// <summary>How per-token losses are reduced to one number (verl <c>agg_loss</c>).</summary>
public enum LossAggregation
{
    /// <summary>Σ loss·mask / Σ mask over the whole mini-batch (verl's default; DAPO).</summary>
    TokenMean,
    /// <summary>Mean over sequences of each sequence's token mean (original GRPO).</summary>
    SeqMeanTokenMean,
    /// <summary>Σ over sequences of each sequence's token sum, divided by a constant length (Dr.GRPO).</summary>
    SeqMeanTokenSumNorm,
}

/// <summary>
/// The denominators of <see cref="PolicyLoss.Aggregate"/>, taken over the whole mini-batch (one optimiser
/// step), not over the micro-batch being reduced, so micro-batch parts add up to the mini-batch's loss.
/// </summary>
/// <param name="Tokens">Response tokens that carry loss in the mini-batch (token-mean).</param>
/// <param name="Sequences">Sequences that carry loss in the mini-batch (seq-mean-token-mean).</param>
/// <param name="Length">The constant length of seq-mean-token-sum-norm. Training passes <c>max_new_tokens</c>,
/// as Dr.GRPO prescribes; verl's default <c>loss_scale_factor</c> is the padded batch width, which varies
/// from batch to batch and so reweights steps by their longest response.</param>
public readonly record struct LossNorm(long Tokens, int Sequences, int Length)
{
    /// <summary>The denominators of one whole batch: its masked tokens, its rows with any masked token, and <paramref name="length"/> (default: the batch width).</summary>
    public static LossNorm Of(Tensor mask, int? length = null)
    {
        using var scope = NewDisposeScope();
        var m = mask.to_type(ScalarType.Float32);
        long tokens = (long)m.sum().item<float>();
        int seqs = (int)m.sum(1).gt(0).sum().item<long>();
        return new LossNorm(tokens, seqs, length ?? (int)mask.shape[1]);
    }
}

/// <summary>The result of <see cref="PolicyLoss.Compute"/>: the loss and its diagnostics.</summary>
public sealed record PolicyLossResult(Tensor Loss, Tensor ClipFraction, Tensor ClipFractionLower, Tensor ApproxKl) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Loss.Dispose(); ClipFraction.Dispose(); ClipFractionLower.Dispose(); ApproxKl.Dispose();
    }
}

/// <summary>The per-token surrogate and what its diagnostics need.</summary>
/// <param name="PerToken">The clipped / dual-clipped loss per token, (B, T).</param>
/// <param name="LogRatio">clamp(logπ − logπ_old, −20, 20), (B, T).</param>
/// <param name="Clipped">True where the ratio clip was active, (B, T).</param>
/// <param name="DualClipped">True where the dual clip was active (A &lt; 0), (B, T).</param>
public sealed record SurrogateTerms(Tensor PerToken, Tensor LogRatio, Tensor Clipped, Tensor DualClipped);

/// <summary>PPO's clipped surrogate with dual clip, as GRPO uses it (verl <c>compute_policy_loss</c>).</summary>
public static class PolicyLoss
{
    /// <summary>
    /// ρ = exp(clamp(logπ − logπ_old, −20, 20));
    /// L₁ = max(−Aρ, −A·clip(ρ, 1−ε_low, 1+ε_high));
    /// dual clip (Ye et al. 2020) for A &lt; 0: L = min(L₁, −A·c);
    /// reduced with <paramref name="aggregation"/> over the response mask.
    /// </summary>
    /// <param name="logProbs">log π_θ of the taken tokens, (B, T).</param>
    /// <param name="oldLogProbs">log π_old of the same tokens, (B, T), no gradient.</param>
    /// <param name="advantages">A per token, (B, T).</param>
    /// <param name="mask">1 for response tokens that count, 0 elsewhere, (B, T).</param>
    public static PolicyLossResult Compute(Tensor logProbs, Tensor oldLogProbs, Tensor advantages, Tensor mask,
        double clipLow = 0.2, double clipHigh = 0.2, double dualClip = 3.0, LossAggregation aggregation = LossAggregation.TokenMean)
    {
        using var scope = NewDisposeScope();
        var m = mask.to_type(logProbs.dtype);
        var t = Surrogate(logProbs, oldLogProbs, advantages, clipLow, clipHigh, dualClip);
        var loss = Aggregate(t.PerToken, m, aggregation, LossNorm.Of(m));
        var clipFrac = MaskedMean(t.Clipped.to_type(m.dtype), m);
        var clipFracLower = MaskedMean(t.DualClipped.to_type(m.dtype), m);
        var approxKl = MaskedMean(-t.LogRatio, m);
        return new PolicyLossResult(loss.MoveToOuterDisposeScope(), clipFrac.detach().MoveToOuterDisposeScope(),
            clipFracLower.detach().MoveToOuterDisposeScope(), approxKl.detach().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The per-token surrogate of <see cref="Compute"/> before reduction, with the masks its diagnostics
    /// need; tensors live in the caller's dispose scope. Used by <see cref="Compute"/> and by
    /// <see cref="PolicyUpdate"/>, which reduces it with <see cref="Aggregate"/> and mini-batch denominators.
    /// </summary>
    public static SurrogateTerms Surrogate(Tensor logProbs, Tensor oldLogProbs, Tensor advantages,
        double clipLow, double clipHigh, double dualClip)
    {
        if (dualClip <= 1.0) throw new ArgumentException($"dual clip c must be > 1 (got {dualClip})");
        var logRatio = (logProbs - oldLogProbs).clamp(-20.0, 20.0);          // (B, T)
        var ratio = logRatio.exp();                                           // (B, T)
        var lossUnclipped = -advantages * ratio;                              // (B, T)
        var lossClipped = -advantages * ratio.clamp(1.0 - clipLow, 1.0 + clipHigh);
        var clipped = maximum(lossUnclipped, lossClipped);                   // (B, T)
        var lossDual = -advantages * dualClip;                                // (B, T)
        var negative = advantages.lt(0);
        var perToken = where(negative, minimum(lossDual, clipped), clipped); // (B, T)
        return new SurrogateTerms(perToken, logRatio, lossClipped.gt(lossUnclipped), clipped.gt(lossDual) & negative);
    }

    /// <summary>
    /// The one loss reduction (verl <c>agg_loss</c>), used by training and by <see cref="Compute"/>. Per-token
    /// <paramref name="values"/> ℓ (B, T) under <paramref name="mask"/> m (B, T), with the mini-batch's
    /// denominators <paramref name="norm"/>:
    /// <list type="bullet">
    /// <item>token-mean: Σ_b Σ_t ℓ·m / N_tokens;</item>
    /// <item>seq-mean-token-mean: Σ_b (Σ_t ℓ·m / Σ_t m) / N_seqs;</item>
    /// <item>seq-mean-token-sum-norm: Σ_b Σ_t ℓ·m / L (L constant).</item>
    /// </list>
    /// Called on a whole batch with <see cref="LossNorm.Of"/> this is verl's reduction of that batch; called
    /// on each micro-batch with the mini-batch's denominators the parts add up to it (gradient accumulation).
    /// <paramref name="rowCounts"/> c_b (B,) makes row b stand for c_b identical rows (merged duplicates):
    /// each sum over b above becomes Σ_b c_b·(…).
    /// </summary>
    public static Tensor Aggregate(Tensor values, Tensor mask, LossAggregation aggregation, LossNorm norm, Tensor? rowCounts = null)
    {
        using var scope = NewDisposeScope();
        var m = mask.to_type(values.dtype);
        var c = rowCounts?.to_type(values.dtype).unsqueeze(1);                                     // (B, 1) c_b, or none (all 1)
        var lm = c is null ? values * m : values * m * c;                                          // (B, T) c_b·ℓ·m
        Tensor result = aggregation switch
        {
            LossAggregation.TokenMean => lm.sum() / Math.Max(1, norm.Tokens),                      // Σ_b c_b Σ_t ℓm / N_tok
            LossAggregation.SeqMeanTokenMean =>
                (lm.sum(1) / m.sum(1).clamp_min(1.0)).sum() / Math.Max(1, norm.Sequences),           // Σ_b c_b (Σ_t ℓm / n_b) / N_seq
            LossAggregation.SeqMeanTokenSumNorm => lm.sum() / Math.Max(1, norm.Length),           // Σ_b c_b Σ_t ℓm / L
            _ => throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, null),
        };
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Σ values·mask / max(Σ mask, 1).</summary>
    public static Tensor MaskedMean(Tensor values, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var m = mask.to_type(values.dtype);
        return ((values * m).sum() / m.sum().clamp_min(1.0)).MoveToOuterDisposeScope();
    }
}

/// <summary>KL penalty to the frozen reference policy (verl <c>kl_penalty</c>).</summary>
public static class KlPenalty
{
    /// <summary>
    /// k3 (low-variance) estimator (Schulman 2020): with r = clamp(logπ_ref − logπ, −20, 20),
    /// KL ≈ exp(r) − r − 1, clamped to [−10, 10]. Per token, (B, T).
    /// </summary>
    public static Tensor K3(Tensor logProbs, Tensor refLogProbs)
    {
        using var scope = NewDisposeScope();
        var r = (refLogProbs - logProbs).clamp(-20.0, 20.0);                  // (B, T)
        var kl = r.exp() - r - 1.0;                                           // (B, T)
        return kl.clamp(-10.0, 10.0).MoveToOuterDisposeScope();
    }
}

/// <summary>Per-token entropy of the policy's next-token distribution.</summary>
public static class Entropy
{
    /// <summary>H = logsumexp(z) − Σ softmax(z)·z over the vocabulary; logits (B, T, V) → (B, T).</summary>
    public static Tensor FromLogits(Tensor logits)
    {
        using var scope = NewDisposeScope();
        var p = torch.nn.functional.softmax(logits, -1);
        var h = logits.logsumexp(-1) - (p * logits).sum(-1);
        return h.MoveToOuterDisposeScope();
    }
}
