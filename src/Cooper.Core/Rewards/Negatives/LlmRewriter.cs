using Cooper.Endpoints;

namespace Cooper.Rewards.Negatives;

/// <summary>
/// An <see cref="INegativeWriter"/> backed by an assistant LLM with Cooper's prompt
/// (<see cref="NegativeRewritePrompt"/>). Endpoint failures, empty replies and replies identical to
/// the positive give null and are counted. The result is not checked for being wrong: run the rule
/// verifier on it before using it as a negative.
/// </summary>
public sealed class LlmRewriter(ILlmClient client) : INegativeWriter
{
    private long _requested, _rewritten, _endpointFailures, _unusable;

    /// <inheritdoc />
    public string Name => "llm";

    /// <summary>
    /// Cooper's assistant call for attempt <paramref name="attempt"/>. Each attempt sends its own
    /// sampling seed, so a retry after a rejected negative is a fresh sample, not a cache hit.
    /// </summary>
    public async Task<string?> WriteAsync(string question, string positive, int attempt, ulong seed, CancellationToken ct = default)
    {
        var request = NegativeRewritePrompt.Build(question, positive);
        var options = request.Options with { Seed = (int)((seed + (ulong)attempt) & 0x7FFFFFFF) };
        var result = await client.CompleteAsync(request.Messages, options, ct).ConfigureAwait(false);
        Interlocked.Increment(ref _requested);
        if (!result.Ok)
        {
            Interlocked.Increment(ref _endpointFailures);
            return null;
        }
        var text = result.Text?.Trim();
        if (string.IsNullOrEmpty(text) || text == positive.Trim())
        {
            Interlocked.Increment(ref _unusable);
            return null;
        }
        Interlocked.Increment(ref _rewritten);
        return text;
    }

    /// <summary>Namespaced counters: requested = rewritten + endpoint_failures + unusable.</summary>
    public IReadOnlyDictionary<string, double> ToMetrics(string prefix = "rewriter") => new Dictionary<string, double>
    {
        [$"{prefix}/requested"] = Interlocked.Read(ref _requested),
        [$"{prefix}/rewritten"] = Interlocked.Read(ref _rewritten),
        [$"{prefix}/endpoint_failures"] = Interlocked.Read(ref _endpointFailures),
        [$"{prefix}/unusable"] = Interlocked.Read(ref _unusable),
    };
}
