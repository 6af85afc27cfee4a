using Cooper.RL;
using Cooper.Rewards;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Tests.RL;

public class AdvantageTests
{
    [Fact]
    public void Grpo_advantage_uses_the_unbiased_group_std()
    {
        // group 0: scores 1,0,0,1 → mean 0.5, var = 4·0.25/3 = 1/3, std = 0.577350; A = ±0.5/0.577350 = ±0.866025
        // group 1: a single rollout → 0
        var a = Advantages.GroupRelative([1, 0, 0, 1, 1], [0, 0, 0, 0, 1]);
        Assert.Equal(0.866025, a[0], 5);
        Assert.Equal(-0.866025, a[1], 5);
        Assert.Equal(-0.866025, a[2], 5);
        Assert.Equal(0.866025, a[3], 5);
        Assert.Equal(0.0, a[4]);
    }

    [Fact]
    public void Dr_grpo_advantage_does_not_divide_by_std()
    {
        var a = Advantages.GroupRelative([3, 1, 2], [7, 7, 7], normalizeByStd: false);
        Assert.Equal([1.0, -1.0, 0.0], a);
    }

    [Fact]
    public void A_group_with_equal_scores_gets_zero_advantage_and_is_flagged()
    {
        var a = Advantages.GroupRelative([1, 1, 1], [0, 0, 0]);
        Assert.All(a, x => Assert.Equal(0.0, x));
        Assert.True(Advantages.IsZeroStdGroup([1, 1, 1]));
        Assert.False(Advantages.IsZeroStdGroup([1, 0, 1]));
    }

    [Fact]
    public void With_a_minimum_std_groups_scored_nearly_alike_are_flagged_too()
    {
        // 0.95, 0.97, 0.99: mean 0.97, unbiased variance (0.02² + 0 + 0.02²)/2 = 0.0004, std 0.02
        Assert.True(Advantages.IsZeroStdGroup([0.95, 0.97, 0.99], minStd: 0.05));
        Assert.False(Advantages.IsZeroStdGroup([0.95, 0.97, 0.99], minStd: 0.01));
        Assert.False(Advantages.IsZeroStdGroup([0.95, 0.97, 0.99]));   // 0: only all-equal groups
        // one right of 16 (binary): std √(1/16) = 0.25, the smallest a binary reward can have at 16 rollouts
        double[] oneOf16 = [1, .. Enumerable.Repeat(0.0, 15)];
        Assert.False(Advantages.IsZeroStdGroup(oneOf16, minStd: 0.05));
        Assert.False(Advantages.IsZeroStdGroup(oneOf16, minStd: 0.2499));
        Assert.True(Advantages.IsZeroStdGroup(oneOf16, minStd: 0.2501));
    }

    [Fact]
    public void Mismatched_lengths_are_rejected()
        => Assert.Throws<ArgumentException>(() => Advantages.GroupRelative([1, 2], [0]));
}

public class PolicyLossTests
{
    private static Tensor T(params double[] v) => tensor(v, dtype: float64);

    [Fact]
    public void Clipped_and_dual_clipped_loss_matches_hand_computed_values()
    {
        // ratios ρ = 1.5, 0.5, 1.1, 5 (old log-probs 0); A = 1, −1, −2, −1; ε = 0.2, c = 3
        // t0: max(−1.5, −1.2) = −1.2
        // t1: max(0.5, 0.8) = 0.8; A<0 → min(0.8, 3) = 0.8
        // t2: max(2.2, 2.2) = 2.2; A<0 → min(2.2, 6) = 2.2
        // t3: max(5, 1.2) = 5;     A<0 → min(5, 3) = 3
        using var logp = T(Math.Log(1.5), Math.Log(0.5), Math.Log(1.1), Math.Log(5)).reshape(1, 4);
        using var old = zeros(1, 4, float64);
        using var adv = T(1, -1, -2, -1).reshape(1, 4);
        using var mask = ones(1, 4, float64);
        using var r = PolicyLoss.Compute(logp, old, adv, mask);
        Assert.Equal((-1.2 + 0.8 + 2.2 + 3) / 4, r.Loss.item<double>(), 9);
        Assert.Equal(0.5, r.ClipFraction.item<double>(), 9);        // t0 and t1 clipped
        Assert.Equal(0.25, r.ClipFractionLower.item<double>(), 9);  // t3 dual-clipped
        Assert.Equal(-(Math.Log(1.5) + Math.Log(0.5) + Math.Log(1.1) + Math.Log(5)) / 4, r.ApproxKl.item<double>(), 9);
    }

