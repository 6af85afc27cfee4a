using Cooper.Modeling;
using Cooper.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.RL;

/// <summary>One rollout ready for the policy update.</summary>
/// <param name="PromptIds">Prompt tokens.</param>
/// <param name="ResponseIds">Response tokens, a stop token included.</param>
/// <param name="Advantage">A_i, broadcast over the response.</param>
/// <param name="Weight">1 normally; 0 to give the sequence no loss (masked truncation).</param>
/// <param name="Count">How many identical rollouts this row stands for (see <see cref="PolicyUpdate.MergeDuplicates"/>).</param>
/// <param name="SampledLogProbs">The sampler's log-prob of each response token, when known: compared with the trainer's (<see cref="PolicyUpdateStats.LogProbGap"/>).</param>
public sealed record PolicySequence(int[] PromptIds, int[] ResponseIds, double Advantage, double Weight = 1.0, int Count = 1, float[]? SampledLogProbs = null);

/// <summary>Statistics of one policy update.</summary>
public sealed record PolicyUpdateStats(double Loss, double PgLoss, double Kl, double ClipFraction, double ClipFractionLower,
    double ApproxKl, double Entropy, double GradNorm, long Tokens, int OptimizerSteps)
{
    /// <summary>Rows forwarded: the rollouts, or fewer when identical ones were merged.</summary>
    public int Rows { get; init; }

    /// <summary>
    /// Mean |sampler − trainer| log-prob per response token before the update (the train–inference gap: the sampler's
    /// KV-cached decode, or a server's kernels and dtype, against the trainer's full forward); NaN when no sequence
    /// carried <see cref="PolicySequence.SampledLogProbs"/>.
    /// </summary>
    public double LogProbGap { get; init; } = double.NaN;
}

