using System.Text.Json;
using Cooper.Tokenizers;
using static Cooper.Serving.RequestFields;

namespace Cooper.Serving;

/// <summary>
/// The body of <c>POST /v1/chat/completions</c>: the <see cref="SamplingRequest"/> fields and the <c>messages</c>.
/// Fields it does not know (penalties, logprobs, tools, …) are ignored, as vLLM ignores them.
/// </summary>
public sealed record ChatCompletionRequest : SamplingRequest
{
    /// <summary><c>messages</c>: system/user/assistant turns (content as a string or a list of text parts).</summary>
    public IReadOnlyList<ChatMessage> Messages { get; init; } = [];

    /// <summary>An empty request, for object initializers.</summary>
    public ChatCompletionRequest() { }

    private ChatCompletionRequest(JsonElement root) : base(root) => Messages = ReadMessages(root);

    /// <summary>Parses a request body; anything malformed throws a 400 <see cref="OpenAiError"/> naming the field.</summary>
    public static ChatCompletionRequest Parse(string json) => RequestFields.Parse(json, FromJson);

    /// <summary>Reads a parsed body; see <see cref="Parse"/>.</summary>
    public static ChatCompletionRequest FromJson(JsonElement root) => new(root);

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
}
