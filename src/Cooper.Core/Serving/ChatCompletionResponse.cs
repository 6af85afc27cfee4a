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
                ["finish_reason"] = s.FinishReason switch
                {
                    FinishReason.Stop => "stop",
                    FinishReason.Length => "length",
                    _ => throw new ArgumentException($"finish reason {s.FinishReason} has no OpenAI name"),
                },
            });
        int completionTokens = samples.Sum(s => s.TokenIds.Length);
        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
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
