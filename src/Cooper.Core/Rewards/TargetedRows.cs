using System.Text.RegularExpressions;
using Cooper.Annotation;
using Cooper.Data.Embedded;
using Cooper.Rewards.Negatives;
using Cooper.Verify;

namespace Cooper.Rewards;

/// <summary>
/// Targeted training rows for a reward model (beyond the paper, issue "a reward model that verifies"):
/// edits of labelled rows whose new label the rule verifier confirms, so that the only thing that
/// explains a label is the final answer compared with the reference.
/// <list type="bullet">
/// <item><b>Answer edit</b>: the last <c>\boxed{…}</c> changes and nothing else. A correct row gets a wrong
/// answer (label false); a wrong row gets the reference as its answer (label true: the labels are
/// about the final answer, as the verifier's and the paper's are).</item>
/// <item><b>Step rewrite</b>: a correct row rewritten by <see cref="EmbeddedRewriter"/> (one operand
/// changed and carried through the later steps): consistent-looking steps, a wrong answer (label false).
/// These are the negatives Cooper's stage 2 writes, so a model trained on them starts stage 2 able to
/// tell its pairs apart.</item>
/// </list>
/// Together with <see cref="ReferenceSwap"/> (same completion, another reference) they break the shortcut
/// a reward model trained only on a policy's samples takes: which question it is, and what that policy's
/// wrong samples look like (<c>rm-probe</c> in docs/BENCHMARKS.md).
/// </summary>
public static partial class TargetedRows
{
    [GeneratedRegex(@"\\boxed\{(?<v>[^{}]*)\}")]
    private static partial Regex Boxed();

    /// <summary>
    /// <paramref name="rows"/> followed by answer edits of an <paramref name="answerEdit"/> share of them and step
    /// rewrites of a <paramref name="stepRewrite"/> share of the correct ones (each share chosen with
    /// <paramref name="seed"/>; rows with no verifier-confirmed edit are skipped), with the number of each kind added.
    /// </summary>
    public static (List<LabelledExample> Rows, int AnswerEdits, int StepRewrites) Augment(IReadOnlyList<LabelledExample> rows, double answerEdit, double stepRewrite, long seed)
    {
        if (answerEdit is < 0 or > 1) throw new ArgumentException($"answer_edit must be in [0, 1], got {answerEdit}");
        if (stepRewrite is < 0 or > 1) throw new ArgumentException($"step_rewrite must be in [0, 1], got {stepRewrite}");
        var result = rows.ToList();
        var editRng = new SplitMix64(SplitMix64.Derive((ulong)seed, 0xAE01UL));
        foreach (int i in Choose(rows.Count, answerEdit, SplitMix64.Derive((ulong)seed, 0xAE00UL)))
            if (AnswerEdit(rows[i], editRng) is { } copy) result.Add(copy);
        int answerEdits = result.Count - rows.Count;
        var correct = Enumerable.Range(0, rows.Count).Where(i => rows[i].Label).ToArray();
        foreach (int j in Choose(correct.Length, stepRewrite, SplitMix64.Derive((ulong)seed, 0x5E00UL)))
        {
            int i = correct[j];
            if (StepRewrite(rows[i], SplitMix64.Derive((ulong)seed, 0x5E01UL, (ulong)i)) is { } copy) result.Add(copy);
        }
        return (result, answerEdits, result.Count - rows.Count - answerEdits);
    }

    /// <summary>The answer-edited copy of <paramref name="row"/>, or null when no verifier-confirmed edit exists.</summary>
    public static LabelledExample? AnswerEdit(LabelledExample row, SplitMix64 rng)
    {
        var boxes = Boxed().Matches(row.Completion);
        if (boxes.Count == 0) return null;
        var last = boxes[^1];
        string current = last.Groups["v"].Value.Trim();
        string? answer = row.Label ? ReferenceSwap.WrongReference(current, rng) : row.Reference.Trim();
        if (answer is null || answer == current) return null;
        string completion = string.Concat(row.Completion.AsSpan(0, last.Index), $"\\boxed{{{answer}}}", row.Completion.AsSpan(last.Index + last.Length));
        if (MathVerifier.Score(completion, row.Reference) == row.Label) return null;   // the verifier must agree that the label flipped
        return row with { Completion = completion, Label = !row.Label, RuleLabel = !row.Label, JudgeLabel = null, Id = row.Id is null ? null : row.Id + "~answer" };
    }

