using Cooper.Annotation;
using Cooper.Data.Embedded;
using Cooper.Rewards;
using Cooper.Verify;

namespace Cooper.Tests.Rewards;

public class TargetedRowsTests
{
    private static readonly LabelledExample s_right = new("Tom buys 3 pens at 12 dollars and a 5 dollar pad. Total?", "41",
        "Pens: 3*12=36.\nTotal: 36+5=41.\nThe answer is \\boxed{41}.", true) { Id = "a#0" };
    private static readonly LabelledExample s_wrong = new("Tom buys 3 pens at 12 dollars and a 5 dollar pad. Total?", "41",
        "Pens: 3*12=38.\nTotal: 38+5=43.\nThe answer is \\boxed{43}.", false) { Id = "a#1" };

    [Fact]
    public void An_answer_edit_of_a_correct_row_changes_only_the_boxed_answer_and_is_wrong()
    {
        for (ulong seed = 0; seed < 30; seed++)
        {
            var copy = TargetedRows.AnswerEdit(s_right, new SplitMix64(seed))!;
            Assert.NotNull(copy);
            Assert.False(copy.Label);
            Assert.StartsWith("Pens: 3*12=36.\nTotal: 36+5=41.\nThe answer is \\boxed{", copy.Completion);
            Assert.DoesNotContain("\\boxed{41}", copy.Completion);
            Assert.False(MathVerifier.Score(copy.Completion, "41"));
            Assert.Equal((s_right.Question, s_right.Reference, "a#0~answer"), (copy.Question, copy.Reference, copy.Id));
        }
    }

    [Fact]
    public void An_answer_edit_of_a_wrong_row_boxes_the_reference_and_is_correct()
    {
        var copy = TargetedRows.AnswerEdit(s_wrong, new SplitMix64(1))!;
        Assert.Equal("Pens: 3*12=38.\nTotal: 38+5=43.\nThe answer is \\boxed{41}.", copy.Completion);
        Assert.True(copy.Label);
        // An annotated row's verdicts describe the original completion: the copy carries the verifier's on the new
        // one and no judge's.
        var annotated = TargetedRows.AnswerEdit(s_wrong with { RuleLabel = false, JudgeLabel = false }, new SplitMix64(1))!;
        Assert.Equal((true, (bool?)true, (bool?)null), (annotated.Label, annotated.RuleLabel, annotated.JudgeLabel));
        var rewrite = TargetedRows.StepRewrite(s_right with { RuleLabel = true, JudgeLabel = true }, 1)!;
        Assert.Equal((false, (bool?)false, (bool?)null), (rewrite.Label, rewrite.RuleLabel, rewrite.JudgeLabel));
    }

    [Fact]
    public void Rows_without_a_boxed_answer_or_an_editable_answer_are_skipped()
    {
        Assert.Null(TargetedRows.AnswerEdit(s_right with { Completion = "The total is 41." }, new SplitMix64(1)));
        Assert.Null(TargetedRows.AnswerEdit(s_right with { Completion = "So \\boxed{x+1}", Reference = "x+1" }, new SplitMix64(1)));   // no number to move
        Assert.Null(TargetedRows.StepRewrite(s_wrong, 1));                                                                         // only correct rows
        Assert.Null(TargetedRows.StepRewrite(s_right with { Completion = "The answer is \\boxed{41}." }, 1));                       // no step to rewrite
    }

