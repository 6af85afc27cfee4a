namespace Cooper.Data;

/// <summary>
/// Prompt text for a problem. Two shapes:
/// <list type="bullet">
/// <item>small character-level models: <c>Q: {question}\nA: </c>; training text is that plus the worked
/// solution, and the tokenizer appends its end-of-sequence token;</item>
/// <item>chat models: the Qwen2.5-Math instruction as the system message and the question as the user message
/// (or both in one user message for templates without a system role).</item>
/// </list>
/// </summary>
public static class ChatPrompt
{
    /// <summary>The instruction Qwen2.5-Math (and the Cooper paper's evaluation) uses.</summary>
    public const string Instruction = "Please reason step by step, and put your final answer within \\boxed{}.";

    /// <summary>What precedes the answer in <see cref="ForCharModel"/>; generation starts right after it.</summary>
    public const string AnswerCue = "\nA: ";

    /// <summary>The prompt for a small char model: <c>Q: {question}\nA: </c>.</summary>
    public static string ForCharModel(string question) => $"Q: {question}{AnswerCue}";

    /// <summary>A char-model training example: the prompt followed by the worked solution (no EOS: the tokenizer adds it).</summary>
    public static string CharTrainingText(MathProblem problem) =>
        ForCharModel(problem.Question) + (problem.Solution
            ?? throw new ArgumentException($"problem '{problem.Id}' has no worked solution to train on", nameof(problem)));

    /// <summary>
    /// Chat messages for <paramref name="question"/>: <see cref="Instruction"/> as a system message then the
    /// question as the user message; with <paramref name="systemMessage"/> false, one user message
    /// <c>{question}\n{Instruction}</c>.
    /// </summary>
    public static IReadOnlyList<ChatMessage> ForChatModel(string question, bool systemMessage = true) => systemMessage
        ? [new ChatMessage("system", Instruction), new ChatMessage("user", question)]
        : [new ChatMessage("user", $"{question}\n{Instruction}")];
}
