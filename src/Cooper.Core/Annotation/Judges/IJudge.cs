namespace Cooper.Annotation.Judges;

/// <summary>
/// Decides whether a completion's final answer matches a reference answer. True: correct; false:
/// incorrect; null: no label (the judge failed or gave no verdict). Callers must treat null as
/// "unknown", never as incorrect.
/// </summary>
public interface IJudge
{
    /// <summary>The verdict for <paramref name="completion"/> against <paramref name="reference"/>, or null.</summary>
    Task<bool?> JudgeAsync(string question, string reference, string completion, CancellationToken ct = default);
}