    /// <summary>
    /// A step rewrite of a correct <paramref name="row"/> (steps changed, not only the boxed answer; the verifier
    /// rejects it), trying a few rewriter seeds; null when the row is wrong or no such rewrite exists.
    /// </summary>
    public static LabelledExample? StepRewrite(LabelledExample row, ulong seed)
    {
        if (!row.Label) return null;
        string steps = Boxed().Replace(row.Completion, "");
        for (ulong attempt = 0; attempt < 8; attempt++)
        {
            var rewritten = EmbeddedRewriter.Rewrite(row.Completion, seed * 0x9E3779B97F4A7C15UL + attempt);
            if (rewritten is null || Boxed().Replace(rewritten, "") == steps) continue;
            if (MathVerifier.Score(rewritten, row.Reference)) continue;
            return row with { Completion = rewritten, Label = false, RuleLabel = false, JudgeLabel = null, Id = row.Id is null ? null : row.Id + "~rewrite" };
        }
        return null;
    }

    /// <summary>
    /// Answer rows: for each distinct numeric reference in <paramref name="rows"/>, <paramref name="perReference"/>
    /// pairs of a one-line completion <c>The answer is \boxed{x}.</c> under an empty question — x the reference
    /// (label true) or a wrong number near it (label false; off by 1–9, doubled, halved, +10 or one digit changed).
    /// Short inputs in which only the comparison of the answer with the reference explains the label: a
    /// curriculum's first stage (a small model learns to compare here in minutes, and on full completions
    /// not at all; docs/REWARD_MODEL.md). Every label is confirmed by the rule verifier.
    /// </summary>
    public static List<LabelledExample> AnswerRows(IReadOnlyList<LabelledExample> rows, int perReference, long seed)
    {
        if (perReference < 0) throw new ArgumentException($"answer_rows must be ≥ 0, got {perReference}");
        var result = new List<LabelledExample>();
        var rng = new SplitMix64(SplitMix64.Derive((ulong)seed, 0xA4500UL));
        int r = 0;
        foreach (var reference in rows.Select(x => x.Reference.Trim()).Distinct(StringComparer.Ordinal))
        {
            string right = $"The answer is \\boxed{{{reference}}}.";
            if (perReference == 0 || !ReferenceSwap.TryNumber(reference, out _) || !MathVerifier.Score(right, reference)) continue;
            for (int k = 0; k < perReference; k++)
            {
                string? wrong = WrongNumber(reference, rng);
                if (wrong is null) break;
                string completion = $"The answer is \\boxed{{{wrong}}}.";
                if (MathVerifier.Score(completion, reference)) continue;
                result.Add(new LabelledExample("", reference, right, true) { Id = $"answer-row-{r}-{k}+" });
                result.Add(new LabelledExample("", reference, completion, false) { Id = $"answer-row-{r}-{k}-" });
            }
            r++;
        }
        return result;
    }

    /// <summary>A wrong number near <paramref name="reference"/>: <see cref="ReferenceSwap.WrongReference"/>'s moves, or one digit changed.</summary>
    private static string? WrongNumber(string reference, SplitMix64 rng)
    {
        if (rng.Below(4) != 0) return ReferenceSwap.WrongReference(reference, rng);
        var digits = Enumerable.Range(0, reference.Length).Where(i => char.IsAsciiDigit(reference[i])).ToArray();
        if (digits.Length == 0) return null;
        int at = digits[rng.Below(digits.Length)];
        char d = (char)('0' + (reference[at] - '0' + 1 + rng.Below(9)) % 10);
        if (at == 0 && d == '0' && reference.Length > 1) d = '1' == reference[at] ? '2' : '1';
        return string.Concat(reference.AsSpan(0, at), d.ToString(), reference.AsSpan(at + 1));
    }

    private static IEnumerable<int> Choose(int count, double fraction, ulong seed)
    {
        if (fraction == 0 || count == 0) return [];
        var order = SplitMix64.Permutation(count, seed);
        return order.Take((int)Math.Round(fraction * count)).Order();
    }
}