    [Fact]
    public void A_step_rewrite_changes_a_step_and_carries_it_to_a_wrong_answer()
    {
        for (ulong seed = 0; seed < 30; seed++)
        {
            var copy = TargetedRows.StepRewrite(s_right, seed)!;
            Assert.NotNull(copy);
            Assert.False(copy.Label);
            Assert.False(MathVerifier.Score(copy.Completion, "41"));
            Assert.Equal("a#0~rewrite", copy.Id);
            // Every step of the rewrite is still true arithmetic, and the boxed answer is the last step's result.
            var steps = System.Text.RegularExpressions.Regex.Matches(copy.Completion, @"(\d+)([*+])(\d+)=(\d+)");
            Assert.Equal(2, steps.Count);
            foreach (System.Text.RegularExpressions.Match m in steps)
            {
                long a = long.Parse(m.Groups[1].Value), b = long.Parse(m.Groups[3].Value), c = long.Parse(m.Groups[4].Value);
                Assert.Equal(m.Groups[2].Value == "*" ? a * b : a + b, c);
            }
            Assert.EndsWith($"\\boxed{{{steps[1].Groups[4].Value}}}.", copy.Completion);
        }
    }

    [Fact]
    public void Augment_adds_the_chosen_shares_after_the_originals_deterministically()
    {
        var rows = Enumerable.Range(0, 10).SelectMany(i => new[] { s_right with { Id = $"r{i}" }, s_wrong with { Id = $"w{i}" } }).ToList();
        var (none, e0, r0) = TargetedRows.Augment(rows, 0, 0, seed: 1);
        Assert.Equal(rows, none);
        Assert.Equal((0, 0), (e0, r0));

        var (all, edits, rewrites) = TargetedRows.Augment(rows, 1.0, 1.0, seed: 1);
        Assert.Equal(rows, all.Take(rows.Count));
        Assert.Equal(20, edits);                        // every row has an answer to edit
        Assert.Equal(10, rewrites);                     // every correct row, and only those
        Assert.Equal(50, all.Count);
        Assert.Equal(10, all.Skip(20).Take(20).Count(r => r.Label));     // edits of wrong rows are correct …
        Assert.All(all.Skip(40), r => Assert.False(r.Label));             // … rewrites never
        Assert.All(all.Skip(20), r => Assert.Equal(r.Label, MathVerifier.Score(r.Completion, r.Reference)));

        var (half, halfEdits, halfRewrites) = TargetedRows.Augment(rows, 0.5, 0.3, seed: 1);
        Assert.Equal((10, 3), (halfEdits, halfRewrites));
        Assert.Equal(half, TargetedRows.Augment(rows, 0.5, 0.3, seed: 1).Rows);
        Assert.NotEqual(half.Skip(20).Select(r => r.Id), TargetedRows.Augment(rows, 0.5, 0.3, seed: 2).Rows.Skip(20).Select(r => r.Id));
        Assert.Throws<ArgumentException>(() => TargetedRows.Augment(rows, 1.5, 0, seed: 1));
    }
}

public class AnswerRowsTests
{
    [Fact]
    public void Each_numeric_reference_gets_balanced_one_line_pairs_that_the_verifier_confirms()
    {
        var rows = new List<LabelledExample>
        {
            new("q1", "41", "… \\boxed{41}", true),
            new("q1", "41", "… \\boxed{43}", false),          // same reference: counted once
            new("q2", "1200", "… \\boxed{1200}", true),
            new("q3", "x+1", "… \\boxed{x+1}", true),          // not a number: no wrong neighbour to draw, skipped
        };
        var answerRows = TargetedRows.AnswerRows(rows, perReference: 3, seed: 1);
        Assert.Equal(12, answerRows.Count);                    // 2 references × 3 pairs × 2
        Assert.Equal(6, answerRows.Count(r => r.Label));
        Assert.All(answerRows, r =>
        {
            Assert.Equal("", r.Question);
            Assert.Matches(@"^The answer is \\boxed\{-?[0-9.]+\}\.$", r.Completion);
            Assert.Equal(r.Label, MathVerifier.Score(r.Completion, r.Reference));
        });
        Assert.Contains(answerRows, r => r is { Reference: "41", Label: true, Completion: "The answer is \\boxed{41}." });
        Assert.Equal(answerRows, TargetedRows.AnswerRows(rows, 3, seed: 1));
        Assert.Empty(TargetedRows.AnswerRows(rows, 0, seed: 1));
    }
}
