using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cooper.Endpoints;

/// <summary>Anything that answers chat requests; the endpoint-backed <see cref="LlmClient"/> or a test double.</summary>
public interface ILlmClient
{
    /// <summary>
    /// Sends <paramref name="messages"/> and returns the sampled texts, or a failed
    /// <see cref="ChatResult"/> saying why. Endpoint failures never throw; cancelling
    /// <paramref name="ct"/> throws <see cref="OperationCanceledException"/>.
    /// </summary>
    Task<ChatResult> CompleteAsync(IReadOnlyList<ChatMessage> messages, ChatRequestOptions? opts = null, CancellationToken ct = default);
}

/// <summary>
/// Client for an OpenAI-compatible <c>POST {base}/chat/completions</c> endpoint (vLLM, SGLang, OpenAI).
/// Per request: cache lookup → wait for a concurrency slot → attempts, each under its own timeout →
/// on timeout / network error / 408 / 429 / 5xx, wait (the server's <c>Retry-After</c> if given, else
/// exponential backoff with jitter) and retry, at most <see cref="EndpointConfig.MaxRetries"/> times →
/// a <see cref="ChatResult"/>, counted in <see cref="Counters"/>. Other 4xx and malformed bodies are
/// not retried: sending the same request again would get the same answer. The one exception: a 400
/// saying the prompt plus <c>max_tokens</c> exceed the model's context (<see cref="ContextLengthError"/>)
/// is sent once more, at once, asking for the tokens the context has left.
/// <c>max_tokens</c> is the request's, capped by <see cref="EndpointConfig.MaxTokens"/>.
/// </summary>
/// <remarks>
/// Built on <see cref="HttpClient"/> and System.Text.Json rather than the OpenAI package's
/// <c>OpenAI.Chat.ChatClient</c>, because in OpenAI 2.15.0 (a) <c>n</c> is internal on
/// <c>ChatCompletionOptions</c> (only reachable through the experimental JSON-patch API) and we
/// need several samples per call; (b) the public token limit is sent as
/// <c>max_completion_tokens</c>, which older vLLM/SGLang builds ignore, while <c>max_tokens</c> is
/// internal; (c) to make our timeout/retry policy the one in force we would switch off the
/// pipeline's retries and network timeout anyway, then dig status codes, <c>Retry-After</c> and
/// deserialisation errors back out of its exceptions. What remains is one JSON POST, which is
/// shorter and easier to test done directly.
/// The API key is read once from the environment variable named by
/// <see cref="EndpointConfig.ApiKeyEnv"/>, sent only in the <c>Authorization</c> header, and
/// scrubbed from every error and log line (a server may echo it back in a 401 body).
/// </remarks>
public sealed class LlmClient : ILlmClient, IDisposable
{
    private static readonly ChatRequestOptions s_defaultOptions = new();
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly EndpointConfig _config;
    private readonly string _baseUrl;
    private readonly Uri _completionsUri;
    private readonly string? _apiKey;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _slots;
    private readonly ResponseCache? _cache;
    private readonly Action<string>? _log;

    /// <summary>Request, success, failure, retry and cache counters.</summary>
    public EndpointCounters Counters { get; } = new();

    /// <summary>The validated config.</summary>
    public EndpointConfig Config => _config;

    /// <summary>True when a key was found in the environment and will be sent.</summary>
    public bool HasApiKey => _apiKey is not null;

    /// <summary>
    /// Validates <paramref name="config"/>, reads the key from the environment, loads the disk cache if
    /// any. <paramref name="log"/> receives one line per retry and per failed request.
    /// </summary>
    public LlmClient(EndpointConfig config, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _config = config;
        _log = log;
        _baseUrl = config.BaseUrl.TrimEnd('/');
        _completionsUri = new Uri(_baseUrl + "/chat/completions");
        if (!string.IsNullOrEmpty(config.ApiKeyEnv))
        {
            var key = Environment.GetEnvironmentVariable(config.ApiKeyEnv)?.Trim();
            _apiKey = string.IsNullOrEmpty(key) ? null : key;
            if (_apiKey is null) Log($"environment variable {config.ApiKeyEnv} is not set; sending no Authorization header");
        }
        _slots = new SemaphoreSlim(config.MaxConcurrency, config.MaxConcurrency);
        // One HttpClient for the client's lifetime (connection reuse). Its own timeout is off:
        // each attempt gets ours through a linked CancellationTokenSource.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        if (config.UseCache)
        {
            _cache = new ResponseCache(config.CacheDir);
            if (_cache.SkippedLines > 0) Log($"response cache: skipped {_cache.SkippedLines} unreadable line(s)");
        }
    }

