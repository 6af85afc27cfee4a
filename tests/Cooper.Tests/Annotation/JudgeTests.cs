using Cooper.Annotation.Judges;
using Cooper.Endpoints;
using Cooper.Tests.Endpoints;

namespace Cooper.Tests.Annotation;

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

public class LlmJudgeTests
{
    [Fact]
    public async Task Verdicts_come_from_the_endpoint_and_a_reply_without_one_is_no_label()
    {
        await using var server = new FakeOpenAiServer(r => ((string)r.Json["messages"]![0]!["content"]!) switch
        {
            var c when c.Contains("ANSWER-A") => FakeReply.Completion("Both are 4.\n**Final Judgment:** Yes"),
            var c when c.Contains("ANSWER-B") => FakeReply.Completion("5 is not 4.\nFinal Judgment: No."),
            var c when c.Contains("ANSWER-C") => FakeReply.Completion("I think they are the same."),
            _ => FakeReply.Error(400, "unexpected"),
        });
        var logs = new List<string>();
        using var client = new LlmClient(Fixture.Config(server));
        var judge = new LlmJudge(client, logs.Add);

        Assert.True(await judge.JudgeAsync("2+2?", "4", "ANSWER-A: 4"));
        Assert.False(await judge.JudgeAsync("2+2?", "4", "ANSWER-B: 5"));
        Assert.Null(await judge.JudgeAsync("2+2?", "4", "ANSWER-C: four"));
        Assert.Null(await judge.JudgeAsync("2+2?", "4", "ANSWER-D"));

        var s = judge.Snapshot();
        Assert.Equal((4, 1, 1, 1, 1L), (s.Judged, s.Yes, s.No, s.NoVerdict, s.EndpointFailures));
        Assert.Equal(1, s.ToMetrics()["judge/no_verdict"]);
        Assert.Single(logs, l => l.Contains("no label"));
        var json = server.Requests[0].Json;
        Assert.Equal(0.0, (double)json["temperature"]!);
    }
}
