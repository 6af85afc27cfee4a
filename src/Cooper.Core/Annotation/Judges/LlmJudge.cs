using Cooper.Endpoints;

namespace Cooper.Annotation.Judges;

/// <summary>
/// An <see cref="IJudge"/> backed by an LLM endpoint using the VerifyBench protocol in
/// <see cref="JudgePrompt"/>. Endpoint failures and replies without a verdict give null and are
/// counted; caller cancellation throws.
/// </summary>
public sealed class LlmJudge(ILlmClient client, Action<string>? log = null) : IJudge
{
    private long _judged, _yes, _no, _noVerdict, _endpointFailures;

    /// <inheritdoc />
    public async Task<bool?> JudgeAsync(string question, string reference, string completion, CancellationToken ct = default)
    {
        var messages = JudgePrompt.Build(question, reference, completion);
        var result = await client.CompleteAsync(messages, JudgePrompt.RequestOptions, ct).ConfigureAwait(false);
        Interlocked.Increment(ref _judged);
        if (!result.Ok)
        {
            Interlocked.Increment(ref _endpointFailures);
            return null;
        }
        bool? verdict = JudgePrompt.ParseJudgment(result.Text);
        switch (verdict)
        {
            case true: Interlocked.Increment(ref _yes); break;
            case false: Interlocked.Increment(ref _no); break;
            default:
                Interlocked.Increment(ref _noVerdict);
                log?.Invoke($"judge reply has no 'Final Judgment: Yes/No' ({result.Text?.Length ?? 0} chars); no label");
                break;
        }
        return verdict;
    }

    /// <summary>Verdict counters at this moment.</summary>
    public JudgeSnapshot Snapshot() => new()
    {
        Judged = Interlocked.Read(ref _judged),
        Yes = Interlocked.Read(ref _yes),
        No = Interlocked.Read(ref _no),
        NoVerdict = Interlocked.Read(ref _noVerdict),
        EndpointFailures = Interlocked.Read(ref _endpointFailures),
    };
}

/// <summary>Judge counters: every judged item is exactly one of Yes, No, NoVerdict, EndpointFailures.</summary>
public sealed record JudgeSnapshot
{
    /// <summary>Items judged.</summary>
    public long Judged { get; init; }
    /// <summary>Verdicts "Yes" (correct).</summary>
    public long Yes { get; init; }
    /// <summary>Verdicts "No" (incorrect).</summary>
    public long No { get; init; }
    /// <summary>Replies without a parsable verdict (no label).</summary>
    public long NoVerdict { get; init; }
    /// <summary>Requests the endpoint failed (no label).</summary>
    public long EndpointFailures { get; init; }

    /// <summary>Namespaced metrics, e.g. <c>judge/no_verdict</c>.</summary>
    public IReadOnlyDictionary<string, double> ToMetrics(string prefix = "judge") => new Dictionary<string, double>
    {
        [$"{prefix}/judged"] = Judged,
        [$"{prefix}/yes"] = Yes,
        [$"{prefix}/no"] = No,
        [$"{prefix}/no_verdict"] = NoVerdict,
        [$"{prefix}/endpoint_failures"] = EndpointFailures,
    };
}
