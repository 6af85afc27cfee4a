namespace Cooper.Endpoints;

/// <summary>
/// Per-request sampling settings; a null field falls back to the <see cref="EndpointConfig"/> default
/// (or, for <see cref="Stop"/> and <see cref="Seed"/>, is not sent).
/// </summary>
public sealed record ChatRequestOptions
{
    /// <summary>Number of samples (<c>n</c>); the result holds that many texts.</summary>
    public int N { get; init; } = 1;

    /// <summary>Sampling temperature.</summary>
    public double? Temperature { get; init; }

    /// <summary>Nucleus sampling mass (<c>top_p</c>).</summary>
    public double? TopP { get; init; }

    /// <summary>Most tokens to generate (<c>max_tokens</c>).</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Stop sequences (<c>stop</c>).</summary>
    public IReadOnlyList<string>? Stop { get; init; }

    /// <summary>
    /// Sampling seed (<c>seed</c>, honoured by vLLM and SGLang). Part of the cache key, so a caller that
    /// wants a fresh sample for an identical prompt passes a different seed.
    /// </summary>
    public int? Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad value.</summary>
    public void Validate()
    {
        if (N < 1) throw new ArgumentException($"n = {N}; must be at least 1", nameof(N));
        if (Temperature is < 0) throw new ArgumentException($"temperature = {Temperature}; must be 0 or more", nameof(Temperature));
        if (TopP is { } p && !(p > 0 && p <= 1)) throw new ArgumentException($"top_p = {p}; must be in (0, 1]", nameof(TopP));
        if (MaxTokens is < 1) throw new ArgumentException($"max_tokens = {MaxTokens}; must be at least 1", nameof(MaxTokens));
    }
}

/// <summary>Why a request failed, after any retries. <see cref="None"/> on success.</summary>
public enum EndpointFailure
{
    /// <summary>No failure.</summary>
    None,
    /// <summary>The per-attempt timeout fired (or the server answered 408).</summary>
    Timeout,
    /// <summary>HTTP 429 Too Many Requests.</summary>
    Http429,
    /// <summary>HTTP 5xx.</summary>
    Http5xx,
    /// <summary>Any other non-success status (400, 401, 404, ...); never retried.</summary>
    Http4xx,
    /// <summary>A 2xx whose body is not a chat completion (bad JSON, no <c>choices</c>).</summary>
    Malformed,
    /// <summary>The connection failed or closed early.</summary>
    Network,
}

/// <summary>
/// The outcome of one <see cref="ILlmClient.CompleteAsync"/>: the generated texts, or why there are none.
/// Endpoint failures come back here, never as exceptions.
/// </summary>
public sealed record ChatResult
{
    /// <summary>True when the endpoint returned a well-formed completion.</summary>
    public bool Ok => Failure == EndpointFailure.None;

    /// <summary>The samples in choice-index order (empty on failure).</summary>
    public IReadOnlyList<string> Texts { get; init; } = [];

    /// <summary>The first sample, or null on failure.</summary>
    public string? Text => Texts.Count > 0 ? Texts[0] : null;

    /// <summary>The failure kind; <see cref="EndpointFailure.None"/> on success.</summary>
    public EndpointFailure Failure { get; init; }

    /// <summary>A human-readable reason for the failure (never contains the API key).</summary>
    public string? Error { get; init; }

    /// <summary>The last HTTP status seen, if any response arrived.</summary>
    public int? StatusCode { get; init; }

    /// <summary>HTTP attempts made (0 for a cache hit).</summary>
    public int Attempts { get; init; }

    /// <summary>True when served from the response cache.</summary>
    public bool FromCache { get; init; }

    internal static ChatResult Success(IReadOnlyList<string> texts, int attempts, int? status, bool fromCache = false) =>
        new() { Texts = texts, Attempts = attempts, StatusCode = status, FromCache = fromCache };

    internal static ChatResult Fail(EndpointFailure kind, string error, int attempts, int? status) =>
        new() { Failure = kind, Error = error, Attempts = attempts, StatusCode = status };
}
