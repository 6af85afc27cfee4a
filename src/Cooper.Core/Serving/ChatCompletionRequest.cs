using System.Text.Json;
using Cooper.Tokenizers;

namespace Cooper.Serving;

/// <summary>
/// The body of <c>POST /v1/chat/completions</c>: OpenAI's fields that a local sampler can honour, plus vLLM's
/// <c>top_k</c> and <c>ignore_eos</c>. Fields it does not know (penalties, logprobs, tools, …) are ignored,
/// as vLLM ignores them; a null field means "not set".
/// </summary>
public sealed record ChatCompletionRequest
{
    /// <summary><c>model</c>: must equal the served name when present.</summary>
    public string? Model { get; init; }

    /// <summary><c>messages</c>: system/user/assistant turns (content as a string or a list of text parts).</summary>
    public IReadOnlyList<ChatMessage> Messages { get; init; } = [];

    /// <summary><c>temperature</c> (OpenAI's default 1).</summary>
    public double? Temperature { get; init; }

    /// <summary><c>top_p</c> (default 1).</summary>
    public double? TopP { get; init; }

    /// <summary><c>top_k</c> (vLLM; 0 or −1 = off).</summary>
    public int? TopK { get; init; }

    /// <summary><c>max_tokens</c>, or its newer name <c>max_completion_tokens</c>.</summary>
    public int? MaxTokens { get; init; }

    /// <summary><c>n</c>: samples of the one prompt.</summary>
    public int N { get; init; } = 1;

    /// <summary><c>stop</c>: one string or a list; the reply is cut before the first one it contains.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary><c>seed</c>: the same request with the same seed gives the same reply.</summary>
    public long? Seed { get; init; }

    /// <summary><c>ignore_eos</c> (vLLM): keep generating past the end-of-sequence token.</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>Parses a request body; anything malformed throws a 400 <see cref="OpenAiError"/> naming the field.</summary>
    public static ChatCompletionRequest Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return FromJson(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw OpenAiError.BadRequest($"The body is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Reads a parsed body; see <see cref="Parse"/>.</summary>
    public static ChatCompletionRequest FromJson(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw OpenAiError.BadRequest($"The body must be a JSON object, got {root.ValueKind}");
        if (Bool(root, "stream") == true) throw OpenAiError.BadRequest("stream=true is not supported: send stream=false or leave it out", "stream");

        var temperature = Number(root, "temperature");
        if (temperature is { } t && !(t >= 0 && double.IsFinite(t))) throw OpenAiError.BadRequest($"temperature must be ≥ 0 (0 = greedy), got {t}", "temperature");
        var topP = Number(root, "top_p");
        if (topP is { } p && !(p > 0 && p <= 1)) throw OpenAiError.BadRequest($"top_p must be in (0, 1], got {p}", "top_p");
        var topK = Integer(root, "top_k");
        if (topK < -1) throw OpenAiError.BadRequest($"top_k must be ≥ 1, or 0 / −1 for off, got {topK}", "top_k");
        string maxName = root.TryGetProperty("max_tokens", out var mt) && mt.ValueKind != JsonValueKind.Null ? "max_tokens" : "max_completion_tokens";
        var maxTokens = Integer(root, maxName);
        if (maxTokens < 1) throw OpenAiError.BadRequest($"{maxName} must be ≥ 1, got {maxTokens}", maxName);
        var n = Integer(root, "n") ?? 1;
        if (n < 1) throw OpenAiError.BadRequest($"n must be ≥ 1, got {n}", "n");

        return new ChatCompletionRequest
        {
            Model = String(root, "model"),
            Messages = ReadMessages(root),
            Temperature = temperature,
            TopP = topP,
            TopK = topK is { } k && k > 0 ? k : null,
            MaxTokens = maxTokens,
            N = n,
            Stop = ReadStop(root),
            Seed = Long(root, "seed"),
            IgnoreEos = Bool(root, "ignore_eos") ?? false,
        };
    }

    private static List<ChatMessage> ReadMessages(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            throw OpenAiError.BadRequest("messages must be a non-empty list of {role, content}", "messages");
        var messages = new List<ChatMessage>();
        foreach (var m in list.EnumerateArray())
        {
            string where = $"messages[{messages.Count}]";
            if (m.ValueKind != JsonValueKind.Object) throw OpenAiError.BadRequest($"{where} must be an object with role and content", where);
            var role = String(m, "role", where + ".role");
            if (role is not ("system" or "user" or "assistant"))
                throw OpenAiError.BadRequest($"{where}.role '{role}' is not supported: use system, user or assistant", where + ".role");
            messages.Add(new ChatMessage(role, ReadContent(m, where + ".content")));
        }
        return messages;
    }

    /// <summary>A string, null (empty), or OpenAI's list of content parts, of which only text parts are accepted.</summary>
    private static string ReadContent(JsonElement message, string where)
    {
        if (!message.TryGetProperty("content", out var c) || c.ValueKind == JsonValueKind.Null) return "";
        if (c.ValueKind == JsonValueKind.String) return c.GetString()!;
        if (c.ValueKind != JsonValueKind.Array) throw OpenAiError.BadRequest($"{where} must be a string or a list of text parts", where);
        var parts = new List<string>();
        foreach (var part in c.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || String(part, "type") != "text" || String(part, "text") is not { } text)
                throw OpenAiError.BadRequest($"{where}[{parts.Count}] must be {{\"type\": \"text\", \"text\": …}}: this server takes text only", where);
            parts.Add(text);
        }
        return string.Concat(parts);
    }

    private static List<string> ReadStop(JsonElement root)
    {
        if (!root.TryGetProperty("stop", out var s) || s.ValueKind == JsonValueKind.Null) return [];
        List<string> stops = s.ValueKind switch
        {
            JsonValueKind.String => [s.GetString()!],
            JsonValueKind.Array when s.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String) => s.EnumerateArray().Select(x => x.GetString()!).ToList(),
            _ => throw OpenAiError.BadRequest("stop must be a string or a list of strings", "stop"),
        };
        if (stops.Any(x => x.Length == 0)) throw OpenAiError.BadRequest("stop strings must not be empty", "stop");
        return stops;
    }

    private static bool Present(JsonElement o, string name, out JsonElement v) =>
        o.TryGetProperty(name, out v) && v.ValueKind != JsonValueKind.Null;

    private static string? String(JsonElement o, string name, string? where = null)
    {
        if (!Present(o, name, out var v)) return where is null ? null : throw OpenAiError.BadRequest($"{where} is missing", where);
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw OpenAiError.BadRequest($"{where ?? name} must be a string, got {v.ValueKind}", where ?? name);
    }

    private static double? Number(JsonElement o, string name)
    {
        if (!Present(o, name, out var v)) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) ? d
            : throw OpenAiError.BadRequest($"{name} must be a number, got {v.GetRawText()}", name);
    }

    private static int? Integer(JsonElement o, string name)
    {
        if (!Present(o, name, out var v)) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i
            : throw OpenAiError.BadRequest($"{name} must be an integer, got {v.GetRawText()}", name);
    }

    private static long? Long(JsonElement o, string name)
    {
        if (!Present(o, name, out var v)) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var i) ? i
            : throw OpenAiError.BadRequest($"{name} must be an integer, got {v.GetRawText()}", name);
    }

    private static bool? Bool(JsonElement o, string name)
    {
        if (!Present(o, name, out var v)) return null;
        return v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
            : throw OpenAiError.BadRequest($"{name} must be true or false, got {v.GetRawText()}", name);
    }
}
