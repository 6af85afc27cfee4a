using Cooper.Tokenizers;

namespace Cooper.Data;

/// <summary>How a problem becomes the policy's prompt.</summary>
public enum PromptStyle
{
    /// <summary><c>Q: {question}\nA: </c> — the embedded small models.</summary>
    Plain,
    /// <summary>The tokenizer's chat template with a "reason step by step, answer in \boxed{}" system turn.</summary>
    Chat,
}

/// <summary>
/// The one place a problem becomes the policy's prompt, for GRPO rollouts, validation, <c>cooper eval</c>,
/// the experiment and annotation alike: the prompt text and the ids that end a response. A chat model's
/// response ends at its template's end of turn (<c>&lt;|im_end|&gt;</c>, <c>&lt;|eot_id|&gt;</c>), not only at
/// the tokenizer's EOS; a plain prompt ends at EOS only (the rollout engine adds it).
/// </summary>
public sealed class PolicyPrompt
{
    private readonly ChatTemplate? _template;
    private readonly ITokenizer _tokenizer;

    /// <summary>Prompts of <paramref name="style"/> for <paramref name="tokenizer"/>.</summary>
    public PolicyPrompt(PromptStyle style, ITokenizer tokenizer)
    {
        Style = style;
        _tokenizer = tokenizer;
        switch (style)
        {
            case PromptStyle.Plain:
                StopTokenIds = [];
                break;
            case PromptStyle.Chat:
                _template = ChatTemplate.For(tokenizer) ?? ChatTemplate.ChatML;
                StopTokenIds = _template.StopTokenIds(tokenizer);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(style), style, "prompt style must be plain or chat");
        }
    }

    /// <summary>The style.</summary>
    public PromptStyle Style { get; }

    /// <summary>Ids that end a response besides the tokenizer's EOS (the chat template's end of turn; empty for plain).</summary>
    public IReadOnlyList<int> StopTokenIds { get; }

    /// <summary>
    /// The id a supervised response ends with: the chat template's end of turn (<c>&lt;|im_end|&gt;</c>) when the
    /// tokenizer has it, else the tokenizer's EOS (plain prompts).
    /// </summary>
    public int? ResponseEndId => StopTokenIds.Count > 0 ? StopTokenIds[0] : _tokenizer.EosTokenId;

    /// <summary>
    /// The problems whose prompt leaves room for a response of <paramref name="responseTokens"/> within a model
    /// context of <paramref name="contextLength"/> positions (<c>max_position_embeddings</c>): prompt tokens +
    /// response tokens ≤ context, the rule <c>cooper serve</c> applies to a request. The others are counted, not
    /// run: a rollout past the context runs on positions the model never saw, and a prompt of a million
    /// tokens would ask for terabytes of attention.
    /// </summary>
    public PromptFit Fit(IReadOnlyList<MathProblem> problems, int contextLength, int responseTokens)
    {
        var kept = new List<MathProblem>(problems.Count);
        int skipped = 0, longest = 0;
        foreach (var p in problems)
        {
            int tokens = _tokenizer.Encode(Text(p)).Length;
            if (tokens + responseTokens <= contextLength) kept.Add(p);
            else { skipped++; longest = Math.Max(longest, tokens); }
        }
        return new PromptFit(kept, skipped, longest, contextLength, responseTokens);
    }

    /// <summary>The prompt text for <paramref name="problem"/>.</summary>
    public string Text(MathProblem problem) => _template is null
        ? ChatPrompt.ForCharModel(problem.Question)
        : _template.Format(ChatPrompt.ForChatModel(problem.Question), addGenerationPrompt: true);
}

/// <summary>The outcome of <see cref="PolicyPrompt.Fit"/>: the problems kept and what was skipped.</summary>
/// <param name="Kept">Problems whose prompt fits, in their original order.</param>
/// <param name="Skipped">Problems skipped for a prompt too long.</param>
/// <param name="LongestSkipped">Tokens of the longest skipped prompt (0 when none).</param>
/// <param name="ContextLength">The model's context (positions).</param>
/// <param name="ResponseTokens">The response budget each prompt had to leave room for.</param>
public sealed record PromptFit(IReadOnlyList<MathProblem> Kept, int Skipped, int LongestSkipped, int ContextLength, int ResponseTokens)
{
    /// <summary>One line for the user naming what was skipped and why, e.g. for <paramref name="what"/> "training problems in data.jsonl".</summary>
    public string Message(string what) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"skipped {Skipped} of {Skipped + Kept.Count} {what}: the prompt (up to {LongestSkipped:N0} tokens) plus {ResponseTokens} new tokens " +
        $"exceeds the model's context of {ContextLength} positions; shorten those questions or lower max_new_tokens");
}
