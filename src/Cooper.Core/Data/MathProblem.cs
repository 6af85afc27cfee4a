namespace Cooper.Data;

/// <summary>
/// One math problem: the unit every dataset reader returns and every writer takes.
/// Equality is by value, lists and dictionaries included (so a write → read round trip can be
/// checked with <c>Assert.Equal</c>); a null and an empty <see cref="Extra"/> count as equal.
/// </summary>
public sealed record MathProblem
{
    /// <summary>A stable id: the file's own (<c>id</c>, <c>unique_id</c>, verl <c>extra_info.index</c>) or the 1-based row.</summary>
    public required string Id { get; init; }

    /// <summary>The problem text as a person would read it (no instruction, no chat template).</summary>
    public required string Question { get; init; }

    /// <summary>The final answer only (<c>18</c>, <c>\frac{3}{4}</c>), what a verifier compares against.</summary>
    public required string ReferenceAnswer { get; init; }

    /// <summary>A worked solution when the dataset has one (GSM8K's text before <c>####</c>, MATH's <c>solution</c>).</summary>
    public string? Solution { get; init; }

    /// <summary>Where the problem comes from; verl's <c>data_source</c> (<c>openai/gsm8k</c>, <c>cooper/arith-shopping</c>).</summary>
    public string DataSource { get; init; } = "";

    /// <summary>A difficulty level when known (MATH's level 1–5; the embedded task's number of steps 1–4).</summary>
    public int? Difficulty { get; init; }

    /// <summary>Other per-row fields, kept as strings (MATH's <c>subject</c>, the embedded task's <c>template</c>).</summary>
    public IReadOnlyDictionary<string, string>? Extra { get; init; }

    /// <summary>The chat prompt verl trains on, when the dataset carries one; null for plain datasets.</summary>
    public IReadOnlyList<ChatMessage>? Prompt { get; init; }

    /// <summary>The value of <paramref name="key"/> in <see cref="Extra"/>, or null.</summary>
    public string? ExtraValue(string key) => Extra is not null && Extra.TryGetValue(key, out var v) ? v : null;

    public bool Equals(MathProblem? other) =>
        other is not null
        && Id == other.Id && Question == other.Question && ReferenceAnswer == other.ReferenceAnswer
        && Solution == other.Solution && DataSource == other.DataSource && Difficulty == other.Difficulty
        && ExtraEquals(Extra, other.Extra) && PromptEquals(Prompt, other.Prompt);

    public override int GetHashCode() => HashCode.Combine(Id, Question, ReferenceAnswer, Solution, DataSource, Difficulty);

    private static bool ExtraEquals(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0)) return false;
        if (a is null || b is null) return true; // both empty
        foreach (var (k, v) in a)
            if (!b.TryGetValue(k, out var w) || w != v) return false;
        return true;
    }

    private static bool PromptEquals(IReadOnlyList<ChatMessage>? a, IReadOnlyList<ChatMessage>? b) =>
        a is null || b is null ? a is null && b is null : a.SequenceEqual(b);
}
