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
        return row with { Completion = completion, Label = !row.Label, Id = row.Id is null ? null : row.Id + "~answer" };
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
            return row with { Completion = rewritten, Label = false, Id = row.Id is null ? null : row.Id + "~rewrite" };
        }
        return null;
    }

    private static IEnumerable<int> Choose(int count, double fraction, ulong seed)
    {
        if (fraction == 0 || count == 0) return [];
        var order = SplitMix64.Permutation(count, seed);
        return order.Take((int)Math.Round(fraction * count)).Order();
    }
}
