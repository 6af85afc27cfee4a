using Cooper.Rewards;
using TorchSharp;
using static TorchSharp.torch;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Rewards;

public class RewardModelPairwiseTests
{
    private static readonly RmInput s_pos = new("What is 4+5?", "9", "4+5=9. The answer is \\boxed{9}.");
    private static readonly RmInput s_neg = new("What is 4+5?", "9", "4+5=8. The answer is \\boxed{8}.");
    private static readonly RmInput s_pos2 = new("What is 3*3?", "9", "3*3=9. The answer is \\boxed{9}.");
    private static readonly RmInput s_neg2 = new("What is 3*3?", "9", "3*3=6. The answer is \\boxed{6}.");

    private static double Margin(Cooper.Rewards.RewardModel rm, RmInput pos, RmInput neg)
    {
        using var noGrad = torch.no_grad();
        using var z = rm.Logits([pos, neg]);
        var s = z.to(ScalarType.Float32).data<float>().ToArray();
        return s[0] - s[1];
    }

    [Fact]
    public void A_pairwise_step_widens_the_margin_of_its_pair()
    {
        using var rm = TinyRewardModel.Create(seed: 9);
        using var opt = optim.AdamW(rm.Model.parameters(), 1e-3, weight_decay: 0.01);
        double before = Margin(rm, s_pos, s_neg);
        var r = PairwiseUpdate.Step(rm, opt, [s_pos], [s_neg]);
        double after = Margin(rm, s_pos, s_neg);
        Assert.False(r.Skipped);
        Assert.True(double.IsFinite(r.GradNorm) && r.GradNorm > 0);
        Assert.Equal(1, r.ValidPairs);
        Assert.Equal(before, r.MeanMargin, 4);
        Assert.Equal(Math.Log(1 + Math.Exp(-before)), r.Loss, 4);   // −log σ(s⁺ − s⁻)
        Assert.True(after > before, $"s⁺ − s⁻ should grow: {before} → {after}");
    }

    [Fact]
    public void The_anchor_adds_half_the_pointwise_losses_of_both_sides()
    {
        using var rm = TinyRewardModel.Create(seed: 9);
        double sPos, sNeg;
        using (torch.no_grad())
        using (var z = rm.Logits([s_pos, s_neg]))
        {
            var s = z.to(ScalarType.Float32).data<float>().ToArray();
            (sPos, sNeg) = (s[0], s[1]);
        }
        static double Softplus(double x) => Math.Log(1 + Math.Exp(x));
        // hand-worked: −log σ(s⁺ − s⁻) + λ·½[−log σ(s⁺) − log(1 − σ(s⁻))] = softplus(s⁻ − s⁺) + λ·½[softplus(−s⁺) + softplus(s⁻)]
        double want = Softplus(sNeg - sPos) + 2.0 * 0.5 * (Softplus(-sPos) + Softplus(sNeg));
        using var opt = optim.SGD(rm.Model.parameters(), 0.0);
        var r = PairwiseUpdate.Step(rm, opt, [s_pos], [s_neg], anchorWeight: 2.0);
        Assert.Equal(want, r.Loss, 4);

        // Labelled rows add labelWeight × their mean BCE: one row labelled 1 (s_pos2) and one labelled 0 (s_neg2).
        double p2, n2;
        using (torch.no_grad())
        using (var z = rm.Logits([s_pos2, s_neg2]))
        {
            var s = z.to(ScalarType.Float32).data<float>().ToArray();
            (p2, n2) = (s[0], s[1]);
        }
        var withRows = PairwiseUpdate.Step(rm, opt, [s_pos], [s_neg], anchorWeight: 2.0, labelled: [(s_pos2, true), (s_neg2, false)], labelWeight: 0.5);
        Assert.Equal(want + 0.5 * 0.5 * (Softplus(-p2) + Softplus(n2)), withRows.Loss, 4);
        Assert.Equal(2, withRows.LabelledRows);

        // Micro-batching keeps the anchor's weighting per pair.
        using var sgd2 = optim.SGD(rm.Model.parameters(), 0.0);
        var two = PairwiseUpdate.Step(rm, sgd2, [s_pos, s_pos2], [s_neg, s_neg2], anchorWeight: 2.0, microBatchPairs: 1);
        var whole = PairwiseUpdate.Step(rm, sgd2, [s_pos, s_pos2], [s_neg, s_neg2], anchorWeight: 2.0);
        Assert.Equal(whole.Loss, two.Loss, 5);
        Assert.Equal(whole.GradNorm, two.GradNorm, 4);
    }

    [Fact]
    public void Micro_batching_gives_the_same_loss_and_gradient_norm()
    {
        using var rm = TinyRewardModel.Create(seed: 12);
        using var opt = optim.SGD(rm.Model.parameters(), 0.0);
        var whole = PairwiseUpdate.Step(rm, opt, [s_pos, s_pos2], [s_neg, s_neg2], microBatchPairs: 2);
        var split = PairwiseUpdate.Step(rm, opt, [s_pos, s_pos2], [s_neg, s_neg2], microBatchPairs: 1);
        Assert.Equal(whole.Loss, split.Loss, 4);
        Assert.Equal(whole.GradNorm, split.GradNorm, 3);
    }

    [Fact]
    public void No_pair_skips_the_step_and_leaves_the_weights_alone()
    {
        using var rm = TinyRewardModel.Create(seed: 11);
        using var opt = optim.AdamW(rm.Model.parameters(), 1e-2, weight_decay: 0.5);
        var before = rm.Model.parameters().Select(p => p.detach().clone()).ToList();
        var r = PairwiseUpdate.Step(rm, opt, [], []);
        Assert.True(r.Skipped);
        Assert.Equal(0, r.ValidPairs);
        foreach (var (p, q) in rm.Model.parameters().Zip(before)) Assert.True(p.allclose(q, rtol: 0, atol: 0));
        foreach (var q in before) q.Dispose();
    }

    [Fact]
    public void Misaligned_pairs_are_rejected()
    {
        using var rm = TinyRewardModel.Create();
        using var opt = optim.SGD(rm.Model.parameters(), 0.0);
        var e = Assert.Throws<ArgumentException>(() => PairwiseUpdate.Step(rm, opt, [s_pos, s_pos2], [s_neg]));
        Assert.Contains("2 positives, 1 negatives", e.Message);
    }
}

[Collection("NonParallel")]
public class RewardModelLeakTests
{
    [Fact]
    public void The_live_tensor_count_stays_flat_across_pairwise_steps_and_scoring()
    {
        using var rm = TinyRewardModel.Create(seed: 13);
        using var opt = optim.AdamW(rm.Model.parameters(), 1e-3, weight_decay: 0.01);
        RmInput pos = new("What is 1+1?", "2", "\\boxed{2}"), neg = new("What is 1+1?", "2", "\\boxed{3}");
        PairwiseUpdate.Step(rm, opt, [pos], [neg]);   // warm-up: optimizer state is created lazily
        rm.Scores([pos, neg]);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 10; i++)
        {
            if (i % 2 == 0) PairwiseUpdate.Step(rm, opt, [pos, neg], [neg, pos]);
            else PairwiseUpdate.Step(rm, opt, [pos], [neg]);
            rm.Scores([pos, neg, pos], microBatch: 2);
        }
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
