using System.Diagnostics;
using Cooper.Configuration;
using Cooper.Endpoints;

namespace Cooper.Tests.Endpoints;

internal static class Fixture
{
    /// <summary>A config for the fake server: no key, generous timeout, fast backoff.</summary>
    public static EndpointConfig Config(FakeOpenAiServer server) => new()
    {
        BaseUrl = server.BaseUrl,
        Model = "fake-model",
        ApiKeyEnv = null,
        TimeoutSeconds = 10,
        MaxRetries = 2,
        InitialBackoffMs = 10,
        MaxBackoffMs = 2_000,
    };

    public static IReadOnlyList<ChatMessage> Question(string q = "What is 2+2?") => [ChatMessage.User(q)];
}

public class LlmClientTests
{
    [Fact]
    public async Task A_successful_reply_returns_its_text_and_counts_one_success()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Completion("4"));
        using var client = new LlmClient(Fixture.Config(server));

        var result = await client.CompleteAsync(Fixture.Question());

        Assert.True(result.Ok);
        Assert.Equal("4", result.Text);
        Assert.Equal(1, result.Attempts);
        var s = client.Counters.Snapshot();
        Assert.Equal((1, 1, 1, 0, 0L), (s.Requests, s.Attempts, s.Successes, s.Failures, s.Retries));
        Assert.Equal((7, 5), (s.PromptTokens, s.CompletionTokens));
    }

    [Fact]
    public async Task The_request_is_an_openai_chat_completion_with_every_sampling_option()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Completion("a", "b", "c"));
        using var client = new LlmClient(Fixture.Config(server) with { BaseUrl = server.BaseUrl + "/" });
        var opts = new ChatRequestOptions { N = 3, Temperature = 0.7, TopP = 0.9, MaxTokens = 123, Stop = ["</s>", "\n\n"], Seed = 5 };

        var result = await client.CompleteAsync([ChatMessage.System("be brief"), ChatMessage.User("hi é ∑")], opts);

        Assert.Equal(["a", "b", "c"], result.Texts); // sorted by choice index, whatever the server's order
        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/v1/chat/completions"), (request.Method, request.Path));
        Assert.Null(request.Header("Authorization"));
        var json = request.Json;
        Assert.Equal("fake-model", (string)json["model"]!);
        Assert.Equal("system", (string)json["messages"]![0]!["role"]!);
        Assert.Equal("hi é ∑", (string)json["messages"]![1]!["content"]!);
        Assert.Equal(3, (int)json["n"]!);
        Assert.Equal(0.7, (double)json["temperature"]!);
        Assert.Equal(0.9, (double)json["top_p"]!);
        Assert.Equal(123, (int)json["max_tokens"]!);
        Assert.Equal(["</s>", "\n\n"], json["stop"]!.AsArray().Select(x => (string)x!));
        Assert.Equal(5, (int)json["seed"]!);
        Assert.False((bool)json["stream"]!);
    }

    [Fact]
    public async Task Unset_options_fall_back_to_the_config_defaults()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Completion("ok"));
        using var client = new LlmClient(Fixture.Config(server) with { Temperature = 0.3, TopP = 0.8, MaxTokens = 77 });

        await client.CompleteAsync(Fixture.Question());

        var json = Assert.Single(server.Requests).Json;
        Assert.Equal((1, 0.3, 0.8, 77), ((int)json["n"]!, (double)json["temperature"]!, (double)json["top_p"]!, (int)json["max_tokens"]!));
        Assert.Null(json["stop"]);
        Assert.Null(json["seed"]);
    }

    [Fact]
    public async Task The_configured_max_tokens_caps_a_request_that_asks_for_more()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Completion("ok"));
        using var client = new LlmClient(Fixture.Config(server) with { MaxTokens = 64, UseCache = false });

        await client.CompleteAsync(Fixture.Question(), new ChatRequestOptions { MaxTokens = 510 });
        await client.CompleteAsync(Fixture.Question(), new ChatRequestOptions { MaxTokens = 10 });

        Assert.Equal([64, 10], server.Requests.Select(r => (int)r.Json["max_tokens"]!));
    }

    [Fact]
    public async Task A_repeated_request_is_answered_from_the_cache_and_the_server_sees_it_once()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Completion("4"));
        using var client = new LlmClient(Fixture.Config(server));

        var first = await client.CompleteAsync(Fixture.Question());
        var second = await client.CompleteAsync(Fixture.Question());

        Assert.Equal(1, server.RequestCount);
        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal("4", second.Text);
        var s = client.Counters.Snapshot();
        Assert.Equal((2, 1, 1, 1L), (s.Requests, s.Attempts, s.Successes, s.CacheHits));
    }

    [Fact]
    public async Task Changing_any_option_or_message_misses_the_cache()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Completion("x"));
        using var client = new LlmClient(Fixture.Config(server));

        await client.CompleteAsync(Fixture.Question());
        await client.CompleteAsync(Fixture.Question(), new ChatRequestOptions { Temperature = 0.5 });
        await client.CompleteAsync(Fixture.Question(), new ChatRequestOptions { Seed = 1 });
        await client.CompleteAsync(Fixture.Question("What is 3+3?"));

        Assert.Equal(4, server.RequestCount);
        Assert.Equal(0, client.Counters.Snapshot().CacheHits);
    }

    [Fact]
    public async Task The_disk_cache_lets_a_new_client_answer_without_the_server()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-endpoint-cache-").FullName;
        try
        {
            await using var server = FakeOpenAiServer.Scripted(FakeReply.Completion("4"));
            using (var first = new LlmClient(Fixture.Config(server) with { CacheDir = dir }))
                await first.CompleteAsync(Fixture.Question());
            // A torn line from a crash mid-write must not break loading.
            File.AppendAllText(Path.Combine(dir, "chat-cache.jsonl"), "{\"key\":\"abc\",\"tex");

            using var second = new LlmClient(Fixture.Config(server) with { CacheDir = dir });
            var result = await second.CompleteAsync(Fixture.Question());

            Assert.True(result.FromCache);
            Assert.Equal("4", result.Text);
            Assert.Equal(1, server.RequestCount);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public async Task Requests_in_flight_never_exceed_the_concurrency_limit()
    {
        const int limit = 3;
        await using var server = new FakeOpenAiServer(r => FakeReply.Completion("ok") with { DelayMs = 100 });
        using var client = new LlmClient(Fixture.Config(server) with { MaxConcurrency = limit, UseCache = false });

        var results = await Task.WhenAll(Enumerable.Range(0, 3 * limit)
            .Select(i => client.CompleteAsync(Fixture.Question($"q{i}"))));

        Assert.All(results, r => Assert.True(r.Ok));
        Assert.Equal(3 * limit, server.RequestCount);
        Assert.InRange(server.MaxInFlight, 2, limit); // 2 or more: the limit is not just "one at a time"
    }

    [Fact]
    public async Task The_api_key_is_sent_as_a_bearer_token_and_appears_nowhere_else()
    {
        string envName = $"COOPER_TEST_KEY_{Guid.NewGuid():N}";
        string key = $"sk-test-{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(envName, key);
        var dir = Directory.CreateTempSubdirectory("cooper-endpoint-key-").FullName;
        try
        {
            // Like OpenAI, the server echoes the key in a 401 body; then a 500 whose body the 200-character
            // error snippet cuts in the middle of the key; then the retry succeeds.
            await using var server = FakeOpenAiServer.Scripted(
                FakeReply.Error(401, $"Incorrect API key provided: {key}"),
                FakeReply.Error(500, new string('x', 170) + key),
                FakeReply.Completion("fine"));
            var logs = new List<string>();
            var config = Fixture.Config(server) with { ApiKeyEnv = envName, CacheDir = dir };
            using var client = new LlmClient(config, line => { lock (logs) logs.Add(line); });

            var unauthorised = await client.CompleteAsync(Fixture.Question("a"));
            var retried = await client.CompleteAsync(Fixture.Question("b"));

            Assert.True(client.HasApiKey);
            Assert.Equal(EndpointFailure.Http4xx, unauthorised.Failure);
            Assert.True(retried.Ok);
            Assert.All(server.Requests, r => Assert.Equal($"Bearer {key}", r.Header("Authorization")));
            var everything = new List<string>(logs)
            {
                unauthorised.Error!, unauthorised.ToString(), retried.ToString(), client.ToString(), config.ToString(),
                client.Counters.Snapshot().ToString(), ConfigLoader.ToYaml(config),
            };
            everything.AddRange(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(File.ReadAllText));
            Assert.Contains(everything, s => s.Contains("Incorrect API key provided: ***"));
            Assert.DoesNotContain(everything, s => s.Contains(key) || s.Contains(key[..12]));
        }
        finally
        {
            Environment.SetEnvironmentVariable(envName, null);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Cancelling_the_caller_token_throws_and_counts_no_failure()
    {
        await using var server = FakeOpenAiServer.Scripted(FakeReply.Completion("late") with { DelayMs = 5_000 });
        using var client = new LlmClient(Fixture.Config(server));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.CompleteAsync(Fixture.Question(), ct: cts.Token));

        Assert.True(clock.ElapsedMilliseconds < 3_000, $"took {clock.ElapsedMilliseconds} ms");
        Assert.Equal(0, client.Counters.Snapshot().Failures);
    }

    [Fact]
    public async Task Invalid_options_are_argument_errors_not_endpoint_failures()
    {
        using var client = new LlmClient(new EndpointConfig { Model = "m", ApiKeyEnv = null });

        await Assert.ThrowsAsync<ArgumentException>(() => client.CompleteAsync(Fixture.Question(), new ChatRequestOptions { N = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.CompleteAsync([]));
        Assert.Equal(0, client.Counters.Snapshot().Requests);
    }
}
