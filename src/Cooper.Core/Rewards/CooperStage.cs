using Cooper.Endpoints;
using Cooper.Rewards.Negatives;
using static TorchSharp.torch;

namespace Cooper.Rewards;

/// <summary>Cooper's stage 2: the reward model's update on pairs built from the step's rollouts (paper §3.2).</summary>
public sealed record CooperConfig
{
    /// <summary>Reward-model AdamW learning rate (paper 1e-5).</summary>
    public double LearningRate { get; init; } = 1e-5;
    /// <summary>Reward-model weight decay.</summary>
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Reward-model gradient-norm clip.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>Attempts per prompt to get a negative the verifier rejects.</summary>
    public int MaxNegativeAttempts { get; init; } = 3;
    /// <summary>The assistant endpoint; null = the embedded rewriter.</summary>
    public EndpointConfig? Assistant { get; init; }
    /// <summary>Beyond the paper: also pair each positive with the verifier-rejected rollout the RM scores highest (if ≥ 0.5).</summary>
    public bool HardNegatives { get; init; }
    /// <summary>Beyond the paper: distinct verified rollouts per prompt used as positives (1 = the paper's first one; 0 = all).</summary>
    public int PositivesPerPrompt { get; init; } = 1;
    /// <summary>Beyond the paper: rewrites (pairs) per positive (paper 1).</summary>
    public int NegativesPerPositive { get; init; } = 1;
    /// <summary>
    /// Beyond the paper: weight λ of a pointwise anchor added to the pairwise loss, λ · ½[BCE(s⁺, 1) + BCE(s⁻, 0)]
    /// on the same pairs (both sides are labelled by the verifier). The pairwise loss constrains only score
    /// differences, so without it the scores can drift up together (0 = the paper).
    /// </summary>
    public double AnchorWeight { get; init; }
    /// <summary>Beyond the paper: reward-model optimiser steps per RL step, on the same pairs (paper 1).</summary>
    public int UpdatesPerStep { get; init; } = 1;
    /// <summary>
    /// Beyond the paper: weight of a BCE term on the step's own rollouts labelled by the verifier (1 accepted,
    /// 0 rejected), each distinct completion once; with it the reward model learns even in a step without a
    /// valid pair, and every completion the policy is being rewarded for wrongly is pushed down directly. The
    /// paper avoids the verifier's negatives because it misses correct answers written differently; use this
    /// where its false negatives are rare (0 = off).
    /// </summary>
    public double RolloutLabelWeight { get; init; }
    /// <summary>
    /// Beyond the paper: with <see cref="RolloutLabelWeight"/>, leave out of the BCE the rollouts the reward model
    /// already scores within this of their label (|score − label| &lt; it; the score is this step's, taken before
    /// the update). Their gradient on the logit is |score − label|, so they add almost nothing, yet they are most
    /// of the rows; the kept rows' BCE is still divided by the count of all rows, so the term's scale does not
    /// change. 0 = every row. Only read when <see cref="RolloutLabelWeight"/> &gt; 0 (Cooper+).
    /// </summary>
    public double RolloutLabelMinError { get; init; } = 0.05;

    /// <summary>
    /// Cooper+: the paper's stage 2 plus hard negatives, the pointwise anchor on the pairs and the BCE on the
    /// step's verifier-labelled rollouts (weight 1 each). A trial with more pairs instead (4 positives × 2
    /// rewrites, hard negatives, anchor; RM lr 3e-4) wore the reward model down (held-out AUROC 0.91 → 0.54 in
    /// 20 steps, docs/results). Learning rate, clip and assistant are this config's.
    /// </summary>
    public CooperConfig Plus() => this with { HardNegatives = true, AnchorWeight = 1.0, RolloutLabelWeight = 1.0 };
}

/// <summary>A rollout of the step as Cooper's stage 2 sees it: which group, the texts, the verifier's verdict and the RM's score.</summary>
public sealed record StageRollout(int PromptIndex, string Question, string Reference, string Completion, bool VerifiedCorrect, double Score);

/// <summary>
/// Cooper's stage 2 (paper §3.2) as one unit: from one step's rollouts build the preference pairs
/// (a verifier-accepted positive per prompt and the assistant's rewrite of it into a wrong answer,
/// kept only if the verifier rejects it; <see cref="PairBuilder"/>), optionally add hard negatives
/// (beyond the paper), and take one pairwise step of the reward model (<see cref="PairwiseUpdate"/>,
/// Eq. 6). Every way a pair can fail is counted. Owns nothing: the reward model and its optimiser
/// belong to the caller.
/// </summary>
public sealed class CooperStage(RewardModel rm, optim.Optimizer optimizer, CooperConfig cfg, INegativeWriter assistant, Func<string, string, bool> isCorrect)
{
    /// <summary>The assistant that writes negatives.</summary>
    public INegativeWriter Assistant => assistant;

