using Cooper.Data.Embedded;

namespace Cooper.Annotation.Judges;

/// <summary>
/// The judge used without an endpoint: <see cref="ArithmeticChecker"/>, which recomputes every
/// arithmetic step and compares the final answer. It was written independently of the rule verifier,
/// so the two can disagree (a right answer reached through a wrong step; an answer written in another form).
/// </summary>
public sealed class ArithmeticJudge : IJudge
{
    /// <inheritdoc />
    public Task<bool?> JudgeAsync(string question, string reference, string completion, CancellationToken ct = default) =>
        Task.FromResult(ArithmeticChecker.Check(completion, reference).Correct);
}
