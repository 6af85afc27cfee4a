using System.Diagnostics;
using Cooper.Endpoints;

namespace Cooper.Tests.Endpoints;

public class LlmClientFailureTests
{
    [Fact]
    public async Task A_reply_slower_than_the_timeout_is_a_counted_timeout_failure_after_retries()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Completion("late") with { DelayMs = 5_000 });
        using var client = new LlmClient(Fixture.Config(server) with { TimeoutSeconds = 0.2, MaxRetries = 1 });

        var clock = Stopwatch.StartNew();
        var result = await client.CompleteAsync(Fixture.Question());

        Assert.False(result.Ok);
        Assert.Equal(EndpointFailure.Timeout, result.Failure);
        Assert.Equal(2, result.Attempts);
        Assert.InRange(clock.ElapsedMilliseconds, 380, 3_000); // two 200 ms attempts, not the 5 s reply
        var s = client.Counters.Snapshot();
        Assert.Equal((1, 2, 1, 1, 0L), (s.Requests, s.Attempts, s.Timeouts, s.Retries, s.Successes));
    }

    [Fact]
    public async Task A_500_is_retried_and_the_following_success_is_counted()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Error(500, "overloaded"), FakeReply.Completion("4"));
        var logs = new List<string>();
        using var client = new LlmClient(Fixture.Config(server), logs.Add);

        var result = await client.CompleteAsync(Fixture.Question());

        Assert.True(result.Ok);
        Assert.Equal(("4", 2, 200), (result.Text, result.Attempts, result.StatusCode));
        var s = client.Counters.Snapshot();
        Assert.Equal((1, 2, 1, 1, 0L), (s.Requests, s.Attempts, s.Successes, s.Retries, s.Failures));
        Assert.Contains(logs, l => l.Contains("HTTP 500") && l.Contains("retrying"));
    }

    [Fact]
    public async Task Persistent_5xx_fails_after_max_retries_as_http_5xx()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Error(503));
        using var client = new LlmClient(Fixture.Config(server) with { MaxRetries = 2 });

        var result = await client.CompleteAsync(Fixture.Question());

        Assert.Equal((EndpointFailure.Http5xx, 503, 3), (result.Failure, result.StatusCode, result.Attempts));
        Assert.Equal(3, server.RequestCount);
        var s = client.Counters.Snapshot();
        Assert.Equal((1, 2L), (s.Http5xx, s.Retries));
    }

    [Fact]
    public async Task A_429_waits_for_its_Retry_After_then_succeeds()
    {
        await using var server = FakeOpenAiServer.Scripted(
            FakeReply.Error(429, "slow down") with { Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } },
            FakeReply.Completion("ok"));
        using var client = new LlmClient(Fixture.Config(server)); // own backoff would be ~10 ms

        var clock = Stopwatch.StartNew();
        var result = await client.CompleteAsync(Fixture.Question());

        Assert.True(result.Ok);
        Assert.InRange(clock.ElapsedMilliseconds, 950, 5_000);
        var s = client.Counters.Snapshot();
        Assert.Equal((1, 1, 0L), (s.Successes, s.Retries, s.Http429));
    }

    [Fact]
    public async Task A_429_that_persists_is_counted_as_http_429()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Error(429));
        using var client = new LlmClient(Fixture.Config(server) with { MaxRetries = 1 });

        var result = await client.CompleteAsync(Fixture.Question());

        Assert.Equal(EndpointFailure.Http429, result.Failure);
        Assert.Equal(1, client.Counters.Snapshot().Http429);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    public async Task A_4xx_other_than_429_is_not_retried(int status)
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Error(status, "bad request"), FakeReply.Completion("never"));
        using var client = new LlmClient(Fixture.Config(server));

        var result = await client.CompleteAsync(Fixture.Question());

        Assert.Equal((EndpointFailure.Http4xx, status, 1), (result.Failure, result.StatusCode, result.Attempts));
        Assert.Contains("bad request", result.Error);
        Assert.Equal(1, server.RequestCount);
        var s = client.Counters.Snapshot();
        Assert.Equal((1, 0L), (s.Http4xx, s.Retries));
    }

    [Theory]
    [InlineData("This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (1000 in the messages, 4000 in the completion). Please reduce the length of the messages or completion.")]
    [InlineData("'max_tokens' or 'max_completion_tokens' is too large: 4000. This model's maximum context length is 4096 tokens and your request has 1000 input tokens (4000 > 4096 - 1000).")]
    [InlineData("Requested token count exceeds the model's maximum context length of 4096 tokens. You requested a total of 5000 tokens: 1000 tokens from the input messages and 4000 tokens for the completion. Please reduce the number of tokens in the input messages or the completion to fit within the limit.")]
    public async Task A_context_length_400_is_sent_once_more_asking_for_what_the_context_has_left(string message)
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Error(400, message), FakeReply.Completion("fits"));
        using var client = new LlmClient(Fixture.Config(server) with { MaxRetries = 0, MaxTokens = 8192 });

        var result = await client.CompleteAsync(Fixture.Question(), new ChatRequestOptions { MaxTokens = 4000 });

        Assert.Equal(("fits", 2), (result.Text, result.Attempts));
        Assert.Equal([4000, 4096 - 1000], server.Requests.Select(r => (int)r.Json["max_tokens"]!));
        var s = client.Counters.Snapshot();
        Assert.Equal((2, 1, 1, 0L), (s.Attempts, s.Retries, s.Successes, s.Failures));
    }

    [Fact]
    public async Task A_server_that_refuses_the_fitted_request_too_is_not_asked_a_third_time()
    {
        const string tooLong = "This model's maximum context length is 640 tokens. However, you requested 651 tokens (141 in the messages, 510 in the completion).";
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Error(400, tooLong));
        using var client = new LlmClient(Fixture.Config(server));

        var result = await client.CompleteAsync(Fixture.Question(), new ChatRequestOptions { MaxTokens = 510 });

        Assert.Equal((EndpointFailure.Http4xx, 2), (result.Failure, result.Attempts));
        Assert.Equal([510, 640 - 141], server.Requests.Select(r => (int)r.Json["max_tokens"]!));
    }

    [Theory]
    [InlineData("{\"choices\": [{\"message\": {\"content\": \"cut off")]
    [InlineData("<html>Bad Gateway</html>")]
    [InlineData("{\"object\": \"chat.completion\"}")]
    [InlineData("{\"choices\": [{\"index\": 0}]}")]
    [InlineData("{\"choices\": [{\"message\": {\"content\": 42}}]}")]
    [InlineData("[1, 2, 3]")]
    public async Task A_malformed_200_body_is_a_counted_failure_and_not_retried(string body)
    {
        await using var server = FakeOpenAiServer.Scripted(new FakeReply { Body = body });
        using var client = new LlmClient(Fixture.Config(server));

        var result = await client.CompleteAsync(Fixture.Question());

        Assert.Equal((EndpointFailure.Malformed, 1), (result.Failure, result.Attempts));
        Assert.Null(result.Text);
        Assert.Equal(1, client.Counters.Snapshot().Malformed);
    }

    [Fact]
    public async Task Fewer_choices_than_n_is_malformed()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Completion("only one"));
        using var client = new LlmClient(Fixture.Config(server));

        var result = await client.CompleteAsync(Fixture.Question(), new ChatRequestOptions { N = 2 });

        Assert.Equal(EndpointFailure.Malformed, result.Failure);
        Assert.Contains("n=2", result.Error);
    }

    [Fact]
    public async Task A_null_content_is_an_empty_answer_not_a_failure()
    {
        await using var server = FakeOpenAiServer.Scripted(new FakeReply { Body = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null}}]}" });
        using var client = new LlmClient(Fixture.Config(server));

        var result = await client.CompleteAsync(Fixture.Question());

        Assert.True(result.Ok);
        Assert.Equal("", result.Text);
    }

    [Fact]
    public async Task A_dropped_connection_is_a_network_error_and_is_retried()
    {
        await using var server = FakeOpenAiServer.Scripted(new FakeReply { DropConnection = true }, FakeReply.Completion("back"));
        using var client = new LlmClient(Fixture.Config(server));

        var result = await client.CompleteAsync(Fixture.Question());

        Assert.True(result.Ok);
        Assert.Equal((1, 1L), (client.Counters.Snapshot().Retries, client.Counters.Snapshot().Successes));
    }

    [Fact]
    public async Task Nobody_listening_is_a_network_failure_not_an_exception()
    {
        string baseUrl;
        await using (var gone = FakeOpenAiServer.Scripted(FakeReply.Completion("x"))) baseUrl = gone.BaseUrl;
        using var client = new LlmClient(new EndpointConfig
        {
            BaseUrl = baseUrl, Model = "m", ApiKeyEnv = null, MaxRetries = 1, InitialBackoffMs = 10, TimeoutSeconds = 5,
        });

        var result = await client.CompleteAsync(Fixture.Question());

        Assert.Equal((EndpointFailure.Network, 2), (result.Failure, result.Attempts));
        Assert.Equal(1, client.Counters.Snapshot().Network);
    }

    [Fact]
    public async Task Failures_are_not_cached()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Error(400), FakeReply.Completion("ok"));
        using var client = new LlmClient(Fixture.Config(server));

        var first = await client.CompleteAsync(Fixture.Question());
        var second = await client.CompleteAsync(Fixture.Question());

        Assert.False(first.Ok);
        Assert.True(second.Ok);
        Assert.False(second.FromCache);
    }

    [Fact]
    public async Task Metrics_are_namespaced_under_the_prefix()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Error(429), FakeReply.Completion("ok"));
        using var client = new LlmClient(Fixture.Config(server));
        await client.CompleteAsync(Fixture.Question());

        var metrics = client.Counters.Snapshot().ToMetrics("judge_endpoint");

        Assert.Equal(1, metrics["judge_endpoint/retries"]);
        Assert.Equal(0, metrics["judge_endpoint/failures/http_429"]);
        Assert.Equal(1, metrics["judge_endpoint/successes"]);
    }
}
