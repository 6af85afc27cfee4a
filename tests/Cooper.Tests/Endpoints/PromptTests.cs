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