    [Fact]
    public void Asymmetric_clip_uses_the_high_bound_for_positive_advantages()
    {
        // ρ = 1.25, A = 1: ε_high = 0.28 leaves it unclipped (−1.25); ε_high = 0.2 clips to −1.2
        using var logp = T(Math.Log(1.25)).reshape(1, 1);
        using var old = zeros(1, 1, float64);
        using var adv = ones(1, 1, float64);
        using var mask = ones(1, 1, float64);
        using var wide = PolicyLoss.Compute(logp, old, adv, mask, clipLow: 0.2, clipHigh: 0.28);
        using var narrow = PolicyLoss.Compute(logp, old, adv, mask);
        Assert.Equal(-1.25, wide.Loss.item<double>(), 9);
        Assert.Equal(-1.2, narrow.Loss.item<double>(), 9);
    }

    [Fact]
    public void Masked_tokens_do_not_count()
    {
        using var logp = T(0, Math.Log(100)).reshape(1, 2);
        using var old = zeros(1, 2, float64);
        using var adv = T(1, 1).reshape(1, 2);
        using var mask = T(1, 0).reshape(1, 2);
        using var r = PolicyLoss.Compute(logp, old, adv, mask);
        Assert.Equal(-1.0, r.Loss.item<double>(), 9);
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean, 2.5)]              // (1+2+3+4)/4
    [InlineData(LossAggregation.SeqMeanTokenMean, 3.0)]       // ((1+2+3)/3 + 4/1)/2
    [InlineData(LossAggregation.SeqMeanTokenSumNorm, 10.0 / 3)] // (6 + 4)/T, T = 3
    public void Each_aggregation_mode_over_a_whole_batch_matches_its_formula(LossAggregation mode, double expected)
    {
        using var values = T(1, 2, 3, 4, 5, 6).reshape(2, 3);
        using var mask = T(1, 1, 1, 1, 0, 0).reshape(2, 3);
        using var agg = PolicyLoss.Aggregate(values, mask, mode, LossNorm.Of(mask));
        Assert.Equal(expected, agg.item<double>(), 9);
    }

    [Fact]
    public void The_batch_denominators_count_masked_tokens_and_rows_that_carry_loss()
    {
        using var mask = T(1, 1, 0, 0, 0, 0, 1, 0, 0).reshape(3, 3);   // the middle row carries no loss
        Assert.Equal(new LossNorm(3, 2, 3), LossNorm.Of(mask));
        Assert.Equal(new LossNorm(3, 2, 200), LossNorm.Of(mask, length: 200));
    }

    [Theory]
    // A mini-batch of three sequences (tokens 2, 1, 3 → 6 tokens, 3 sequences, L = 10) reduced in two
    // micro-batches: rows {0, 1} and row {2}. The parts use the mini-batch's denominators and add up to it.
    [InlineData(LossAggregation.TokenMean, (1 + 2 + 3) / 6.0, (4 + 5 + 6) / 6.0)]
    [InlineData(LossAggregation.SeqMeanTokenMean, ((1 + 2) / 2.0 + 3) / 3, (4 + 5 + 6) / 3.0 / 3)]
    [InlineData(LossAggregation.SeqMeanTokenSumNorm, (1 + 2 + 3) / 10.0, (4 + 5 + 6) / 10.0)]
    public void Micro_batch_parts_use_the_mini_batch_denominators(LossAggregation mode, double first, double second)
    {
        var norm = new LossNorm(Tokens: 6, Sequences: 3, Length: 10);
        using var v1 = T(1, 2, 0, 3, 0, 0).reshape(2, 3);
        using var m1 = T(1, 1, 0, 1, 0, 0).reshape(2, 3);
        using var v2 = T(4, 5, 6).reshape(1, 3);
        using var m2 = T(1, 1, 1).reshape(1, 3);
        using var a1 = PolicyLoss.Aggregate(v1, m1, mode, norm);
        using var a2 = PolicyLoss.Aggregate(v2, m2, mode, norm);
        Assert.Equal(first, a1.item<double>(), 6);
        Assert.Equal(second, a2.item<double>(), 6);
    }

    [Fact]
    public void Gradient_flows_only_through_unclipped_tokens()
    {
        // t0: ρ = 1 (inside the clip range) → d/dlogp of −Aρ = −Aρ = −1
        // t1: ρ = 1.5, A = 1 → clipped, gradient 0
        using var logp = T(0, Math.Log(1.5)).reshape(1, 2).requires_grad_();
        using var old = zeros(1, 2, float64);
        using var adv = T(1, 1).reshape(1, 2);
        using var mask = ones(1, 2, float64);
        using var r = PolicyLoss.Compute(logp, old, adv, mask);
        r.Loss.backward();
        var g = logp.grad!.data<double>().ToArray();
        Assert.Equal(-0.5, g[0], 9); // token-mean divides by 2
        Assert.Equal(0.0, g[1], 9);
    }
}

