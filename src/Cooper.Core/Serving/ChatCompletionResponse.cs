using System.Text.Json.Nodes;
using Cooper.Generation;

namespace Cooper.Serving;

/// <summary>The JSON bodies the server answers with, in OpenAI's shapes.</summary>
public static class ChatCompletionResponse
{
    /// <summary>
    /// A <c>chat.completion</c>: one choice per sample in sample order. <c>usage.completion_tokens</c> sums all
    /// choices' tokens (a stop token included), as OpenAI and vLLM count them.
    /// </summary>
    public static JsonObject ToJson(string id, DateTimeOffset created, string model, int promptTokens, IReadOnlyList<RolloutSample> samples)
    {
        var choices = new JsonArray();
        foreach (var s in samples.OrderBy(s => s.SampleIndex))
            choices.Add(new JsonObject
            {
                ["index"] = s.SampleIndex,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = s.Text },
                ["logprobs"] = null,
                ["finish_reason"] = FinishReasonName(s.FinishReason),
            });
        return Envelope(id, "chat.completion", created, model, choices, promptTokens, samples);
    }

    /// <summary>OpenAI's name of a finish reason.</summary>
    internal static string FinishReasonName(FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        _ => throw new ArgumentException($"finish reason {reason} has no OpenAI name"),
    };

    /// <summary>
    /// The fields around the choices: <c>id</c>, <c>object</c>, <c>created</c>, <c>model</c>, and <c>usage</c>, whose
    /// <c>completion_tokens</c> sums every sample's tokens (a stop token included), as OpenAI and vLLM count them.
    /// </summary>
    internal static JsonObject Envelope(string id, string kind, DateTimeOffset created, string model, JsonArray choices, int promptTokens, IReadOnlyList<RolloutSample> samples)
    {
        int completionTokens = samples.Sum(s => s.TokenIds.Length);
        return new JsonObject
        {
            ["id"] = id,
            ["object"] = kind,
            ["created"] = created.ToUnixTimeSeconds(),
            ["model"] = model,
            ["choices"] = choices,
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
            },
        };
    }

    /// <summary>The <c>/v1/models</c> list: the one served model.</summary>
    public static JsonObject ModelList(string model, DateTimeOffset created) => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray
        {
            new JsonObject
            {
                ["id"] = model,
                ["object"] = "model",
                ["created"] = created.ToUnixTimeSeconds(),
                ["owned_by"] = "cooper",
            },
        },
    };
}
