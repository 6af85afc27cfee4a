using Cooper.Generation;
using Cooper.Modeling;
using Cooper.Tokenizers;

namespace Cooper.Rollouts;

/// <summary>Samples a GRPO step's rollouts and keeps the sampler's weights equal to the policy's.</summary>
public interface IRolloutBackend : IDisposable
{
    /// <summary>
    /// <see cref="SamplingParams.N"/> samples per prompt, prompt-major (as <see cref="RolloutEngine.Generate(IReadOnlyList{int[]}, SamplingParams)"/>),
    /// each with the sampled token ids and their log-probs at the sampling temperature. Throws when the step
    /// cannot be sampled; nothing of the step has been applied then.
    /// </summary>
    Task<IReadOnlyList<RolloutSample>> GenerateAsync(IReadOnlyList<int[]> prompts, SamplingParams p, CancellationToken ct = default);

    /// <summary>
    /// Called after every policy update (and once before the first step) with the number of updates so far: the
    /// next <see cref="GenerateAsync"/> must sample from the policy as it is now. Returns metrics to log.
    /// </summary>
    Task<IReadOnlyDictionary<string, double>> SyncAsync(int version, CancellationToken ct = default);
}

/// <summary>Rollouts in the trainer's process, from the very module being trained: nothing to sync.</summary>
public sealed class LocalRollouts(CausalLM policy, ITokenizer tokenizer) : IRolloutBackend
{
    /// <inheritdoc />
    public Task<IReadOnlyList<RolloutSample>> GenerateAsync(IReadOnlyList<int[]> prompts, SamplingParams p, CancellationToken ct = default)
    {
        policy.eval();
        return Task.FromResult(new RolloutEngine(policy, tokenizer).Generate(prompts, p));
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, double>> SyncAsync(int version, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyDictionary<string, double>>(new Dictionary<string, double>());

    /// <inheritdoc />
    public void Dispose() { }
}
