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
        var pairs = (await PairBuilder.BuildAsync(groups, isCorrect, assistant, seed, cfg.MaxNegativeAttempts, ct: ct).ConfigureAwait(false)).ToList();
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
        foreach (var p in pairs.Where(p => p.Positive is not null).ToList())
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
        var valid = pairs.Where(p => p.IsValid).ToList();
        if (valid.Count == 0)
        {
            m["cooper/rm_loss"] = double.NaN;
            m["cooper/rm_skipped"] = 1;
            return m;
        }
        var pos = valid.Select(p => new RmInput(p.Question, p.Reference, p.Positive!)).ToList();
        var neg = valid.Select(p => new RmInput(p.Question, p.Reference, p.Negative!)).ToList();
        var r = PairwiseUpdate.Step(rm, optimizer, pos, neg, cfg.MaxGradNorm);
        m["cooper/rm_loss"] = r.Loss;
        m["cooper/rm_grad_norm"] = r.GradNorm;
        m["cooper/rm_skipped"] = r.Skipped ? 1 : 0;
        m["cooper/pair_margin"] = r.MeanMargin;
        m["cooper/pair_accuracy"] = r.PairAccuracy;
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
