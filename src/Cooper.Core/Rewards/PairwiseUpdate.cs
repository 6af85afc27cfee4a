using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Rewards;

/// <summary>What one pairwise reward-model update did.</summary>
/// <param name="Loss">Eq. 6's loss over the valid pairs, plus the anchor and labelled-row terms when set (0 when there was nothing to learn from).</param>
/// <param name="GradNorm">Global gradient norm before clipping (NaN/∞ when the step was skipped for it; 0 with no valid pair).</param>
/// <param name="Skipped">True when no optimiser step was taken: no valid pair, or a non-finite gradient norm.</param>
public sealed record PairwiseStepResult(double Loss, double GradNorm, bool Skipped)
{
    /// <summary>Pairs that entered the loss.</summary>
    public int ValidPairs { get; init; }

    /// <summary>Mean s⁺ − s⁻ over the valid pairs before the update (the margin the step widens).</summary>
    public double MeanMargin { get; init; }

    /// <summary>Fraction of valid pairs already ordered correctly (s⁺ &gt; s⁻) before the update.</summary>
    public double PairAccuracy { get; init; }

    /// <summary>Labelled rows whose BCE entered the loss (0 without them).</summary>
    public int LabelledRows { get; init; }
}

/// <summary>
/// Cooper's stage-2 reward-model update (paper §3.2, Eq. 6): on the valid pairs (a verifier-accepted
/// rollout y⁺ and an assistant-written wrong rewrite y⁻ of it) minimise
/// L = Σ −log σ(r(x, a, y⁺) − r(x, a, y⁻)) / n, then clip the gradient norm and step. Invalid pairs
/// never reach this method (<see cref="CooperStage"/> filters them), so there is no validity mask.
/// </summary>
public static class PairwiseUpdate
{
    /// <summary>
    /// One optimiser step of the reward model on its pairs. Gradients are accumulated over micro-batches of
    /// <paramref name="microBatchPairs"/> pairs, each weighted by its share of the valid pairs, so the
    /// gradient equals one full batch's. The step is skipped (gradients dropped, optimiser untouched)
    /// when there is no pair or the gradient norm is not finite.
    /// </summary>
    /// <param name="positives">y⁺ inputs, one per pair.</param>
    /// <param name="negatives">y⁻ inputs, aligned with <paramref name="positives"/>.</param>
    /// <param name="maxGradNorm">Global gradient-norm clip (paper/verl 1.0).</param>
    /// <param name="anchorWeight">Beyond the paper: λ of the pointwise anchor λ · ½[BCE(s⁺, 1) + BCE(s⁻, 0)] added per pair (0 = Eq. 6 alone).</param>
    /// <param name="labelled">
    /// Beyond the paper: rows with a 0/1 label (the step's rollouts as the verifier judged them) whose mean BCE,
    /// times <paramref name="labelWeight"/>, is added to the loss. With labelled rows the step is taken even
    /// when there is no pair.
    /// </param>
    /// <param name="labelWeight">Weight of the labelled rows' mean BCE.</param>
    /// <param name="labelledTotal">
    /// The count the labelled rows' BCE sum is divided by, when they are a selection of a larger set (the rows
    /// left out count as contributing nothing); null = their own count, the mean.
    /// </param>
    public static PairwiseStepResult Step(RewardModel rm, optim.Optimizer optimizer,
        IReadOnlyList<RmInput> positives, IReadOnlyList<RmInput> negatives,
        double maxGradNorm = 1.0, int microBatchPairs = 16, double anchorWeight = 0,
        IReadOnlyList<(RmInput Input, bool Label)>? labelled = null, double labelWeight = 0, int? labelledTotal = null)
    {
        if (positives.Count != negatives.Count)
            throw new ArgumentException($"pairs must align: {positives.Count} positives, {negatives.Count} negatives");
        if (microBatchPairs < 1) throw new ArgumentException($"microBatchPairs must be ≥ 1, got {microBatchPairs}");
        if (labelledTotal < (labelled?.Count ?? 0))
            throw new ArgumentException($"labelledTotal ({labelledTotal}) is smaller than the labelled rows ({labelled!.Count})");
        var idx = Enumerable.Range(0, positives.Count).ToArray();
        labelled = labelWeight > 0 ? labelled ?? [] : [];
        int labelDivisor = labelledTotal ?? labelled.Count;
        Training.Optimizers.ZeroGrad(optimizer);
        if (idx.Length == 0 && labelled.Count == 0) return new PairwiseStepResult(0, 0, Skipped: true);

        // The labelled rows' BCE, accumulated over micro-batches of 2 × microBatchPairs rows.
        double labelLoss = 0;
        for (int start = 0; start < labelled.Count; start += 2 * microBatchPairs)
        {
            var chunk = labelled.Skip(start).Take(2 * microBatchPairs).ToList();
            using var scope = torch.NewDisposeScope();
            var z = rm.Logits(chunk.Select(c => c.Input).ToList()).to(ScalarType.Float32);                  // (r,)
            var y = torch.tensor(chunk.Select(c => c.Label ? 1f : 0f).ToArray(), device: z.device);
            var part = RewardModelLoss.BinaryCrossEntropy(z, y) * (labelWeight * chunk.Count / labelDivisor);
            part.backward();
            labelLoss += part.detach().cpu().item<float>();
        }
        // The pairs' loss (no pair: labelled rows alone), accumulated over micro-batches of pairs.
        double loss = 0, marginSum = 0;
        int ordered = 0;
        for (int start = 0; start < idx.Length; start += microBatchPairs)
        {
            var chunk = idx.Skip(start).Take(microBatchPairs).ToArray();
            int p = chunk.Length;
            using var scope = torch.NewDisposeScope();
            // Positives and negatives in one forward: rows 0..p-1 are y⁺, rows p..2p-1 are y⁻.
            var inputs = chunk.Select(i => positives[i]).Concat(chunk.Select(i => negatives[i])).ToList();
            var s = rm.Logits(inputs).to(ScalarType.Float32);                    // (2p,)
            var sPos = s.narrow(0, 0, p);                                         // (p,)
            var sNeg = s.narrow(0, p, p);                                         // (p,)
            var chunkLoss = RewardModelLoss.Pairwise(sPos, sNeg);
            if (anchorWeight > 0)
                chunkLoss = chunkLoss + anchorWeight * 0.5 * (RewardModelLoss.BinaryCrossEntropy(sPos, torch.ones_like(sPos)) + RewardModelLoss.BinaryCrossEntropy(sNeg, torch.zeros_like(sNeg)));
            var part = chunkLoss * ((double)p / idx.Length);
            part.backward();
            var margin = (sPos - sNeg).detach();                                  // (p,)
            var host = torch.stack([part.detach(), margin.sum(), margin.gt(0).sum().to(ScalarType.Float32)]).cpu().data<float>().ToArray();
            loss += host[0];
            marginSum += host[1];
            ordered += (int)host[2];
        }

        double norm = torch.nn.utils.clip_grad_norm_(rm.Model.parameters(), maxGradNorm);
        bool skip = !double.IsFinite(norm);
        if (!skip) optimizer.step();
        Training.Optimizers.ZeroGrad(optimizer);
        return new PairwiseStepResult(loss + labelLoss, norm, skip)
        {
            ValidPairs = idx.Length,
            LabelledRows = labelled.Count,
            MeanMargin = idx.Length == 0 ? 0 : marginSum / idx.Length,
            PairAccuracy = idx.Length == 0 ? 0 : (double)ordered / idx.Length,
        };
    }
}
