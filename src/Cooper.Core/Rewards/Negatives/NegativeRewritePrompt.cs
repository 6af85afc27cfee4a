using System.Text.RegularExpressions;
using Cooper.Endpoints;

namespace Cooper.Rewards.Negatives;

/// <summary>One rewrite request: the messages and the sampling settings that go with them.</summary>
public sealed record NegativeRewriteRequest(IReadOnlyList<ChatMessage> Messages, ChatRequestOptions Options);

/// <summary>
/// Cooper's assistant prompt (Cooper, arXiv 2508.05613, reward-model data construction): an assistant
/// LLM turns a correct response into a negative that looks like a genuine solution of similar length
/// but reasons wrongly and reaches a wrong result. Sampling: temperature 0.7 and
/// <c>max_tokens</c> = the positive's word count + 500, as in the paper (the client caps it with the
/// endpoint's <c>max_tokens</c> and fits it to the served model's context). The wording is ours,
/// following the paper's description.
/// </summary>
/// <remarks>
/// The assistant can fail at its job (keep the right answer, or refuse). Callers should check the
/// negative with the rule verifier and drop any that still match the reference.
/// </remarks>
public static partial class NegativeRewritePrompt
{
    /// <summary>Sampling temperature for the assistant (paper: 0.7).</summary>
    public const double Temperature = 0.7;

    /// <summary>Token budget on top of the positive's word count (paper: 500).</summary>
    public const int ExtraTokens = 500;

    /// <summary>The system instruction.</summary>
    public const string SystemInstruction = """
        You are given a math problem and a correct response to it. Write a new response to the same problem that looks like a genuine, confident solution of similar length and style, but whose reasoning contains a mistake that leads to a wrong final result.
        Do not point out, hint at or apologise for the mistake, and do not mention the correct response. The final answer must differ from the correct one.
        """;

    /// <summary>The user message, with <c>{problem}</c> and <c>{response}</c> slots.</summary>
    public const string UserTemplate = """
        Problem:
        {problem}

        Correct response:
        {response}

        Output only the solving process and the final answer.
        """;

    /// <summary>The request for one (problem, correct response).</summary>
    public static NegativeRewriteRequest Build(string problem, string positiveCompletion)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(positiveCompletion);
        // Single pass over the slots so text inside one field that looks like a slot is left alone.
        var user = Slot().Replace(UserTemplate, m => m.Groups[1].Value == "problem" ? problem.Trim() : positiveCompletion.Trim());
        var options = new ChatRequestOptions
        {
            N = 1,
            Temperature = Temperature,
            MaxTokens = WordCount(positiveCompletion) + ExtraTokens,
        };
        return new NegativeRewriteRequest([ChatMessage.System(SystemInstruction), ChatMessage.User(user)], options);
    }

    /// <summary>Whitespace-separated words in <paramref name="text"/>.</summary>
    public static int WordCount(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    [GeneratedRegex(@"\{(problem|response)\}")]
    private static partial Regex Slot();
}