/// <summary>
/// The GRPO policy update (verl <c>update_policy</c>): PPO epochs over mini-batches; each mini-batch is one
/// optimiser step accumulated over micro-batches. Per token: clipped/dual-clip surrogate + β·k3 KL to the
/// reference − c_H·entropy. Denominators are the mini-batch's (not the micro-batch's), so
/// accumulating 8 micro-batches of 1 gives the same gradient as 1 micro-batch of 8.
/// </summary>
public static class PolicyUpdate
{
    /// <summary>
    /// Runs the update. Old log-probs are this policy's before the first optimiser step (with one
    /// epoch and one mini-batch they equal the current ones detached, so no extra forward is spent);
    /// reference log-probs come from <paramref name="reference"/> when the KL coefficient is non-zero.
    /// </summary>
    public static PolicyUpdateStats Run(CausalLM policy, CausalLM? reference, torch.optim.Optimizer optimizer,
        IReadOnlyList<PolicySequence> sequences, GrpoConfig cfg, int padId, long seed)
    {
        if (sequences.Count == 0) return new PolicyUpdateStats(0, 0, 0, 0, 0, 0, double.NaN, 0, 0, 0);
        int miniSize = cfg.MiniBatchSize <= 0 ? sequences.Count : Math.Min(cfg.MiniBatchSize, sequences.Count);
        bool singleUpdate = cfg.PpoEpochs == 1 && miniSize == sequences.Count;
        if (singleUpdate && cfg.MergeDuplicates)
        {
            sequences = MergeDuplicates(sequences);
            miniSize = sequences.Count;
        }
        int maxLen = sequences.Max(s => s.PromptIds.Length + s.ResponseIds.Length);

        // Old and reference log-probs, computed once before any update (no gradient).
        float[][]? old = singleUpdate ? null : TargetLogProbs(policy, sequences, cfg.MicroBatchSize, padId, maxLen, cfg.Temperature);
        float[][]? refLp = reference is not null && cfg.KlCoef != 0 ? TargetLogProbs(reference, sequences, cfg.MicroBatchSize, padId, maxLen, cfg.Temperature) : null;

        var order = Enumerable.Range(0, sequences.Count).ToArray();
        double sumLoss = 0, sumPg = 0, sumKl = 0, sumClip = 0, sumClipLow = 0, sumApproxKl = 0, sumEnt = 0, sumNorm = 0;
        long tokens = 0;
        int steps = 0, microCount = 0;
        double gapSum = 0, gapTokens = 0;
        policy.train();
        for (int epoch = 0; epoch < cfg.PpoEpochs; epoch++)
        {
            if (epoch > 0 || cfg.PpoEpochs > 1) Shuffle(order, seed * 7919 + epoch);
            for (int mbStart = 0; mbStart < order.Length; mbStart += miniSize)
            {
                var mb = order.Skip(mbStart).Take(miniSize).ToArray();
                // Denominators count only sequences that carry loss (weight > 0), each as many times as it stands for.
                long mbTokens = mb.Where(i => sequences[i].Weight > 0).Sum(i => (long)sequences[i].ResponseIds.Length * sequences[i].Count);
                int mbSeqs = mb.Where(i => sequences[i].Weight > 0).Sum(i => sequences[i].Count);
                Optimizers.ZeroGrad(optimizer);
                for (int mcStart = 0; mcStart < mb.Length; mcStart += cfg.MicroBatchSize)
                {
                    var mc = mb.Skip(mcStart).Take(cfg.MicroBatchSize).ToArray();
                    using var scope = NewDisposeScope();
                    using var batch = Sft.Collate(mc.Select(i => new SftExample(sequences[i].PromptIds, sequences[i].ResponseIds)).ToList(), padId, maxLen, policy.Device);
                    // (b,) multiplicity, only when this micro-batch holds merged rows (otherwise every count is 1)
                    Tensor? counts = mc.Any(i => sequences[i].Count > 1)
                        ? tensor(mc.Select(i => (float)sequences[i].Count).ToArray(), ScalarType.Float32, batch.LossMask.device) : null;
                    var mask = batch.LossMask * Column(mc.Select(i => sequences[i].Weight), batch.LossMask);   // (b, T−1)
                    var adv = Column(mc.Select(i => sequences[i].Advantage), batch.LossMask);                    // (b, T−1)
                    Tensor logp, entropy;
                    bool needEntropy = cfg.EntropyCoef != 0 || policy.Config.VocabSize <= 8192;
                    if (needEntropy)
                    {
                        var logits = policy.forward(batch.InputIds);                      // (b, T, V)
                        var shifted = logits.narrow(1, 0, logits.shape[1] - 1);            // (b, T−1, V)
                        if (cfg.Temperature != 1.0) shifted = shifted / cfg.Temperature;   // the sampler's distribution (verl divides logits by τ)
                        logp = LogProbs.FromLogits(shifted, batch.Targets);                                      // (b, T−1)
                        entropy = Entropy.FromLogits(shifted);                                                   // (b, T−1)
                    }
                    else
                    {
                        logp = policy.TokenLogProbs(batch.InputIds, temperature: cfg.Temperature);
                        entropy = zeros_like(logp);
                    }
                    var oldLp = old is null ? logp.detach() : Gather(old, mc, batch.LossMask);
                    if (epoch == 0 && mc.Any(i => sequences[i].SampledLogProbs is not null))
                    {
                        var (sampled, has) = SampledAligned(mc.Select(i => sequences[i]).ToList(), batch.LossMask);   // (b, T−1) each
                        var w = counts is null ? has : has * counts.unsqueeze(1);
                        gapSum += ((oldLp - sampled).abs() * w).sum().item<float>();
                        gapTokens += w.sum().item<float>();
                    }
                    var sur = PolicyLoss.Surrogate(logp, oldLp, adv, cfg.ClipLow, cfg.ClipHigh, cfg.DualClip);
                    var pg = sur.PerToken;                                                                        // (b, T−1)
                    var perToken = pg.alias();
                    Tensor kl = zeros_like(pg);
                    if (refLp is not null)
                    {
                        kl = KlPenalty.K3(logp, Gather(refLp, mc, batch.LossMask));
                        perToken = perToken + cfg.KlCoef * kl;
                    }
                    if (cfg.EntropyCoef != 0) perToken = perToken - cfg.EntropyCoef * entropy;
                    var loss = PolicyLoss.Aggregate(perToken, mask, cfg.Aggregation, new LossNorm(mbTokens, mbSeqs, cfg.MaxNewTokens), counts);
                    loss.backward();

                    // diagnostics, token-weighted over the update's rollouts
                    var m = counts is null ? batch.LossMask : batch.LossMask * counts.unsqueeze(1);
                    double n = m.sum().item<float>();
                    sumLoss += loss.item<float>();   // micro-batch parts add up to the mini-batch loss
                    sumPg += (pg * m).sum().item<float>();
                    sumKl += (kl * m).sum().item<float>();
                    sumClip += (sur.Clipped.to_type(m.dtype) * m).sum().item<float>();
                    sumClipLow += (sur.DualClipped.to_type(m.dtype) * m).sum().item<float>();
                    sumApproxKl += (-sur.LogRatio * m).sum().item<float>();
                    sumEnt += (entropy * m).sum().item<float>();
                    tokens += (long)n;
                    microCount++;
                }
                sumNorm += torch.nn.utils.clip_grad_norm_(policy.parameters(), cfg.MaxGradNorm);
                optimizer.step();
                steps++;
            }
        }
        double t = Math.Max(1, tokens);
        return new PolicyUpdateStats(sumLoss / Math.Max(1, steps), sumPg / t, sumKl / t, sumClip / t, sumClipLow / t,
            sumApproxKl / t, sumEnt / t, sumNorm / Math.Max(1, steps), tokens, steps)
        { Rows = sequences.Count, LogProbGap = gapTokens > 0 ? gapSum / gapTokens : double.NaN };
    }

