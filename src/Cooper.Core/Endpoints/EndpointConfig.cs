using System.Text.RegularExpressions;
using Cooper.Configuration;

namespace Cooper.Endpoints;

/// <summary>
/// Where an OpenAI-compatible chat-completions endpoint lives (vLLM, SGLang, a hosted provider) and
/// the client policy around it: concurrency, timeout, retries, cache and default sampling settings.
/// Used for Cooper's LLM judge (hybrid annotation) and its assistant (negative rewrites).
/// The API key itself is never part of a config: <see cref="ApiKeyEnv"/> names the environment
/// variable that holds it, so configs, logs and run folders can be shared freely.
/// </summary>
/// <remarks>
/// The paper does not specify client-side settings; the defaults below are ours, chosen for a local
/// vLLM/SGLang server with a handful of parallel requests.
/// </remarks>
public sealed partial record EndpointConfig : IValidatable
{
    /// <summary>Base URL up to and including <c>/v1</c>; requests go to <c>{BaseUrl}/chat/completions</c>.</summary>
    public string BaseUrl { get; init; } = "http://127.0.0.1:8000/v1";

    /// <summary>Model name the server expects (vLLM: the <c>--served-model-name</c> or the model path).</summary>
    public string Model { get; init; } = "";

    /// <summary>
    /// Name of the environment variable holding the API key, sent as <c>Authorization: Bearer</c>.
    /// Null or empty, or the variable unset: no header (a local vLLM/SGLang without <c>--api-key</c>).
    /// </summary>
    public string? ApiKeyEnv { get; init; } = "OPENAI_API_KEY";

    /// <summary>Most requests in flight at once (a <see cref="SemaphoreSlim"/> held across retries).</summary>
    public int MaxConcurrency { get; init; } = 8;

    /// <summary>Per-attempt timeout (send + read the whole body), in seconds.</summary>
    public double TimeoutSeconds { get; init; } = 60;

    /// <summary>Retries after the first attempt, for timeouts, network errors, HTTP 408, 429 and 5xx only.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>First backoff; attempt k waits <c>InitialBackoffMs·2^k</c> scaled by a jitter in [0.5, 1].</summary>
    public int InitialBackoffMs { get; init; } = 500;

    /// <summary>Cap on one wait, both computed backoffs and a server's <c>Retry-After</c>.</summary>
    public int MaxBackoffMs { get; init; } = 60_000;

    /// <summary>Keep successful replies in memory keyed by a hash of (base URL, model, messages, options).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>Folder for an on-disk JSONL cache (<c>chat-cache.jsonl</c>) so reruns are cheap; null: memory only.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Default sampling temperature when a request does not set one (0: greedy, what a judge wants).</summary>
    public double Temperature { get; init; } = 0.0;

    /// <summary>Default nucleus sampling mass when a request does not set one.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>
    /// The most tokens a request may ask for: <c>max_tokens</c> when a request sets none, and the cap on one
    /// that sets more (the assistant asks for the positive's words + 500). Set it to fit a small served
    /// model's context; a request the server still finds too long for its context is sent once more
    /// asking for what the context has left (<see cref="LlmClient"/>).
    /// </summary>
    public int MaxTokens { get; init; } = 2048;

    /// <inheritdoc />
    public void Validate()
    {
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new ConfigException($"base_url: '{BaseUrl}' is not an absolute http(s) URL; use e.g. http://127.0.0.1:8000/v1");
        if (string.IsNullOrWhiteSpace(Model))
            throw new ConfigException("model: empty; set it to the model name the server serves (vLLM: --served-model-name)");
        // Never echo the value: someone may have pasted the key itself here.
        if (!string.IsNullOrEmpty(ApiKeyEnv) && !EnvVarName().IsMatch(ApiKeyEnv))
            throw new ConfigException("api_key_env: must be the NAME of an environment variable (letters, digits, _), e.g. OPENAI_API_KEY, never the key itself");
        if (MaxConcurrency < 1)
            throw new ConfigException($"max_concurrency: {MaxConcurrency}; must be at least 1");
        if (!(TimeoutSeconds > 0))
            throw new ConfigException($"timeout_seconds: {TimeoutSeconds}; must be positive");
        if (MaxRetries < 0)
            throw new ConfigException($"max_retries: {MaxRetries}; use 0 to disable retries");
        if (InitialBackoffMs < 0)
            throw new ConfigException($"initial_backoff_ms: {InitialBackoffMs}; must be 0 or more");
        if (MaxBackoffMs < InitialBackoffMs)
            throw new ConfigException($"max_backoff_ms: {MaxBackoffMs} is below initial_backoff_ms {InitialBackoffMs}");
        if (!(Temperature >= 0))
            throw new ConfigException($"temperature: {Temperature}; must be 0 or more");
        if (!(TopP > 0 && TopP <= 1))
            throw new ConfigException($"top_p: {TopP}; must be in (0, 1]");
        if (MaxTokens < 1)
            throw new ConfigException($"max_tokens: {MaxTokens}; must be at least 1");
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvVarName();
}