    /// <inheritdoc />
    public async Task<ChatResult> CompleteAsync(IReadOnlyList<ChatMessage> messages, ChatRequestOptions? opts = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0) throw new ArgumentException("no messages; a chat request needs at least one", nameof(messages));
        opts ??= s_defaultOptions;
        opts.Validate();
        int maxTokens = Math.Min(opts.MaxTokens ?? _config.MaxTokens, _config.MaxTokens);
        string body = BuildBody(messages, opts, maxTokens);
        // Keyed by the request as first built: a reply to its context-fitted resend answers it too.
        string? key = _cache is null ? null : ResponseCache.Key(_baseUrl, body);
        Counters.Request();
        if (TryCache(key, out var cached)) return cached;

        await _slots.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // An identical request may have filled the cache while this one queued.
            if (TryCache(key, out cached)) return cached;
            bool fitted = false;
            for (int attempt = 1; ; attempt++)
            {
                var outcome = await SendOnceAsync(body, opts.N, ct).ConfigureAwait(false);
                if (outcome.Texts is { } texts)
                {
                    Counters.Succeeded(outcome.PromptTokens, outcome.CompletionTokens);
                    if (key is not null) await _cache!.AddAsync(key, texts).ConfigureAwait(false);
                    return ChatResult.Success(texts, attempt, outcome.Status);
                }
                string error = Scrub(outcome.Error);
                if (!fitted && outcome.TokensLeft is { } left && left >= 1 && left < maxTokens)
                {
                    // Not a transient failure, so it does not spend MaxRetries; once only, so a server that
                    // keeps refusing cannot loop us.
                    fitted = true;
                    Counters.Retry();
                    Log($"max_tokens {maxTokens} does not fit the model's context; asking for the {left} tokens it has left");
                    maxTokens = left;
                    body = BuildBody(messages, opts, maxTokens);
                    continue;
                }
                bool retryable = outcome.Failure is EndpointFailure.Timeout or EndpointFailure.Network
                    or EndpointFailure.Http429 or EndpointFailure.Http5xx;
                if (!retryable || attempt - (fitted ? 1 : 0) > _config.MaxRetries)
                {
                    Counters.Failed(outcome.Failure);
                    Log($"request failed after {attempt} attempt(s): {error}");
                    return ChatResult.Fail(outcome.Failure, error, attempt, outcome.Status);
                }
                var wait = Backoff(attempt, outcome.RetryAfter);
                Counters.Retry();
                Log($"attempt {attempt} failed ({error}); retrying in {wait.TotalMilliseconds:0} ms");
                await Task.Delay(wait, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Names the model and endpoint; never the key.</summary>
    public override string ToString() => $"LlmClient({_config.Model} at {_baseUrl})";

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private bool TryCache(string? key, out ChatResult result)
    {
        if (key is not null && _cache!.TryGet(key, out var texts))
        {
            Counters.CacheHit();
            result = ChatResult.Success(texts, attempts: 0, status: null, fromCache: true);
            return true;
        }
        result = null!;
        return false;
    }

    /// <summary>One HTTP attempt under the per-attempt timeout; caller cancellation propagates.</summary>
    private async Task<Attempt> SendOnceAsync(string body, int n, CancellationToken ct)
    {
        Counters.Attempt();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(_config.TimeoutSeconds));
        using var request = new HttpRequestMessage(HttpMethod.Post, _completionsUri)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (_apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        int? status = null;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            string text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                return Attempt.Failed(Classify(status.Value), $"HTTP {status}: {Snippet(text)}", status, RetryAfter(response))
                    with { TokensLeft = status == 400 ? ContextLengthError.TokensLeft(text) : null };
            return Parse(text, status.Value, n);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Attempt.Failed(EndpointFailure.Timeout,
                $"no complete reply within {_config.TimeoutSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s", status, null);
        }
        catch (HttpRequestException e)
        {
            return Attempt.Failed(EndpointFailure.Network, $"network error: {e.Message}", status, null);
        }
        catch (IOException e)
        {
            return Attempt.Failed(EndpointFailure.Network, $"network error: {e.Message}", status, null);
        }
    }

    private static EndpointFailure Classify(int status) => status switch
    {
        408 => EndpointFailure.Timeout,
        429 => EndpointFailure.Http429,
        >= 500 => EndpointFailure.Http5xx,
        _ => EndpointFailure.Http4xx,
    };

    /// <summary>The server's wait hint: OpenAI's <c>retry-after-ms</c>, else standard <c>Retry-After</c> (seconds or a date).</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
            return TimeSpan.FromMilliseconds(ms);
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;
        return null;
    }

