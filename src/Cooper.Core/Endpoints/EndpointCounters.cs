namespace Cooper.Endpoints;

/// <summary>
/// Thread-safe counters for one client. A <em>request</em> is one call to
/// <see cref="ILlmClient.CompleteAsync"/>; it ends as exactly one of: a cache hit, a success, or one
/// failure of a kind. <em>Attempts</em> are HTTP requests actually sent, <em>retries</em> the attempts
/// after a request's first.
/// </summary>
public sealed class EndpointCounters
{
    private long _requests, _attempts, _successes, _retries, _cacheHits, _promptTokens, _completionTokens;
    private readonly long[] _failures = new long[Enum.GetValues<EndpointFailure>().Length];

    internal void Request() => Interlocked.Increment(ref _requests);
    internal void Attempt() => Interlocked.Increment(ref _attempts);
    internal void Retry() => Interlocked.Increment(ref _retries);
    internal void CacheHit() => Interlocked.Increment(ref _cacheHits);
    internal void Failed(EndpointFailure kind) => Interlocked.Increment(ref _failures[(int)kind]);

    internal void Succeeded(long promptTokens, long completionTokens)
    {
        Interlocked.Increment(ref _successes);
        Interlocked.Add(ref _promptTokens, promptTokens);
        Interlocked.Add(ref _completionTokens, completionTokens);
    }

    /// <summary>A consistent-enough copy for metrics (each field read atomically).</summary>
    public EndpointSnapshot Snapshot()
    {
        long F(EndpointFailure k) => Interlocked.Read(ref _failures[(int)k]);
        return new EndpointSnapshot
        {
            Requests = Interlocked.Read(ref _requests),
            Attempts = Interlocked.Read(ref _attempts),
            Successes = Interlocked.Read(ref _successes),
            Retries = Interlocked.Read(ref _retries),
            CacheHits = Interlocked.Read(ref _cacheHits),
            Timeouts = F(EndpointFailure.Timeout),
            Http429 = F(EndpointFailure.Http429),
            Http5xx = F(EndpointFailure.Http5xx),
            Http4xx = F(EndpointFailure.Http4xx),
            Malformed = F(EndpointFailure.Malformed),
            Network = F(EndpointFailure.Network),
            PromptTokens = Interlocked.Read(ref _promptTokens),
            CompletionTokens = Interlocked.Read(ref _completionTokens),
        };
    }
}

/// <summary>Counter values at one moment; failures are final (after retries), one per failed request.</summary>
public sealed record EndpointSnapshot
{
    /// <summary>Calls to <c>CompleteAsync</c>.</summary>
    public long Requests { get; init; }
    /// <summary>HTTP requests sent.</summary>
    public long Attempts { get; init; }
    /// <summary>Requests answered by the endpoint with a well-formed completion.</summary>
    public long Successes { get; init; }
    /// <summary>Attempts after a request's first.</summary>
    public long Retries { get; init; }
    /// <summary>Requests answered from the cache.</summary>
    public long CacheHits { get; init; }
    /// <summary>Requests that failed with a timeout.</summary>
    public long Timeouts { get; init; }
    /// <summary>Requests that failed with HTTP 429.</summary>
    public long Http429 { get; init; }
    /// <summary>Requests that failed with HTTP 5xx.</summary>
    public long Http5xx { get; init; }
    /// <summary>Requests that failed with another non-success status.</summary>
    public long Http4xx { get; init; }
    /// <summary>Requests that failed with a malformed body.</summary>
    public long Malformed { get; init; }
    /// <summary>Requests that failed with a network error.</summary>
    public long Network { get; init; }
    /// <summary>Prompt tokens reported by the server's <c>usage</c> (0 if it reports none).</summary>
    public long PromptTokens { get; init; }
    /// <summary>Completion tokens reported by the server's <c>usage</c>.</summary>
    public long CompletionTokens { get; init; }

    /// <summary>All failed requests.</summary>
    public long Failures => Timeouts + Http429 + Http5xx + Http4xx + Malformed + Network;

    /// <summary>Namespaced metrics, e.g. <c>endpoint/failures/http_429</c>.</summary>
    public IReadOnlyDictionary<string, double> ToMetrics(string prefix = "endpoint") => new Dictionary<string, double>
    {
        [$"{prefix}/requests"] = Requests,
        [$"{prefix}/attempts"] = Attempts,
        [$"{prefix}/successes"] = Successes,
        [$"{prefix}/retries"] = Retries,
        [$"{prefix}/cache_hits"] = CacheHits,
        [$"{prefix}/failures"] = Failures,
        [$"{prefix}/failures/timeout"] = Timeouts,
        [$"{prefix}/failures/http_429"] = Http429,
        [$"{prefix}/failures/http_5xx"] = Http5xx,
        [$"{prefix}/failures/http_4xx"] = Http4xx,
        [$"{prefix}/failures/malformed"] = Malformed,
        [$"{prefix}/failures/network"] = Network,
        [$"{prefix}/prompt_tokens"] = PromptTokens,
        [$"{prefix}/completion_tokens"] = CompletionTokens,
    };
}
