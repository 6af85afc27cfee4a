using Cooper.Data.Embedded;

namespace Cooper.Data;

/// <summary>
/// A validation slice held out of a training file, so that a run on a user's data validates on that data
/// (not on the embedded task). Split by question, so no question is on both sides.
/// </summary>
public static class HeldOut
{
    /// <summary>
    /// Splits <paramref name="problems"/> into (train, validation): the distinct questions are shuffled with
    /// <paramref name="seed"/> and the first ⌈<paramref name="fraction"/>·questions⌉ held out (at least one when
    /// there are two or more questions, never all of them). Both sides keep the file's order.
    /// </summary>
    public static (List<MathProblem> Train, List<MathProblem> Validation) Split(IReadOnlyList<MathProblem> problems, double fraction, long seed)
    {
        if (fraction is not (>= 0 and < 1)) throw new ArgumentException($"the held-out fraction must be in [0, 1) (got {fraction})", nameof(fraction));
        var questions = problems.Select(p => p.Question).Distinct(StringComparer.Ordinal).ToArray();
        if (fraction == 0 || questions.Length < 2) return (problems.ToList(), []);
        var order = SplitMix64.Permutation(questions.Length, SplitMix64.Derive((ulong)seed, 0x4E1D0UL));
        int n = Math.Clamp((int)Math.Ceiling(fraction * questions.Length), 1, questions.Length - 1);
        var held = order.Take(n).Select(i => questions[i]).ToHashSet(StringComparer.Ordinal);
        return (problems.Where(p => !held.Contains(p.Question)).ToList(), problems.Where(p => held.Contains(p.Question)).ToList());
    }
}