    /// <summary>
    /// Merges identical rollouts (same prompt, response, advantage and weight) into one row whose
    /// <see cref="PolicySequence.Count"/> says how many it stands for, in first-occurrence order. Exact for
    /// an on-policy update with one epoch and one mini-batch: identical rows have identical per-token
    /// losses and gradients, so k copies weigh k times one (up to float summation order). A small policy
    /// repeats itself a lot (≈ 10 distinct of 16 samples at T 1), so this removes a large part of the
    /// forward/backward work.
    /// </summary>
    public static List<PolicySequence> MergeDuplicates(IReadOnlyList<PolicySequence> sequences)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var merged = new List<PolicySequence>();
        foreach (var s in sequences)
        {
            string key = string.Join(',', s.PromptIds) + "|" + string.Join(',', s.ResponseIds) + "|" + s.Advantage.ToString("R", inv) + "|" + s.Weight.ToString("R", inv);
            if (index.TryGetValue(key, out int at)) merged[at] = merged[at] with { Count = merged[at].Count + s.Count };
            else { index[key] = merged.Count; merged.Add(s); }
        }
        return merged;
    }

    /// <summary>
    /// Target log-probs of each sequence (no gradient) at sampling temperature <paramref name="temperature"/>
    /// (log softmax(z/τ), the distribution the rollouts were drawn from), as float arrays aligned with collated targets.
    /// </summary>
    public static float[][] TargetLogProbs(CausalLM model, IReadOnlyList<PolicySequence> seqs, int microBatch, int padId, int maxLen, double temperature = 1.0)
    {
        var result = new float[seqs.Count][];
        bool wasTraining = model.training;
        model.eval();
        using (no_grad())
        {
            for (int start = 0; start < seqs.Count; start += microBatch)
            {
                using var scope = NewDisposeScope();
                var idx = Enumerable.Range(start, Math.Min(microBatch, seqs.Count - start)).ToArray();
                using var batch = Sft.Collate(idx.Select(i => new SftExample(seqs[i].PromptIds, seqs[i].ResponseIds)).ToList(), padId, maxLen, model.Device);
                var lp = model.TokenLogProbs(batch.InputIds, temperature: temperature).to(CPU);   // (b, T−1)
                long tm1 = lp.shape[1];
                var flat = lp.data<float>().ToArray();
                for (int k = 0; k < idx.Length; k++) result[idx[k]] = flat.AsSpan((int)(k * tm1), (int)tm1).ToArray();
            }
        }
        if (wasTraining) model.train();
        return result;
    }

    private static Tensor Gather(float[][] perSeq, int[] rows, Tensor like)
    {
        long t = like.shape[1];
        var buf = new float[rows.Length * t];
        for (int k = 0; k < rows.Length; k++)
        {
            var src = perSeq[rows[k]];
            Array.Copy(src, 0, buf, k * t, Math.Min(t, src.Length));
        }
        return tensor(buf, [rows.Length, t], ScalarType.Float32, like.device);
    }

    /// <summary>
    /// The sequences' sampled log-probs placed at their targets' positions (response token k of a prompt of length P is
    /// target P−1+k), and a mask of the positions that have one (response tokens only).
    /// </summary>
    private static (Tensor Sampled, Tensor Has) SampledAligned(IReadOnlyList<PolicySequence> seqs, Tensor like)
    {
        long t = like.shape[1];
        var values = new float[seqs.Count * t];
        var has = new float[seqs.Count * t];
        for (int k = 0; k < seqs.Count; k++)
        {
            if (seqs[k].SampledLogProbs is not { } lp) continue;
            int start = seqs[k].PromptIds.Length - 1;
            for (int j = 0; j < Math.Min(lp.Length, seqs[k].ResponseIds.Length) && start + j < t; j++)
            {
                values[k * t + start + j] = lp[j];
                has[k * t + start + j] = 1;
            }
        }
        return (tensor(values, [seqs.Count, t], ScalarType.Float32, like.device), tensor(has, [seqs.Count, t], ScalarType.Float32, like.device));
    }

    private static Tensor Column(IEnumerable<double> values, Tensor like)
    {
        var v = values.Select(x => (float)x).ToArray();
        return tensor(v, [v.Length, 1], ScalarType.Float32, like.device).expand(like.shape[0], like.shape[1]);
    }

    private static void Shuffle(int[] a, long seed) => new Cooper.Data.Embedded.SplitMix64((ulong)seed).Shuffle(a);
}
