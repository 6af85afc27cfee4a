using Cooper.Tokenizers;

namespace Cooper.Serving;

/// <summary>Turns a request's messages into the prompt text, and says which tokens end the reply.</summary>
public static class ServingPrompt
{
    /// <summary>
    /// The concrete format for <paramref name="tokenizer"/>: <see cref="PromptFormat.Auto"/> resolved as its doc
    /// says; an explicit chat format is checked against the tokenizer's special tokens.
    /// </summary>
    public static PromptFormat Resolve(PromptFormat requested, ITokenizer tokenizer)
    {
        switch (requested)
        {
            case PromptFormat.Auto:
                if (tokenizer is CharTokenizer) return PromptFormat.Plain;
                return ChatTemplate.For(tokenizer)?.Kind switch
                {
                    ChatFormat.ChatML => PromptFormat.ChatML,
                    ChatFormat.Llama3 => PromptFormat.Llama3,
                    _ => PromptFormat.Plain,
                };
            case PromptFormat.ChatML:
            case PromptFormat.Llama3:
                var template = Template(requested);
                if (tokenizer.TokenToId(template.EndOfTurn) is null)
                    throw new ArgumentException($"prompt format {requested} needs the token {template.EndOfTurn}, which the tokenizer lacks: use plain or the model's own format");
                return requested;
            case PromptFormat.Plain:
                return requested;
            default:
                throw new ArgumentException($"prompt format {requested} is unknown: use auto, chatml, llama3 or plain");
        }
    }

    /// <summary>The prompt text for a resolved <paramref name="format"/>; a chat format ends at the assistant header.</summary>
    public static string Render(PromptFormat format, IReadOnlyList<ChatMessage> messages) => format switch
    {
        PromptFormat.ChatML or PromptFormat.Llama3 => Template(format).Format(messages, addGenerationPrompt: true),
        PromptFormat.Plain => Data.ChatPrompt.ForCharModel(
            messages.LastOrDefault(m => m.Role == "user")?.Content
            ?? throw OpenAiError.BadRequest("the plain prompt format needs a user message", "messages")),
        _ => throw new ArgumentException($"prompt format {format} must be resolved first (ServingPrompt.Resolve)"),
    };

    /// <summary>Token ids that end a reply besides the tokenizer's EOS (which the engine adds): the end-of-turn token of a chat format.</summary>
    public static IReadOnlyList<int> StopTokenIds(PromptFormat format, ITokenizer tokenizer) => format switch
    {
        PromptFormat.ChatML or PromptFormat.Llama3 => Template(format).StopTokenIds(tokenizer),
        _ => [],
    };

    private static ChatTemplate Template(PromptFormat format) => format == PromptFormat.Llama3 ? ChatTemplate.Llama3 : ChatTemplate.ChatML;
}
