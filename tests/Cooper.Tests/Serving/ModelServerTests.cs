using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cooper.Data;
using Cooper.Serving;

namespace Cooper.Tests.Serving;

/// <summary>The server over raw HTTP: OpenAI's response shape, the sampling fields, and the errors.</summary>
[Collection(ServedTinyModelCollection.Name)]
public class ModelServerTests(ServedTinyModel served)
{
    private static JsonObject With(JsonObject request, params (string Key, JsonNode? Value)[] fields)
    {
        foreach (var (k, v) in fields) request[k] = v;
        return request;
    }

    private static string Content(JsonObject reply, int choice = 0) => reply["choices"]![choice]!["message"]!["content"]!.GetValue<string>();
    private static string Finish(JsonObject reply, int choice = 0) => reply["choices"]![choice]!["finish_reason"]!.GetValue<string>();
    private static int Usage(JsonObject reply, string key) => reply["usage"]![key]!.GetValue<int>();

    [Fact]
    public void The_server_binds_loopback_only_on_the_port_the_OS_picked()
    {
        var uri = new Uri(served.Server.Url);
        Assert.Equal("127.0.0.1", uri.Host);
        Assert.True(uri.Port > 0);
    }

    [Fact]
    public async Task Starting_on_a_taken_port_fails_with_the_bind_error()
    {
        var taken = new ServeOptions { ModelDir = served.ModelDir, Port = new Uri(served.Server.Url).Port };
        var e = await Assert.ThrowsAsync<IOException>(() => ModelServer.StartAsync(taken));
        Assert.Contains("address", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Models_lists_the_folder_name()
    {
        var models = await served.Http.GetFromJsonAsync<JsonObject>("/v1/models");
        Assert.Equal("list", models!["object"]!.GetValue<string>());
        var only = Assert.Single(models["data"]!.AsArray());
        Assert.Equal(ServedTinyModel.Name, only!["id"]!.GetValue<string>());
        Assert.Equal("model", only["object"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_completion_with_n_2_has_the_OpenAI_shape_and_counts_the_plain_prompt()
    {
        var (status, reply) = await served.ChatAsync(With(ServedTinyModel.Question("what is 2+2?"), ("n", 2), ("max_tokens", 8), ("seed", 1)));

        Assert.Equal(200, status);
        Assert.StartsWith("chatcmpl-", reply["id"]!.GetValue<string>());
        Assert.Equal("chat.completion", reply["object"]!.GetValue<string>());
        Assert.True(reply["created"]!.GetValue<long>() > 1_700_000_000);
        Assert.Equal(ServedTinyModel.Name, reply["model"]!.GetValue<string>());
        var choices = reply["choices"]!.AsArray();
        Assert.Equal([0, 1], choices.Select(c => c!["index"]!.GetValue<int>()));
        foreach (var c in choices)
        {
            Assert.Equal("assistant", c!["message"]!["role"]!.GetValue<string>());
            Assert.Contains(c["finish_reason"]!.GetValue<string>(), new[] { "stop", "length" });
        }
        // A char tokenizer gives one token per character of "Q: {question}\nA: ".
        Assert.Equal(ChatPrompt.ForCharModel("what is 2+2?").Length, Usage(reply, "prompt_tokens"));
        Assert.InRange(Usage(reply, "completion_tokens"), 2, 2 * 8);
        Assert.Equal(Usage(reply, "prompt_tokens") + Usage(reply, "completion_tokens"), Usage(reply, "total_tokens"));
    }

    [Fact]
    public async Task Max_tokens_bounds_the_reply_and_a_reply_cut_there_finishes_with_length()
    {
        var (_, exact) = await served.ChatAsync(With(ServedTinyModel.Question(), ("max_tokens", 5), ("ignore_eos", true), ("seed", 2)));
        Assert.Equal(5, Usage(exact, "completion_tokens"));
        Assert.Equal("length", Finish(exact));

        for (int seed = 0; seed < 4; seed++)
        {
            var (_, reply) = await served.ChatAsync(With(ServedTinyModel.Question(), ("max_tokens", 3), ("seed", seed)));
            int used = Usage(reply, "completion_tokens");
            Assert.InRange(used, 1, 3);
            if (Finish(reply) == "length") Assert.Equal(3, used);
        }
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_reply_and_another_seed_another()
    {
        JsonObject Request(long seed) => With(ServedTinyModel.Question(), ("max_tokens", 24), ("ignore_eos", true), ("temperature", 1.0), ("seed", seed));

        var (_, first) = await served.ChatAsync(Request(42));
        var (_, again) = await served.ChatAsync(Request(42));
        var (_, other) = await served.ChatAsync(Request(43));

        Assert.Equal(Content(first), Content(again));
        Assert.NotEqual(Content(first), Content(other));
    }

    [Fact]
    public async Task A_stop_string_cuts_the_reply_before_it_and_finishes_with_stop()
    {
        JsonObject Request() => With(ServedTinyModel.Question(), ("max_tokens", 30), ("ignore_eos", true), ("seed", 7));
        var (_, free) = await served.ChatAsync(Request());
        string full = Content(free);
        Assert.True(full.Length >= 10, $"the unstopped reply is too short to test with: '{full}'");
        string stop = full[(full.Length / 2)..(full.Length / 2 + 1)];

        var (status, stopped) = await served.ChatAsync(With(Request(), ("stop", stop)));

        Assert.Equal(200, status);
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], Content(stopped));
        Assert.Equal("stop", Finish(stopped));
        Assert.True(Usage(stopped, "completion_tokens") < 30);
    }

    [Fact]
    public async Task Concurrent_requests_queue_for_the_model_and_all_succeed()
    {
        var replies = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            served.ChatAsync(With(ServedTinyModel.Question(), ("max_tokens", 6), ("seed", i)))));
        Assert.All(replies, r => Assert.Equal(200, r.Status));
    }

    [Theory]
    [InlineData("{not json", 400, null)]
    [InlineData("[1, 2]", 400, null)]
    [InlineData("""{"model": "tiny-char"}""", 400, "messages")]
    [InlineData("""{"messages": [{"role": "tool", "content": "x"}]}""", 400, "messages[0].role")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "temperature": "hot"}""", 400, "temperature")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "stream": true}""", 400, "stream")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "n": 1000}""", 400, "n")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 100000}""", 400, "messages")]
    [InlineData("""{"messages": [{"role": "system", "content": "no user turn"}]}""", 400, "messages")]
    [InlineData("""{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}""", 404, "model")]
    public async Task Bad_requests_get_an_OpenAI_style_error(string body, int expectedStatus, string? param)
    {
        var (status, reply) = await served.PostRawAsync(body);

        Assert.Equal(expectedStatus, status);
        var error = reply["error"]!;
        Assert.False(string.IsNullOrWhiteSpace(error["message"]!.GetValue<string>()));
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal(param, error["param"]?.GetValue<string>());
    }

    [Fact]
    public async Task Each_request_leaves_one_log_line()
    {
        await served.ChatAsync(With(ServedTinyModel.Question(), ("max_tokens", 2), ("seed", 99)));
        Assert.Contains(served.Log, line => line.StartsWith("POST /v1/chat/completions 200 n=1", StringComparison.Ordinal));
    }
}
