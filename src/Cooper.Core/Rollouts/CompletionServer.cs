using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Generation;

namespace Cooper.Rollouts;

/// <summary>A rollout request that failed on one server; <see cref="ServerFault"/> says whether another server may take it over.</summary>
public sealed class RolloutServerException(string message, bool serverFault, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// True for what another server may not repeat (unreachable, timed out, 5xx, 408/429, a malformed reply); false for a
    /// refusal of the request itself (other 4xx), which every server would give.
    /// </summary>
    public bool ServerFault { get; } = serverFault;
}

/// <summary>
/// One OpenAI-compatible inference server as a rollout worker: <c>POST /v1/completions</c> with token-id prompts
/// (vLLM's protocol: the sampled ids come back as <c>token_ids</c> or as <c>"token_id:N"</c> tokens with
/// <c>return_tokens_as_token_ids</c>), and SGLang's <c>POST /update_weights_from_disk</c>.
/// </summary>
public sealed class CompletionServer : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>Base URL without <c>/v1</c>.</summary>
    public string BaseUrl { get; }

    public CompletionServer(string baseUrl, TimeSpan timeout, string? apiKey = null)
    {
        BaseUrl = baseUrl.TrimEnd('/');
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = timeout };
        if (!string.IsNullOrEmpty(apiKey)) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>
    /// The request body for <paramref name="prompts"/> under <paramref name="p"/> (one request, one seed: a
    /// <c>cooper serve</c> samples it as one batch of the in-process engine, so it returns what that engine would).
    /// </summary>
    public static JsonObject RequestBody(IReadOnlyList<int[]> prompts, SamplingParams p, string model)
    {
        var body = new JsonObject
        {
            ["prompt"] = new JsonArray(prompts.Select(x => (JsonNode)new JsonArray(x.Select(id => (JsonNode)id).ToArray())).ToArray()),
            ["n"] = p.N,
            ["temperature"] = p.Temperature,
            ["top_p"] = p.TopP,
            ["max_tokens"] = p.MaxNewTokens,
            ["seed"] = p.Seed,
            ["logprobs"] = 1,
            ["return_tokens_as_token_ids"] = true,
            ["return_token_ids"] = true,
            ["skip_special_tokens"] = true,
        };
        if (!string.IsNullOrEmpty(model)) body["model"] = model;
        if (p.TopK > 0) body["top_k"] = p.TopK;
        if (p.StopTokenIds.Count > 0) body["stop_token_ids"] = new JsonArray(p.StopTokenIds.Select(id => (JsonNode)id).ToArray());
        if (p.StopStrings.Count > 0) body["stop"] = new JsonArray(p.StopStrings.Select(s => (JsonNode)s).ToArray());
        if (p.IgnoreEos) body["ignore_eos"] = true;
        return body;
    }

    /// <summary>Samples <see cref="SamplingParams.N"/> completions per prompt, prompt-major; <see cref="RolloutSample.PromptIndex"/> is the index within <paramref name="prompts"/>.</summary>
    public async Task<IReadOnlyList<RolloutSample>> CompleteAsync(IReadOnlyList<int[]> prompts, SamplingParams p, string model, CancellationToken ct = default)
    {
        var reply = await PostAsync("/v1/completions", RequestBody(prompts, p, model), ct).ConfigureAwait(false);
        try
        {
            return ParseChoices(reply, prompts.Count, p.N);
        }
        catch (FormatException e)
        {
            throw new RolloutServerException($"{BaseUrl}/v1/completions: malformed reply: {e.Message}", serverFault: true, e);
        }
    }

    /// <summary>
    /// Reads a completions reply's choices into samples (prompt index = choice index / n): the token ids from
    /// <c>token_ids</c>, else from <c>logprobs.tokens</c> written as <c>"token_id:N"</c>; the log-probs from
    /// <c>logprobs.token_logprobs</c>. Throws <see cref="FormatException"/> naming what is missing or inconsistent.
    /// </summary>
    public static IReadOnlyList<RolloutSample> ParseChoices(JsonNode reply, int prompts, int n)
    {
        if (reply["choices"] is not JsonArray choices) throw new FormatException("no 'choices' array");
        if (choices.Count != prompts * n) throw new FormatException($"{choices.Count} choices for {prompts} prompts × n {n}");
        var result = new RolloutSample?[prompts * n];
        for (int c = 0; c < choices.Count; c++)
        {
            var ch = choices[c] as JsonObject ?? throw new FormatException($"choices[{c}] is not an object");
            int index = ch["index"] is JsonValue iv && iv.TryGetValue<int>(out var ix) ? ix : c;
            if (index < 0 || index >= result.Length || result[index] is not null) throw new FormatException($"choices[{c}].index {index} is out of range or repeated");
            var lp = ch["logprobs"] as JsonObject ?? throw new FormatException($"choices[{c}].logprobs is missing (the server must honour logprobs)");
            int[] ids;
            if (ch["token_ids"] is JsonArray tids) ids = tids.Select((t, k) => Int(t, $"choices[{c}].token_ids[{k}]")).ToArray();
            else if (lp["tokens"] is JsonArray toks) ids = toks.Select((t, k) => TokenId(t, $"choices[{c}].logprobs.tokens[{k}]")).ToArray();
            else throw new FormatException($"choices[{c}] has neither token_ids nor logprobs.tokens");
            if (lp["token_logprobs"] is not JsonArray tlp) throw new FormatException($"choices[{c}].logprobs.token_logprobs is missing");
            if (tlp.Count != ids.Length) throw new FormatException($"choices[{c}]: {ids.Length} token ids but {tlp.Count} log-probs");
            var logps = tlp.Select((t, k) => t is JsonValue v && v.TryGetValue<double>(out var d) ? (float)d : throw new FormatException($"choices[{c}].logprobs.token_logprobs[{k}] is not a number")).ToArray();
            var finish = ch["finish_reason"]?.GetValue<string>() switch
            {
                "stop" => FinishReason.Stop,
                "length" => FinishReason.Length,
                var other => throw new FormatException($"choices[{c}].finish_reason '{other}' is neither stop nor length"),
            };
            string text = ch["text"]?.GetValue<string>() ?? "";
            result[index] = new RolloutSample(index / n, index % n, ids, text, logps, finish);
        }
        return result.Select(r => r!).ToList();
    }

    /// <summary>Asks the server to load the HF folder <paramref name="modelPath"/> (SGLang's <c>/update_weights_from_disk</c>).</summary>
    public async Task UpdateWeightsAsync(string modelPath, CancellationToken ct = default)
    {
        var reply = await PostAsync("/update_weights_from_disk", new JsonObject { ["model_path"] = modelPath }, ct).ConfigureAwait(false);
        if (reply["success"] is not JsonValue ok || !ok.TryGetValue<bool>(out var success) || !success)
            throw new RolloutServerException($"{BaseUrl}/update_weights_from_disk: {reply["message"]?.ToString() ?? "no success in the reply"}", serverFault: true);
    }

    private async Task<JsonNode> PostAsync(string path, JsonObject body, CancellationToken ct)
    {
        string url = BaseUrl + path;
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(url, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RolloutServerException($"{url}: {e.Message}", serverFault: true, e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new RolloutServerException($"{url}: no reply within {_http.Timeout.TotalSeconds:0} s", serverFault: true, e);
        }
        using (response)
        {
            string text;
            try
            {
                text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                throw new RolloutServerException($"{url}: the reply was cut off: {e.Message}", serverFault: true, e);
            }
            int status = (int)response.StatusCode;
            JsonNode? json = null;
            try { json = JsonNode.Parse(text); } catch (JsonException) { }
            if (!response.IsSuccessStatusCode)
            {
                string detail = json?["error"]?["message"]?.ToString() ?? json?["message"]?.ToString() ?? Truncate(text);
                bool serverFault = status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
                throw new RolloutServerException($"{url}: HTTP {status}: {detail}", serverFault);
            }
            return json ?? throw new RolloutServerException($"{url}: the reply is not JSON: {Truncate(text)}", serverFault: true);
        }
    }

    private static int Int(JsonNode? t, string what) =>
        t is JsonValue v && v.TryGetValue<int>(out var i) ? i : throw new FormatException($"{what} is not an integer");

    private static int TokenId(JsonNode? t, string what)
    {
        var s = t is JsonValue v && v.TryGetValue<string>(out var str) ? str : null;
        if (s is null || !s.StartsWith("token_id:", StringComparison.Ordinal) || !int.TryParse(s.AsSpan(9), out int id))
            throw new FormatException($"{what} is not 'token_id:N' (send return_tokens_as_token_ids, or a server that returns token_ids)");
        return id;
    }

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "…";

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
