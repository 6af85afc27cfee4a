using System.Text.Json.Nodes;
using Cooper.Generation;
using Cooper.Tokenizers;

namespace Cooper.Serving;

/// <summary>
/// The <c>text_completion</c> reply of <c>/v1/completions</c>, in vLLM's shape: one choice per sample, prompt-major
/// (<c>index = promptIndex · n + sampleIndex</c>), each <c>{index, text, logprobs, finish_reason, stop_reason}</c>,
/// plus <c>token_ids</c> and <c>prompt_token_ids</c> when the request asks for <c>return_token_ids</c>.
/// </summary>
/// <remarks>
/// <para>The logprobs object is <c>{tokens, token_logprobs, top_logprobs, text_offset}</c> over every sampled token,
/// the stop token included (vLLM reports the EOS too). Where it departs from vLLM:</para>
/// <list type="bullet">
/// <item><c>token_logprobs</c> are the sampler's, log softmax(logits / T) at the request's temperature, before
/// top-k/top-p (T = 1 when greedy): the log-probs a GRPO trainer needs for its importance ratio. vLLM by default
/// reports the raw log softmax(logits) at T = 1; with <c>logprobs_mode=processed_logprobs</c> it reports them after
/// temperature (and top-k/top-p) processing, which equals ours when top-k and top-p are off.</item>
/// <item><c>top_logprobs</c> (for <c>logprobs</c> ≥ 1) holds one entry per position, the sampled token's; the
/// alternatives vLLM adds are not computed. For <c>logprobs</c> = 0 it is null (vLLM: an empty list).</item>
/// <item><c>text_offset</c> is best effort: the running length (UTF-16 code units) of each token decoded on its
/// own, from 0. It is exact when every token decodes to whole characters (the char tokenizer), off where a
/// character spans byte-level tokens or a special token is left out of <c>text</c>. It counts the decoded text
/// also under <c>return_tokens_as_token_ids</c>.</item>
/// <item><c>stop_reason</c> is always null (vLLM names the stop string or stop token id that matched).</item>
/// <item>A log-prob of −∞ (not JSON) is written −9999.0, as vLLM writes it.</item>
/// </list>
/// </remarks>
public static class CompletionResponse
{
    /// <summary>
    /// The reply to <paramref name="request"/>, whose <paramref name="prompts"/> (as encoded) gave
    /// <paramref name="samples"/>. <c>usage.prompt_tokens</c> counts each prompt once, not once per sample.
    /// </summary>
    public static JsonObject ToJson(
        string id, DateTimeOffset created, string model, CompletionRequest request,
        IReadOnlyList<int[]> prompts, IReadOnlyList<RolloutSample> samples, ITokenizer tokenizer)
    {
        var choices = new JsonArray();
        foreach (var s in samples.OrderBy(s => s.PromptIndex).ThenBy(s => s.SampleIndex))
        {
            var choice = new JsonObject
            {
                ["index"] = s.PromptIndex * request.N + s.SampleIndex,
                ["text"] = s.Text,
                ["logprobs"] = request.Logprobs is { } top ? Logprobs(s, top, request.ReturnTokensAsTokenIds, tokenizer) : null,
                ["finish_reason"] = ChatCompletionResponse.FinishReasonName(s.FinishReason),
                ["stop_reason"] = null,
            };
            if (request.ReturnTokenIds)
            {
                choice["token_ids"] = Ids(s.TokenIds);
                choice["prompt_token_ids"] = Ids(prompts[s.PromptIndex]);
            }
            choices.Add(choice);
        }
        return ChatCompletionResponse.Envelope(id, "text_completion", created, model, choices, prompts.Sum(p => p.Length), samples);
    }

    /// <summary>vLLM's logprobs object for one sample; see the remarks for what differs.</summary>
    private static JsonObject Logprobs(RolloutSample s, int top, bool asTokenIds, ITokenizer tokenizer)
    {
        var tokens = new JsonArray();
        var logprobs = new JsonArray();
        var topLogprobs = top >= 1 ? new JsonArray() : null;
        var offsets = new JsonArray();
        int offset = 0;
        for (int i = 0; i < s.TokenIds.Length; i++)
        {
            int id = s.TokenIds[i];
            // An id past the tokenizer (a model vocabulary padded beyond it) has no text.
            string text = id < tokenizer.VocabSize ? tokenizer.Decode([id]) : "";
            string token = asTokenIds ? $"token_id:{id}" : text;
            double logprob = Math.Max(s.LogProbs[i], -9999.0);
            tokens.Add(token);
            logprobs.Add(logprob);
            topLogprobs?.Add(new JsonObject { [token] = logprob });
            offsets.Add(offset);
            offset += text.Length;
        }
        return new JsonObject
        {
            ["tokens"] = tokens,
            ["token_logprobs"] = logprobs,
            ["top_logprobs"] = topLogprobs,
            ["text_offset"] = offsets,
        };
    }

    private static JsonArray Ids(IReadOnlyList<int> ids) => new(ids.Select(i => (JsonNode?)i).ToArray());
}
