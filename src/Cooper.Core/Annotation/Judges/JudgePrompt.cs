using System.Text.RegularExpressions;
using Cooper.Endpoints;

namespace Cooper.Annotation.Judges;

/// <summary>
/// The reference-based judge protocol of VerifyBench (Yan et al., 2025, arXiv 2505.15801), used by
/// Cooper's hybrid annotation when the rule verifier cannot decide: the judge sees the question,
/// the reference answer and the completion, compares only the completion's final result with the
/// reference (equivalent forms count as equal), and ends with <c>Final Judgment: Yes</c> or
/// <c>Final Judgment: No</c>. The wording below is ours; the protocol and the verdict line follow
/// VerifyBench.
/// </summary>
public static partial class JudgePrompt
{
    /// <summary>The instruction, with <c>{question}</c>, <c>{reference}</c>, <c>{completion}</c> slots.</summary>
    public const string Template = """
        You are grading a response to a question against a reference answer.

        Compare only the final result of the response with the reference answer. Ignore the reasoning, its length and its style; do not solve the question yourself.
        Equivalent forms count as the same answer: equal numbers written differently (0.5, 1/2, \frac{1}{2}, 50%), algebraically equivalent expressions, the same set, interval or tuple in another notation, the same choice given by its letter or its text, units written differently.
        If the response gives no final result, gives several different final results, or gives one that is not equivalent to the reference answer, the judgment is No.

        Question:
        {question}

        Reference answer:
        {reference}

        Response:
        {completion}

        Briefly compare the response's final result with the reference answer, then end your reply with exactly one line: "Final Judgment: Yes" if they are equivalent, or "Final Judgment: No" otherwise.
        """;

    /// <summary>Sampling for the judge: greedy, one sample, so a verdict is reproducible and cacheable.</summary>
    public static ChatRequestOptions RequestOptions { get; } = new() { N = 1, Temperature = 0.0 };

    /// <summary>The judge's messages for one (question, reference, completion).</summary>
    public static IReadOnlyList<ChatMessage> Build(string question, string reference, string completion)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(completion);
        // Single pass over the slots so text inside one field that looks like a slot is left alone.
        var text = Slot().Replace(Template, m => m.Groups[1].Value switch
        {
            "question" => question.Trim(),
            "reference" => reference.Trim(),
            _ => completion.Trim(),
        });
        return [ChatMessage.User(text)];
    }

    /// <summary>
    /// The verdict in <paramref name="reply"/>: the LAST <c>Final Judgment: Yes/No</c> wins (a judge may
    /// quote the format before answering). Case-insensitive; tolerates Markdown emphasis
    /// (<c>**Final Judgment:** Yes</c>, <c>Final Judgment: **No**</c>), the spelling "Judgement" and
    /// trailing punctuation. Null when there is no verdict, which means no label, not a No.
    /// </summary>
    public static bool? ParseJudgment(string? reply)
    {
        if (string.IsNullOrEmpty(reply)) return null;
        var matches = Verdict().Matches(reply);
        if (matches.Count == 0) return null;
        return matches[^1].Groups["v"].Value.Equals("yes", StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex(@"\{(question|reference|completion)\}")]
    private static partial Regex Slot();

    // "Final Judg(e)ment", then any of spaces, Markdown emphasis, colons or dashes, then Yes/No as a
    // whole word not followed by "/No" or "or No" (the format spelled out, not a verdict).
    [GeneratedRegex(@"final[\s*_]*judge?ment[\s*_:：\-]*(?<v>yes|no)\b(?![\s*_]*(/|or\b))",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Verdict();
}
