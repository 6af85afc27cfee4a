using Cooper.Annotation;
using Cooper.Data.Embedded;
using Cooper.Rewards;
using Cooper.Verify;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Rewards;

public class ReferenceSwapTests
{
    private static readonly LabelledExample s_right = new("What is 3*12?", "36", "Cost: 3*12=36.\nThe answer is \\boxed{36}.", true) { Id = "a#0" };
    private static readonly LabelledExample s_wrong = new("What is 3*12?", "36", "Cost: 3*12=38.\nThe answer is \\boxed{38}.", false) { Id = "a#1" };
    private static readonly LabelledExample s_noAnswer = new("What is 3*12?", "36", "no idea", false);

    [Fact]
    public void A_correct_row_gets_a_wrong_reference_and_label_false()
    {
        for (ulong seed = 0; seed < 20; seed++)
        {
            var copy = ReferenceSwap.Swap(s_right, new SplitMix64(seed))!;
            Assert.NotNull(copy);
            Assert.False(copy.Label);
            Assert.NotEqual("36", copy.Reference);
            Assert.Equal(s_right.Question, copy.Question);
            Assert.Equal(s_right.Completion, copy.Completion);
            Assert.False(MathVerifier.Score(copy.Completion, copy.Reference));   // the verifier agrees: wrong now
            Assert.Equal("a#0~swap", copy.Id);
        }
    }

    [Fact]
    public void A_wrong_row_gets_its_own_answer_as_the_reference_and_label_true()
    {
        var copy = ReferenceSwap.Swap(s_wrong, new SplitMix64(1))!;
        Assert.Equal("38", copy.Reference);
        Assert.True(copy.Label);
        var annotated = ReferenceSwap.Swap(s_wrong with { RuleLabel = false, JudgeLabel = false }, new SplitMix64(1))!;
        Assert.Equal((true, (bool?)true, (bool?)null), (annotated.Label, annotated.RuleLabel, annotated.JudgeLabel));
        Assert.Equal(s_wrong.Completion, copy.Completion);
    }

    [Fact]
    public void A_row_without_a_final_answer_is_not_swapped()
    {
        Assert.Null(ReferenceSwap.Swap(s_noAnswer, new SplitMix64(1)));
        Assert.Null(ReferenceSwap.Swap(s_right with { Reference = "a dog" }, new SplitMix64(1)));   // no number to make wrong
    }

    [Fact]
    public void Augment_appends_swapped_copies_of_the_chosen_share_deterministically()
    {
        var rows = Enumerable.Range(0, 10).SelectMany(i => new[] { s_right with { Id = $"r{i}" }, s_wrong with { Id = $"w{i}" }, s_noAnswer }).ToList();
        Assert.Equal(rows, ReferenceSwap.Augment(rows, 0, seed: 1));
        var all = ReferenceSwap.Augment(rows, 1.0, seed: 1);
        Assert.Equal(rows, all.Take(rows.Count));                       // originals first, unchanged
        Assert.Equal(20, all.Count - rows.Count);                        // every swappable row once; "no idea" never
        Assert.Equal(10, all.Skip(rows.Count).Count(r => r.Label));       // wrong rows became correct …
        Assert.Equal(10, all.Skip(rows.Count).Count(r => !r.Label));      // … and correct rows wrong
        var half = ReferenceSwap.Augment(rows, 0.5, seed: 1);
        // 15 of the 30 rows are chosen; the "no idea" ones among them add nothing.
        int chosenSwappable = half.Count - rows.Count;
        Assert.InRange(chosenSwappable, 1, 15);
        Assert.Equal(half, ReferenceSwap.Augment(rows, 0.5, seed: 1));
        Assert.NotEqual(half.Select(r => r.Id), ReferenceSwap.Augment(rows, 0.5, seed: 2).Select(r => r.Id));
        Assert.Throws<ArgumentException>(() => ReferenceSwap.Augment(rows, 1.5, seed: 1));
    }
}
