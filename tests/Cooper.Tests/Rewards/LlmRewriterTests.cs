using Cooper.Endpoints;
using Cooper.Rewards.Negatives;
using Cooper.Tests.Endpoints;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Rewards;

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

public class LlmRewriterTests
{
    private const string Positive = "2 + 2 = 4, so the answer is \\boxed{4}.";

    [Fact]
    public async Task A_rewrite_is_returned_trimmed_with_the_papers_settings_and_a_seed_per_attempt()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Completion("  2 + 2 = 5, so the answer is \\boxed{5}.\n"));
        using var client = new LlmClient(Fixture.Config(server));
        var rewriter = new LlmRewriter(client);

        var negative = await rewriter.WriteAsync("What is 2+2?", Positive, attempt: 1, seed: 41);

        Assert.Equal("2 + 2 = 5, so the answer is \\boxed{5}.", negative);
        var json = Assert.Single(server.Requests).Json;
        Assert.Equal((0.7, 10 + 500, 42), ((double)json["temperature"]!, (int)json["max_tokens"]!, (int)json["seed"]!));
        Assert.Equal(1, rewriter.ToMetrics()["rewriter/rewritten"]);
    }

    [Fact]
    public async Task Failures_empty_replies_and_unchanged_copies_give_null()
    {
        await using var server = new FakeOpenAiServer(r => ((string)r.Json["messages"]![1]!["content"]!) switch
        {
            var c when c.Contains("Q1") => FakeReply.Error(400),
            var c when c.Contains("Q2") => FakeReply.Completion("   "),
            _ => FakeReply.Completion(Positive),
        });
        using var client = new LlmClient(Fixture.Config(server));
        var rewriter = new LlmRewriter(client);

        Assert.Null(await rewriter.WriteAsync("Q1", Positive, attempt: 0, seed: 1));
        Assert.Null(await rewriter.WriteAsync("Q2", Positive, attempt: 0, seed: 1));
        Assert.Null(await rewriter.WriteAsync("Q3", Positive, attempt: 0, seed: 1));

        var m = rewriter.ToMetrics();
        Assert.Equal((3, 0, 1, 2), (m["rewriter/requested"], m["rewriter/rewritten"], m["rewriter/endpoint_failures"], m["rewriter/unusable"]));
    }
}