    /// <summary>Builds the step's pairs: one per prompt (in prompt order), then the hard-negative pairs if enabled.</summary>
    public async Task<List<PreferencePair>> PairsAsync(IReadOnlyList<StageRollout> rollouts, ulong seed, CancellationToken ct = default)
    {
        var groups = rollouts.Select(r => new PairRollout(r.PromptIndex, r.Question, r.Reference, r.Completion, r.VerifiedCorrect))
            .GroupBy(r => r.PromptIndex).OrderBy(g => g.Key).Select(g => (IReadOnlyList<PairRollout>)g.ToList()).ToList();
        var pairs = (await PairBuilder.BuildAsync(groups, isCorrect, assistant, seed, cfg.PositivesPerPrompt, cfg.NegativesPerPositive,
            cfg.MaxNegativeAttempts, ct: ct).ConfigureAwait(false)).ToList();
        if (cfg.HardNegatives)
            pairs.AddRange(HardNegatives(pairs, rollouts));
        return pairs;
    }

    /// <summary>
    /// Beyond the paper: for each prompt with a positive, the verifier-rejected rollout the reward model
    /// scores highest, when it scores ≥ 0.5 — the mistake the policy is being rewarded for right now.
    /// </summary>
    public static IEnumerable<PreferencePair> HardNegatives(IReadOnlyList<PreferencePair> pairs, IReadOnlyList<StageRollout> rollouts)
    {
        // One hard pair per (prompt, positive), however many rewrites that positive was given.
        foreach (var p in pairs.Where(p => p.Positive is not null).DistinctBy(p => (p.PromptIndex, p.Positive)).ToList())
        {
            StageRollout? best = null;
            foreach (var r in rollouts)
                if (r.PromptIndex == p.PromptIndex && !r.VerifiedCorrect && (best is null || r.Score > best.Score)) best = r;
            if (best is not null && best.Score >= 0.5)
                yield return p with { Negative = best.Completion, Status = PairStatus.Valid };
        }
    }

    /// <summary>Stage 2 for one step: pairs, then one pairwise step on the valid ones. Returns the <c>cooper/*</c> metrics.</summary>
    public async Task<Dictionary<string, double>> UpdateAsync(IReadOnlyList<StageRollout> rollouts, ulong seed, CancellationToken ct = default)
    {
        var pairs = await PairsAsync(rollouts, seed, ct).ConfigureAwait(false);
        var m = PairMetrics(pairs);
        // An endpoint assistant's running counters (requests, rewrites, failures), so a dying endpoint shows in the metrics.
        if (assistant is Negatives.LlmRewriter llm)
            foreach (var (k, v) in llm.ToMetrics("cooper/assistant")) m[k] = v;
        var valid = pairs.Where(p => p.IsValid).ToList();
        // Beyond the paper: the step's own rollouts, labelled by the verifier, each distinct completion once.
        var distinct = cfg.RolloutLabelWeight > 0 ? rollouts.DistinctBy(r => (r.PromptIndex, r.Completion)).ToList() : [];
        var labelled = distinct.Where(r => Math.Abs(r.Score - (r.VerifiedCorrect ? 1 : 0)) >= cfg.RolloutLabelMinError)
            .Select(r => (new RmInput(r.Question, r.Reference, r.Completion), r.VerifiedCorrect)).ToList();
        if (valid.Count == 0 && labelled.Count == 0)
        {
            m["cooper/rm_loss"] = double.NaN;
            m["cooper/rm_skipped"] = 1;
            return m;
        }
        var pos = valid.Select(p => new RmInput(p.Question, p.Reference, p.Positive!)).ToList();
        var neg = valid.Select(p => new RmInput(p.Question, p.Reference, p.Negative!)).ToList();
        PairwiseStepResult Step() => PairwiseUpdate.Step(rm, optimizer, pos, neg, cfg.MaxGradNorm, anchorWeight: cfg.AnchorWeight,
            labelled: labelled, labelWeight: cfg.RolloutLabelWeight, labelledTotal: distinct.Count);
        var r = Step();
        // The margin and pair accuracy are measured before the first step: how well the model ranked this step's pairs.
        m["cooper/pair_margin"] = valid.Count == 0 ? double.NaN : r.MeanMargin;
        m["cooper/pair_accuracy"] = valid.Count == 0 ? double.NaN : r.PairAccuracy;
        if (cfg.RolloutLabelWeight > 0)
        {
            m["cooper/labelled_rows"] = r.LabelledRows;   // the rows in the BCE
            m["cooper/labelled_distinct"] = distinct.Count;   // the step's distinct rollouts they were chosen from
        }
        int skipped = r.Skipped ? 1 : 0;
        for (int i = 1; i < cfg.UpdatesPerStep; i++)
        {
            r = Step();
            skipped += r.Skipped ? 1 : 0;
        }
        m["cooper/rm_loss"] = r.Loss;
        m["cooper/rm_grad_norm"] = r.GradNorm;
        m["cooper/rm_skipped"] = skipped;
        return m;
    }

    /// <summary>How many pairs there were and why the invalid ones failed (one metric per <see cref="PairStatus"/>).</summary>
    public static Dictionary<string, double> PairMetrics(IReadOnlyList<PreferencePair> pairs) => new()
    {
        ["cooper/pairs"] = pairs.Count,
        ["cooper/valid_pair_rate"] = pairs.Count == 0 ? 0 : pairs.Count(p => p.IsValid) / (double)pairs.Count,
        ["cooper/no_positive"] = pairs.Count(p => p.Status == PairStatus.NoPositive),
        ["cooper/writer_failed"] = pairs.Count(p => p.Status == PairStatus.WriterFailed),
        ["cooper/negative_equivalent"] = pairs.Count(p => p.Status == PairStatus.NegativeEquivalent),
    };
}