public class KlAndEntropyTests
{
    [Fact]
    public void K3_estimator_matches_hand_computed_values_and_clamps()
    {
        // r = log π_ref − log π: ln 2 → 2 − ln2 − 1 = 0.306853; −ln 2 → 0.5 + ln2 − 1 = 0.193147; 30 → clamp(e^20 − 21) = 10
        using var logp = zeros(3, float64);
        using var refLogp = tensor(new[] { Math.Log(2), -Math.Log(2), 30.0 }, dtype: float64);
        using var kl = KlPenalty.K3(logp, refLogp);
        var v = kl.data<double>().ToArray();
        Assert.Equal(1 - Math.Log(2), v[0], 9);
        Assert.Equal(Math.Log(2) - 0.5, v[1], 9);
        Assert.Equal(10.0, v[2], 9);
    }

    [Fact]
    public void K3_is_zero_when_policies_agree()
    {
        using var a = tensor(new[] { -1.3, -0.2 }, dtype: float64);
        using var kl = KlPenalty.K3(a, a);
        Assert.All(kl.data<double>().ToArray(), x => Assert.Equal(0.0, x, 12));
    }

    [Fact]
    public void Entropy_of_uniform_logits_is_log_vocab()
    {
        using var logits = zeros(2, 3, 8);
        using var h = Entropy.FromLogits(logits);
        Assert.All(h.data<float>().ToArray(), x => Assert.Equal(Math.Log(8), x, 5));
    }
}

public class RewardModelLossTests
{
    [Fact]
    public void Binary_cross_entropy_matches_hand_computed_value()
    {
        // z = 0, y = 1 → ln 2; z = 2, y = 0 → ln(1 + e²) = 2.126928; mean = 1.410038
        using var logits = tensor(new[] { 0.0, 2.0 }, dtype: float64);
        using var labels = tensor(new[] { 1.0, 0.0 }, dtype: float64);
        using var loss = RewardModelLoss.BinaryCrossEntropy(logits, labels);
        Assert.Equal((Math.Log(2) + Math.Log(1 + Math.Exp(2))) / 2, loss.item<double>(), 9);
    }

    [Fact]
    public void Pairwise_loss_averages_over_valid_pairs_only()
    {
        // valid pairs: s⁺−s⁻ = 1 → ln(1+e⁻¹) = 0.313262; 0 → ln 2; the third is invalid
        using var pos = tensor(new[] { 2.0, 0.0, 1.0 }, dtype: float64);
        using var neg = tensor(new[] { 1.0, 0.0, 3.0 }, dtype: float64);
        using var valid = tensor(new[] { 1.0, 1.0, 0.0 }, dtype: float64);
        using var loss = RewardModelLoss.Pairwise(pos, neg, valid);
        Assert.Equal((Math.Log(1 + Math.Exp(-1)) + Math.Log(2)) / (2 + 1e-6), loss.item<double>(), 9);
    }

    [Fact]
    public void Pairwise_loss_with_zero_valid_pairs_is_zero_with_zero_gradient()
    {
        using var pos = tensor(new[] { 2.0, -1.0 }, dtype: float64).requires_grad_();
        using var neg = tensor(new[] { 1.0, 5.0 }, dtype: float64);
        using var valid = zeros(2, float64);
        using var loss = RewardModelLoss.Pairwise(pos, neg, valid);
        Assert.Equal(0.0, loss.item<double>());
        loss.backward();
        Assert.All(pos.grad!.data<double>().ToArray(), g => Assert.Equal(0.0, g));
    }
}
