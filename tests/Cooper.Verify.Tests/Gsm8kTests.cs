namespace Cooper.Verify.Tests;

/// <summary>GSM8K test (1,319 items, MIT): each solution text verifies against its own answer and not another item's.</summary>
public class Gsm8kTests
{
    [Fact]
    public void Every_item_accepts_its_own_answer_and_rejects_a_different_items_answer()
    {
        var items = TestData.Gsm8k;
        Assert.Equal(1319, items.Count);
        var failures = new List<string>();
        for (int i = 0; i < items.Count; i++)
        {
            var own = MathVerifier.Verify(items[i].Answer, items[i].Solution);
            if (!own.IsEquivalent) failures.Add($"item {i} rejects its answer {items[i].Answer}: {own.Reason}");
            int j = (i + 1) % items.Count;
            while (Normalize(items[j].Answer) == Normalize(items[i].Answer)) j = (j + 1) % items.Count;
            var other = MathVerifier.Verify(items[j].Answer, items[i].Solution);
            if (other.IsEquivalent) failures.Add($"item {i} accepts item {j}'s answer {items[j].Answer}: {other.Reason}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    private static string Normalize(string answer) => answer.Replace(",", "");

    [Fact]
    public void Score_is_the_reward_on_gsm8k_style_completions()
    {
        var item = TestData.Gsm8k[0];
        Assert.True(MathVerifier.Score(item.Solution, item.Answer));
        Assert.True(MathVerifier.Score("Adding up, she earns $18.\nThe answer is 18.", item.Answer));
        Assert.True(MathVerifier.Score("so the total is \\boxed{18} dollars", item.Answer));
        Assert.False(MathVerifier.Score("so the total is \\boxed{19} dollars", item.Answer));
        Assert.False(MathVerifier.Score("", item.Answer));
    }
}
