using System.Globalization;
using Cooper.Annotation;
using Cooper.Data.Embedded;
using Cooper.Verify;

namespace Cooper.Rewards;

/// <summary>
/// Reference-swap augmentation for reward-model training (beyond the paper). A reference-based reward
/// model should judge the completion's final answer <i>against the reference</i>; trained only on a
/// policy's samples, it can instead learn which questions the policy tends to solve and what wrong
/// solutions look like, and ignore the reference (<c>rm-probe</c> in docs/BENCHMARKS.md measures this). Each
/// augmented row keeps the question and completion and swaps the reference so that the label flips:
/// a correct row gets a wrong reference (label false), a wrong row gets its own final answer as the
/// reference (label true). Only the reference differs between a row and its copy, so the reference is
/// the only thing that explains the label. Every new label is confirmed by the rule verifier.
/// </summary>
public static class ReferenceSwap
{
    /// <summary>
    /// <paramref name="rows"/> followed by swapped copies of a <paramref name="fraction"/> of them (chosen with
    /// <paramref name="seed"/>; rows whose new label the verifier cannot confirm are skipped).
    /// </summary>
    public static List<LabelledExample> Augment(IReadOnlyList<LabelledExample> rows, double fraction, long seed)
    {
        if (fraction is < 0 or > 1) throw new ArgumentException($"fraction must be in [0, 1], got {fraction}");
        var result = rows.ToList();
        if (fraction == 0) return result;
        var order = Enumerable.Range(0, rows.Count).ToArray();
        new SplitMix64(SplitMix64.Derive((ulong)seed, 0x5A4BUL)).Shuffle(order);
        int take = (int)Math.Round(fraction * rows.Count);
        var rng = new SplitMix64(SplitMix64.Derive((ulong)seed, 0x5A4CUL));
        foreach (int i in order.Take(take).Order())
            if (Swap(rows[i], rng) is { } copy) result.Add(copy);
        return result;
    }

    /// <summary>The swapped copy of <paramref name="row"/>, or null when no verifier-confirmed swap exists.</summary>
    public static LabelledExample? Swap(LabelledExample row, SplitMix64 rng)
    {
        var answer = MathVerifier.ExtractFinalAnswer(row.Completion);
        if (string.IsNullOrWhiteSpace(answer)) return null;
        string? reference = row.Label ? WrongReference(row.Reference, rng) : answer;
        if (reference is null || reference == row.Reference) return null;
        bool accepted = MathVerifier.Score(row.Completion, reference);
        if (accepted == row.Label) return null;           // the verifier must agree that the label flipped
        return row with { Reference = reference, Label = !row.Label, RuleLabel = !row.Label, JudgeLabel = null, Id = row.Id is null ? null : row.Id + "~swap" };
    }

    /// <summary>A reference that is a plain number (optionally with a leading <c>$</c> and thousands commas).</summary>
    internal static bool TryNumber(string reference, out decimal x) =>
        decimal.TryParse(reference.Trim().TrimStart('$').Replace(",", ""), NumberStyles.Number, CultureInfo.InvariantCulture, out x);

    /// <summary>A plausible wrong reference: the number moved by 1–9, doubled or halved, or plus 10.</summary>
    internal static string? WrongReference(string reference, SplitMix64 rng)
    {
        if (!TryNumber(reference, out var x)) return null;
        decimal y = rng.Range(0, 2) switch
        {
            0 => x + rng.Range(1, 9) * (rng.Chance(0.5) ? 1 : -1),
            1 => rng.Chance(0.5) ? x * 2 : x / 2,
            _ => x + 10,
        };
        if (y == x) y = x + 1;
        return y.ToString("0.##########", CultureInfo.InvariantCulture);
    }
}
