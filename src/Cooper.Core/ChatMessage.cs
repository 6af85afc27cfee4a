namespace Cooper;

/// <summary>
/// One chat message: a role (<c>system</c>, <c>user</c>, <c>assistant</c>) and its text — the
/// <c>{"role": ..., "content": ...}</c> of verl/TRL datasets, OpenAI-compatible requests and chat templates alike.
/// </summary>
public sealed record ChatMessage(string Role, string Content)
{
    /// <summary>A system message.</summary>
    public static ChatMessage System(string content) => new("system", content);

    /// <summary>A user message.</summary>
    public static ChatMessage User(string content) => new("user", content);

    /// <summary>An assistant message.</summary>
    public static ChatMessage Assistant(string content) => new("assistant", content);
}
