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

    /// <summary>Prompts of <paramref name="style"/> for <paramref name="tokenizer"/>.</summary>
    public PolicyPrompt(PromptStyle style, ITokenizer tokenizer)
    {
        Style = style;
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

    /// <summary>The prompt text for <paramref name="problem"/>.</summary>
    public string Text(MathProblem problem) => _template is null
        ? ChatPrompt.ForCharModel(problem.Question)
        : _template.Format(ChatPrompt.ForChatModel(problem.Question), addGenerationPrompt: true);
}
