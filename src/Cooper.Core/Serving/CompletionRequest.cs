using System.Text.Json;
using static Cooper.Serving.RequestFields;

namespace Cooper.Serving;

/// <summary>
/// One prompt of a <see cref="CompletionRequest"/>: text, encoded with the tokenizer as raw text (no chat
/// template, no BOS added), or token ids used as given.
/// </summary>
/// <param name="Field">Where it stands in the body, for errors: <c>prompt</c>, or <c>prompt[i]</c> in a batch.</param>
/// <param name="Text">The text, or null when the prompt is token ids.</param>
/// <param name="TokenIds">The token ids (non-empty), or null when the prompt is text.</param>
public sealed record CompletionPrompt(string Field, string? Text, IReadOnlyList<int>? TokenIds);

/// <summary>
/// The body of <c>POST /v1/completions</c>, OpenAI's legacy completions as vLLM serves them (non-streaming): the
/// <see cref="SamplingRequest"/> fields, <c>prompt</c> (a string, a list of token ids, or a list of either), the
/// <c>logprobs</c> count, and vLLM's <c>stop_token_ids</c>, <c>return_tokens_as_token_ids</c>,
/// <c>return_token_ids</c> and <c>skip_special_tokens</c>.
/// </summary>
/// <remarks>
/// Refused with a 400 naming the field: <c>stream: true</c>, <c>echo: true</c>, <c>best_of</c> other than <c>n</c>,
/// and a non-empty <c>suffix</c>. Other fields vLLM knows (penalties, <c>min_tokens</c>, <c>prompt_logprobs</c>, …)
/// are ignored, as for chat.
/// </remarks>
public sealed record CompletionRequest : SamplingRequest
{
    /// <summary><c>prompt</c>: one or more prompts, in the order of the body.</summary>
    public IReadOnlyList<CompletionPrompt> Prompts { get; init; } = [];

    /// <summary><c>stop_token_ids</c> (vLLM): ids that end a sample, kept as its last token; the EOS is added unless <see cref="SamplingRequest.IgnoreEos"/>.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>
    /// <c>logprobs</c>: null for no logprobs object; ≥ 0 for one; ≥ 1 adds <c>top_logprobs</c>, holding the sampled
    /// token only (alternatives are not returned, whatever the count).
    /// </summary>
    public int? Logprobs { get; init; }

    /// <summary><c>return_tokens_as_token_ids</c> (vLLM): logprob tokens written <c>"token_id:123"</c> instead of their text.</summary>
    public bool ReturnTokensAsTokenIds { get; init; }

    /// <summary><c>return_token_ids</c> (vLLM): each choice also carries <c>token_ids</c> and <c>prompt_token_ids</c>.</summary>
    public bool ReturnTokenIds { get; init; }

    /// <summary><c>skip_special_tokens</c> (vLLM, default true): leave special tokens out of <c>text</c>.</summary>
    public bool SkipSpecialTokens { get; init; } = true;

    /// <summary>An empty request, for object initializers.</summary>
    public CompletionRequest() { }

    private CompletionRequest(JsonElement root) : base(root)
    {
        if (Bool(root, "echo") == true) throw OpenAiError.BadRequest("echo=true is not supported: send echo=false or leave it out", "echo");
        if (Integer(root, "best_of") is { } bestOf && bestOf != N)
            throw OpenAiError.BadRequest($"best_of = {bestOf} is not supported: leave it out or set it to n ({N})", "best_of");
        if (String(root, "suffix") is { Length: > 0 }) throw OpenAiError.BadRequest("suffix is not supported: leave it out", "suffix");
        var logprobs = Integer(root, "logprobs");
        if (logprobs < 0) throw OpenAiError.BadRequest($"logprobs must be ≥ 0 (or null for none), got {logprobs}", "logprobs");

        Prompts = ReadPrompts(root);
        StopTokenIds = ReadStopTokenIds(root);
        Logprobs = logprobs;
        ReturnTokensAsTokenIds = Bool(root, "return_tokens_as_token_ids") ?? false;
        ReturnTokenIds = Bool(root, "return_token_ids") ?? false;
        SkipSpecialTokens = Bool(root, "skip_special_tokens") ?? true;
    }

    /// <summary>Parses a request body; anything malformed throws a 400 <see cref="OpenAiError"/> naming the field.</summary>
    public static CompletionRequest Parse(string json) => RequestFields.Parse(json, FromJson);

    /// <summary>Reads a parsed body; see <see cref="Parse"/>.</summary>
    public static CompletionRequest FromJson(JsonElement root) => new(root);

    /// <summary>A string, a list of token ids (one prompt), or a list of strings and token-id lists (a batch).</summary>
    private static List<CompletionPrompt> ReadPrompts(JsonElement root)
    {
        const string Expected = "a string, a list of token ids, or a list of strings or token-id lists";
        if (!Present(root, "prompt", out var p)) throw OpenAiError.BadRequest($"prompt is missing: give {Expected}", "prompt");
        if (p.ValueKind == JsonValueKind.String) return [new("prompt", p.GetString()!, null)];
        if (p.ValueKind != JsonValueKind.Array || p.GetArrayLength() == 0)
            throw OpenAiError.BadRequest($"prompt must be {Expected}, got {(p.ValueKind == JsonValueKind.Array ? "an empty list" : p.ValueKind)}", "prompt");
        if (p[0].ValueKind == JsonValueKind.Number) return [new("prompt", null, Integers(p, "prompt"))];

        var prompts = new List<CompletionPrompt>();
        foreach (var item in p.EnumerateArray())
        {
            string where = $"prompt[{prompts.Count}]";
            prompts.Add(item.ValueKind switch
            {
                JsonValueKind.String => new(where, item.GetString()!, null),
                JsonValueKind.Array when item.GetArrayLength() > 0 => new(where, null, Integers(item, where)),
                JsonValueKind.Array => throw OpenAiError.BadRequest($"{where} is an empty list of token ids: every prompt needs at least one token", where),
                _ => throw OpenAiError.BadRequest($"{where} must be a string or a list of token ids, got {item.ValueKind}", where),
            });
        }
        return prompts;
    }

    private static int[] ReadStopTokenIds(JsonElement root)
    {
        if (!Present(root, "stop_token_ids", out var s)) return [];
        if (s.ValueKind != JsonValueKind.Array) throw OpenAiError.BadRequest($"stop_token_ids must be a list of token ids, got {s.ValueKind}", "stop_token_ids");
        var ids = Integers(s, "stop_token_ids");
        if (ids.Any(id => id < 0))
            throw OpenAiError.BadRequest($"stop_token_ids holds {ids.First(id => id < 0)}: token ids are ≥ 0", "stop_token_ids");
        return ids;
    }
}
