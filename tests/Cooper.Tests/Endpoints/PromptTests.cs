using Cooper.Endpoints;

namespace Cooper.Tests.Endpoints;

public class JudgePromptTests
{
    [Theory]
    [InlineData("The answers match.\nFinal Judgment: Yes", true)]
    [InlineData("Final Judgment: No", false)]
    [InlineData("final judgment: YES.", true)]
    [InlineData("**Final Judgment:** Yes", true)]
    [InlineData("**Final Judgment: No**", false)]
    [InlineData("Final Judgment: **Yes**!", true)]
    [InlineData("Final Judgement - no", false)]
    [InlineData("I must end with \"Final Judgment: Yes\" or \"Final Judgment: No\".\nThey differ.\nFinal Judgment: No", false)]
    [InlineData("Final Judgment: No\nWait, 1/2 equals 0.5.\nFinal Judgment: Yes", true)]
    [InlineData("Answer with Final Judgment: Yes/No. The result 7 matches.", null)]
    [InlineData("The answer is correct.", null)]
    [InlineData("Final Judgment: Maybe", null)]
    [InlineData("Final Judgment: Yesterday", null)]
    [InlineData("", null)]
    public void The_last_final_judgment_decides_and_none_means_no_label(string reply, bool? expected)
    {
        Assert.Equal(expected, JudgePrompt.ParseJudgment(reply));
    }

    [Fact]
    public void The_judge_message_holds_the_question_the_reference_and_the_completion()
    {
        var messages = JudgePrompt.Build("What is 1/2 as a decimal? {reference}", " 0.5 ", "So it is \\boxed{1/2}.");

        var message = Assert.Single(messages);
        Assert.Equal("user", message.Role);
        Assert.Contains("What is 1/2 as a decimal? {reference}", message.Content); // slot-like text is left alone
        Assert.Contains("Reference answer:\n0.5\n", message.Content);
        Assert.Contains("So it is \\boxed{1/2}.", message.Content);
        Assert.Contains("Final Judgment: Yes", message.Content);
        Assert.Contains("final result", message.Content);
        Assert.DoesNotContain("{completion}", message.Content);
    }

    [Fact]
    public void The_judge_samples_greedily_once()
    {
        Assert.Equal((1, 0.0), (JudgePrompt.RequestOptions.N, JudgePrompt.RequestOptions.Temperature));
    }
}

public class NegativeRewritePromptTests
{
    [Fact]
    public void The_request_asks_for_a_wrong_solution_of_similar_length_at_temperature_0_7()
    {
        const string positive = "We add 2 and 2.\nSo the answer is \\boxed{4}.";

        var request = NegativeRewritePrompt.Build("What is 2+2?", positive);

        Assert.Equal(["system", "user"], request.Messages.Select(m => m.Role));
        Assert.Contains("similar length", request.Messages[0].Content);
        Assert.Contains("wrong final result", request.Messages[0].Content);
        Assert.Contains("What is 2+2?", request.Messages[1].Content);
        Assert.Contains(positive, request.Messages[1].Content);
        Assert.Contains("Output only the solving process and the final answer.", request.Messages[1].Content);
        Assert.Equal(0.7, request.Options.Temperature);
        Assert.Equal(10 + 500, request.Options.MaxTokens); // 10 whitespace-separated words + 500
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("one", 1)]
    [InlineData("  two\twords\n", 2)]
    public void Word_count_splits_on_any_whitespace(string text, int expected)
    {
        Assert.Equal(expected, NegativeRewritePrompt.WordCount(text));
    }
}
