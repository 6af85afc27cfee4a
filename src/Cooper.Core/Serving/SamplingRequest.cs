using System.Text.Json;
using static Cooper.Serving.RequestFields;

namespace Cooper.Serving;

/// <summary>
/// The fields <c>/v1/chat/completions</c> and <c>/v1/completions</c> share: OpenAI's sampling fields that a local
/// sampler can honour, plus vLLM's <c>top_k</c> and <c>ignore_eos</c>. Fields no endpoint knows (penalties, tools, …)
/// are ignored, as vLLM ignores them; a null field means "not set"; <c>stream: true</c> is refused.
/// </summary>
public abstract record SamplingRequest
{
    /// <summary><c>model</c>: must equal the served name when present.</summary>
    public string? Model { get; init; }

    /// <summary><c>temperature</c> (OpenAI's default 1; 0 = greedy).</summary>
    public double? Temperature { get; init; }

    /// <summary><c>top_p</c> (default 1).</summary>
    public double? TopP { get; init; }

    /// <summary><c>top_k</c> (vLLM; 0 or −1 = off, read as null).</summary>
    public int? TopK { get; init; }

    /// <summary><c>max_tokens</c>, or its newer name <c>max_completion_tokens</c>.</summary>
    public int? MaxTokens { get; init; }

    /// <summary><c>n</c>: samples per prompt.</summary>
    public int N { get; init; } = 1;

    /// <summary><c>stop</c>: one string or a list; the text is cut before the first one it contains.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary><c>seed</c>: the same request with the same seed gives the same reply.</summary>
    public long? Seed { get; init; }

    /// <summary><c>ignore_eos</c> (vLLM): keep generating past the end-of-sequence token.</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>An empty request (all fields unset), for object initializers.</summary>
    protected SamplingRequest() { }

    /// <summary>Reads the shared fields of a body; anything malformed throws a 400 <see cref="OpenAiError"/> naming the field.</summary>
    protected SamplingRequest(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw OpenAiError.BadRequest($"The body must be a JSON object, got {root.ValueKind}");
        if (Bool(root, "stream") == true) throw OpenAiError.BadRequest("stream=true is not supported: send stream=false or leave it out", "stream");

        var temperature = Number(root, "temperature");
        if (temperature is { } t && !(t >= 0 && double.IsFinite(t))) throw OpenAiError.BadRequest($"temperature must be ≥ 0 (0 = greedy), got {t}", "temperature");
        var topP = Number(root, "top_p");
        if (topP is { } p && !(p > 0 && p <= 1)) throw OpenAiError.BadRequest($"top_p must be in (0, 1], got {p}", "top_p");
        var topK = Integer(root, "top_k");
        if (topK < -1) throw OpenAiError.BadRequest($"top_k must be ≥ 1, or 0 / −1 for off, got {topK}", "top_k");
        string maxName = Present(root, "max_tokens", out _) ? "max_tokens" : "max_completion_tokens";
        var maxTokens = Integer(root, maxName);
        if (maxTokens < 1) throw OpenAiError.BadRequest($"{maxName} must be ≥ 1, got {maxTokens}", maxName);
        var n = Integer(root, "n") ?? 1;
        if (n < 1) throw OpenAiError.BadRequest($"n must be ≥ 1, got {n}", "n");

        Model = String(root, "model");
        Temperature = temperature;
        TopP = topP;
        TopK = topK is { } k && k > 0 ? k : null;
        MaxTokens = maxTokens;
        N = n;
        Stop = ReadStop(root);
        Seed = Long(root, "seed");
        IgnoreEos = Bool(root, "ignore_eos") ?? false;
    }

    private static List<string> ReadStop(JsonElement root)
    {
        if (!Present(root, "stop", out var s)) return [];
        List<string> stops = s.ValueKind switch
        {
            JsonValueKind.String => [s.GetString()!],
            JsonValueKind.Array when s.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String) => s.EnumerateArray().Select(x => x.GetString()!).ToList(),
            _ => throw OpenAiError.BadRequest("stop must be a string or a list of strings", "stop"),
        };
        if (stops.Any(x => x.Length == 0)) throw OpenAiError.BadRequest("stop strings must not be empty", "stop");
        return stops;
    }
}
