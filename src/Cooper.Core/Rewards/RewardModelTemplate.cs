namespace Cooper.Rewards;

/// <summary>
/// VerifyRM's input text (paper §3.1), exactly, with no chat template:
/// <c>&lt;question&gt;{q}&lt;/question&gt;\n&lt;reference_answer&gt;{a}&lt;/reference_answer&gt;\n&lt;completion&gt;{c}&lt;/completion&gt;</c>.
/// A reference or completion longer than 1,500 characters is cut to its first 500 plus its last
/// 1,000 characters (the start shows the approach, the end holds the final answer).
/// </summary>
public static class RewardModelTemplate
{
    /// <summary>Texts longer than this are cut.</summary>
    public const int MaxChars = 1500;
    /// <summary>Characters kept from the start of a cut text.</summary>
    public const int HeadChars = 500;
    /// <summary>Characters kept from the end of a cut text.</summary>
    public const int TailChars = 1000;

    /// <summary>The reward model's input for one (question, reference, completion).</summary>
    public static string Format(string question, string reference, string completion) =>
        $"<question>{question}</question>\n<reference_answer>{Truncate(reference)}</reference_answer>\n<completion>{Truncate(completion)}</completion>";

    /// <summary>First 500 + last 1,000 characters of a text over 1,500 characters; shorter texts unchanged.</summary>
    public static string Truncate(string text) =>
        text.Length <= MaxChars ? text : string.Concat(text.AsSpan(0, HeadChars), text.AsSpan(text.Length - TailChars));
}