    /// <summary>
    /// Wait before attempt <c>k+1</c>: the server's hint if any, else <c>InitialBackoffMs·2^(k-1)</c>
    /// times a jitter in [0.5, 1] (spreads clients that failed together); both capped at
    /// <c>MaxBackoffMs</c>. Jitter uses the shared generator: it changes timing, never results.
    /// </summary>
    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        double ms = retryAfter?.TotalMilliseconds
            ?? _config.InitialBackoffMs * Math.Pow(2, attempt - 1) * (0.5 + 0.5 * Random.Shared.NextDouble());
        return TimeSpan.FromMilliseconds(Math.Min(ms, _config.MaxBackoffMs));
    }

    /// <summary>Reads a chat-completion body; anything else is <see cref="EndpointFailure.Malformed"/>.</summary>
    private Attempt Parse(string text, int status, int n)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return Attempt.Malformed($"reply is not a JSON object: {Snippet(text)}", status);
            if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array)
                return Attempt.Malformed($"reply has no choices: {Snippet(text)}", status);
            var picked = new List<(int Index, string Text)>();
            foreach (var choice in choices.EnumerateArray())
            {
                int position = picked.Count;
                if (choice.ValueKind != JsonValueKind.Object
                    || !choice.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
                    return Attempt.Malformed($"choice {position} has no message", status);
                // content is null when a reasoning model spends all its tokens thinking: an empty answer.
                string? content = !message.TryGetProperty("content", out var c) ? "" : c.ValueKind switch
                {
                    JsonValueKind.String => c.GetString(),
                    JsonValueKind.Null => "",
                    _ => null,
                };
                if (content is null) return Attempt.Malformed($"choice {position} content is not a string", status);
                int index = choice.TryGetProperty("index", out var ix) && ix.TryGetInt32(out var i) ? i : position;
                picked.Add((index, content));
            }
            if (picked.Count != n)
                return Attempt.Malformed($"asked for n={n} samples, got {picked.Count}", status);
            long promptTokens = 0, completionTokens = 0;
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                if (usage.TryGetProperty("prompt_tokens", out var p) && p.TryGetInt64(out var pv)) promptTokens = pv;
                if (usage.TryGetProperty("completion_tokens", out var q) && q.TryGetInt64(out var qv)) completionTokens = qv;
            }
            var texts = picked.OrderBy(p => p.Index).Select(p => p.Text).ToArray();
            return new Attempt(texts, EndpointFailure.None, "", status, null, promptTokens, completionTokens);
        }
        catch (JsonException e)
        {
            return Attempt.Malformed($"reply is not valid JSON ({e.Message}): {Snippet(text)}", status);
        }
    }

    /// <summary>The request body; also the cache key's input, so it must be deterministic.</summary>
    private string BuildBody(IReadOnlyList<ChatMessage> messages, ChatRequestOptions opts, int maxTokens)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            w.WriteStartObject();
            w.WriteString("model", _config.Model);
            w.WriteStartArray("messages");
            foreach (var m in messages)
            {
                w.WriteStartObject();
                w.WriteString("role", m.Role);
                w.WriteString("content", m.Content);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("n", opts.N);
            w.WriteNumber("temperature", opts.Temperature ?? _config.Temperature);
            w.WriteNumber("top_p", opts.TopP ?? _config.TopP);
            w.WriteNumber("max_tokens", maxTokens);
            if (opts.Stop is { Count: > 0 } stop)
            {
                w.WriteStartArray("stop");
                foreach (var s in stop) w.WriteStringValue(s);
                w.WriteEndArray();
            }
            if (opts.Seed is { } seed) w.WriteNumber("seed", seed);
            w.WriteBoolean("stream", false);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private string Scrub(string text) => _apiKey is null ? text : text.Replace(_apiKey, "***", StringComparison.Ordinal);

    private void Log(string line) => _log?.Invoke(Scrub($"[{_config.Model}] {line}"));

    /// <summary>
    /// The first 200 characters on one line, for error messages. Scrubs before cutting, so a key
    /// cut in half by the limit cannot slip through.
    /// </summary>
    private string Snippet(string text)
    {
        var one = Scrub(text).ReplaceLineEndings(" ").Trim();
        return one.Length <= 200 ? one : one[..200] + "…";
    }

    /// <summary>One attempt's outcome: texts on success, else a failure kind and reason.</summary>
    private readonly record struct Attempt(
        IReadOnlyList<string>? Texts, EndpointFailure Failure, string Error, int? Status, TimeSpan? RetryAfter,
        long PromptTokens, long CompletionTokens)
    {
        /// <summary>On a context-length 400: the completion tokens the model's context has left after the prompt.</summary>
        public int? TokensLeft { get; init; }

        public static Attempt Failed(EndpointFailure kind, string error, int? status, TimeSpan? retryAfter) =>
            new(null, kind, error, status, retryAfter, 0, 0);

        public static Attempt Malformed(string error, int status) => Failed(EndpointFailure.Malformed, error, status, null);
    }
}
