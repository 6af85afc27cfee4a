using System.Text;

namespace Cooper.Tokenizers;

/// <summary>The chat formats implemented.</summary>
public enum ChatFormat
{
    /// <summary>Qwen's ChatML: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>.</summary>
    ChatML,

    /// <summary>Llama 3: <c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\ncontent&lt;|eot_id|&gt;</c> after <c>&lt;|begin_of_text|&gt;</c>.</summary>
    Llama3,
}

/// <summary>
/// Renders conversations as the Jinja chat templates of Qwen (ChatML) and Llama 3 do for plain
/// system/user/assistant turns (no tools, no reasoning-content handling), with the generation prompt.
/// </summary>
/// <remarks>
/// Qwen2.5's template inserts a default system prompt when there is none: set <see cref="DefaultSystemPrompt"/>
/// to reproduce it. Llama 3's template trims each message, as this does. The BOS token is part of the
/// Llama-3 text, so encode it with a tokenizer that does not add another.
/// </remarks>
public sealed record ChatTemplate(ChatFormat Kind)
{
    /// <summary>ChatML's template in Jinja, written into tokenizer_config.json of tokenizers saved here.</summary>
    public const string ChatMLJinja =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    public static ChatTemplate ChatML { get; } = new(ChatFormat.ChatML);
    public static ChatTemplate Llama3 { get; } = new(ChatFormat.Llama3);

    /// <summary>System prompt used when the conversation has none (null: none added).</summary>
    public string? DefaultSystemPrompt { get; init; }

    /// <summary>The token that ends a turn (a stop token for generation).</summary>
    public string EndOfTurn => Kind == ChatFormat.ChatML ? "<|im_end|>" : "<|eot_id|>";

    /// <summary>The conversation as the model sees it; with <paramref name="addGenerationPrompt"/> it ends where the assistant's reply begins.</summary>
    public string Format(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        foreach (var m in messages)
            if (m.Role is not ("system" or "user" or "assistant"))
                throw new ArgumentException($"chat role '{m.Role}' is not supported: use system, user or assistant");
        var all = DefaultSystemPrompt is not null && (messages.Count == 0 || messages[0].Role != "system")
            ? messages.Prepend(ChatMessage.System(DefaultSystemPrompt)).ToList()
            : messages;
        var sb = new StringBuilder();
        switch (Kind)
        {
            case ChatFormat.ChatML:
                foreach (var m in all) sb.Append("<|im_start|>").Append(m.Role).Append('\n').Append(m.Content).Append("<|im_end|>\n");
                if (addGenerationPrompt) sb.Append("<|im_start|>assistant\n");
                break;
            case ChatFormat.Llama3:
                sb.Append("<|begin_of_text|>");
                foreach (var m in all)
                    sb.Append("<|start_header_id|>").Append(m.Role).Append("<|end_header_id|>\n\n").Append(m.Content.Trim()).Append("<|eot_id|>");
                if (addGenerationPrompt) sb.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
                break;
            default:
                throw new ArgumentException($"chat format {Kind} is not implemented");
        }
        return sb.ToString();
    }

    /// <summary>The format a tokenizer's special tokens imply (ChatML markers → ChatML, Llama-3 headers → Llama3), or null.</summary>
    public static ChatTemplate? For(ITokenizer tokenizer)
    {
        if (tokenizer.TokenToId("<|im_start|>") is not null && tokenizer.TokenToId("<|im_end|>") is not null) return ChatML;
        if (tokenizer.TokenToId("<|start_header_id|>") is not null && tokenizer.TokenToId("<|eot_id|>") is not null) return Llama3;
        return null;
    }

    /// <summary>Ids that end an assistant turn with this format: the end-of-turn token and the tokenizer's EOS.</summary>
    public IReadOnlyList<int> StopTokenIds(ITokenizer tokenizer)
    {
        var ids = new List<int>();
        if (tokenizer.TokenToId(EndOfTurn) is { } eot) ids.Add(eot);
        if (tokenizer.EosTokenId is { } eos && !ids.Contains(eos)) ids.Add(eos);
        return ids;
    }
}
