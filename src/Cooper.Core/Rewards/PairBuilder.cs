using Cooper.Rewards.Negatives;

namespace Cooper.Rewards;

/// <summary>A rollout as the pair builder sees it.</summary>
/// <param name="PromptIndex">Which prompt of the batch (the GRPO group) it answers.</param>
/// <param name="VerifiedCorrect">The rule verifier's verdict against the reference.</param>
public sealed record PairRollout(int PromptIndex, string Question, string Reference, string Completion, bool VerifiedCorrect);

/// <summary>Why a pair is (in)valid.</summary>
public enum PairStatus
{
    /// <summary>A verified positive and an accepted negative.</summary>
    Valid,
    /// <summary>No rollout of the group was accepted by the verifier.</summary>
    NoPositive,
    /// <summary>The assistant returned nothing (endpoint failure, nothing to corrupt).</summary>
    WriterFailed,
    /// <summary>Every attempted negative was judged equivalent to the reference by the verifier.</summary>
    NegativeEquivalent,
}

/// <summary>One preference pair for the reward-model update (one per prompt in the paper's stage 2).</summary>
public sealed record PreferencePair(int PromptIndex, string Question, string Reference, string? Positive, string? Negative, PairStatus Status, int Attempts)
{
    /// <summary>True when both sides exist and the negative was accepted.</summary>
    public bool IsValid => Status == PairStatus.Valid;
}

/// <summary>
/// Cooper's stage-2 data (paper §3.2): per prompt, the positive is the first rollout the rule
/// verifier accepts; the negative is the assistant's rewrite of that positive, accepted only if the
/// verifier says it is NOT equivalent to the reference (up to <c>maxAttempts</c> tries). A prompt
/// without a positive, or whose negatives all fail, gives an invalid pair (masked out of the loss).
/// </summary>
public static class PairBuilder
{
    /// <summary>Builds one pair per group, in group order (the paper's stage 2).</summary>
    /// <param name="groups">Rollouts grouped by prompt.</param>
    /// <param name="isCorrect">The rule verifier: (completion, reference) → equivalent.</param>
    /// <param name="writer">The assistant that writes negatives.</param>
    /// <param name="seed">Seed for this step; each prompt derives its own from it.</param>
    public static Task<IReadOnlyList<PreferencePair>> BuildAsync(
        IReadOnlyList<IReadOnlyList<PairRollout>> groups,
        Func<string, string, bool> isCorrect,
        INegativeWriter writer,
        ulong seed,
        int maxAttempts = 3,
        int maxConcurrency = 8,
        CancellationToken ct = default) =>
        BuildAsync(groups, isCorrect, writer, seed, positivesPerPrompt: 1, negativesPerPositive: 1, maxAttempts, maxConcurrency, ct);

    /// <summary>
    /// Beyond the paper: up to <paramref name="positivesPerPrompt"/> distinct verified rollouts per prompt
    /// (0 = all of them) are positives, each paired with up to <paramref name="negativesPerPositive"/>
    /// distinct rewrites. A group's pairs come in (positive, negative) order; a group without a positive
    /// gives one <see cref="PairStatus.NoPositive"/> pair. With 1 and 1 this is the paper's builder, with
    /// the same seeds.
    /// </summary>
    public static async Task<IReadOnlyList<PreferencePair>> BuildAsync(
        IReadOnlyList<IReadOnlyList<PairRollout>> groups,
        Func<string, string, bool> isCorrect,
        INegativeWriter writer,
        ulong seed,
        int positivesPerPrompt,
        int negativesPerPositive,
        int maxAttempts = 3,
        int maxConcurrency = 8,
        CancellationToken ct = default)
    {
        if (maxAttempts < 1) throw new ArgumentException($"maxAttempts must be ≥ 1 (got {maxAttempts})");
        if (positivesPerPrompt < 0) throw new ArgumentException($"positivesPerPrompt must be ≥ 0 (0 = all; got {positivesPerPrompt})");
        if (negativesPerPositive < 1) throw new ArgumentException($"negativesPerPositive must be ≥ 1 (got {negativesPerPositive})");
        var perGroup = new List<PreferencePair>[groups.Count];
        using var gate = new SemaphoreSlim(Math.Max(1, maxConcurrency));
        var tasks = groups.Select(async (group, g) =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                ulong groupSeed = seed ^ ((ulong)g * 0xD6E8FEB86659FD93UL);
                var positives = group.Where(r => r.VerifiedCorrect).DistinctBy(r => r.Completion, StringComparer.Ordinal).ToList();
                if (positivesPerPrompt > 0) positives = positives.Take(positivesPerPrompt).ToList();
                var list = new List<PreferencePair>();
                if (positives.Count == 0)
                {
                    var first = group[0];
                    list.Add(new PreferencePair(first.PromptIndex, first.Question, first.Reference, null, null, PairStatus.NoPositive, 0));
                }
                for (int j = 0; j < positives.Count; j++)
                {
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    for (int n = 0; n < negativesPerPositive; n++)
                    {
                        // (0, 0) keeps the paper builder's seed; every other pair derives its own.
                        ulong pairSeed = j == 0 && n == 0 ? groupSeed : Data.Embedded.SplitMix64.Derive(groupSeed, (ulong)j, (ulong)n);
                        var pair = await BuildOneAsync(positives[j], isCorrect, writer, pairSeed, maxAttempts, ct).ConfigureAwait(false);
                        // A repeated negative adds nothing; keep the first (and the pair if it failed, to count why).
                        if (pair.IsValid && !seen.Add(pair.Negative!)) continue;
                        list.Add(pair);
                    }
                }
                perGroup[g] = list;
            }
            finally { gate.Release(); }
        });
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return perGroup.SelectMany(x => x).ToList();
    }

    private static async Task<PreferencePair> BuildOneAsync(PairRollout positive, Func<string, string, bool> isCorrect,
        INegativeWriter writer, ulong seed, int maxAttempts, CancellationToken ct)
    {
        for (int attempt = 0; attempt < maxAttempts; attempt++)
        {
            string? negative;
            try { negative = await writer.WriteAsync(positive.Question, positive.Completion, attempt, seed, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
            catch (Exception) { negative = null; } // a failing assistant never aborts the step
            if (negative is null)
                return new PreferencePair(positive.PromptIndex, positive.Question, positive.Reference, positive.Completion, null, PairStatus.WriterFailed, attempt + 1);
            if (!isCorrect(negative, positive.Reference))
                return new PreferencePair(positive.PromptIndex, positive.Question, positive.Reference, positive.Completion, negative, PairStatus.Valid, attempt + 1);
        }
        return new PreferencePair(positive.PromptIndex, positive.Question, positive.Reference, positive.Completion, null, PairStatus.NegativeEquivalent, maxAttempts);
    }
}
