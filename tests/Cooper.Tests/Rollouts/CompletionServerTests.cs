using System.Text.Json.Nodes;
using Cooper.Configuration;
using Cooper.Generation;
using Cooper.RL;
using Cooper.Rollouts;

namespace Cooper.Tests.Rollouts;

public class CompletionServerTests
{
    // A vLLM /v1/completions reply for 2 prompts × n 2 with logprobs and return_tokens_as_token_ids, written by hand;
    // the choices arrive out of order, as they may from a server that finishes them in any order.
    private const string VllmReply = """
    {"id":"cmpl-1","object":"text_completion","created":1,"model":"policy","choices":[
      {"index":1,"text":"b","logprobs":{"tokens":["token_id:7","token_id:2"],"token_logprobs":[-0.5,-0.25],"top_logprobs":null,"text_offset":[0,1]},"finish_reason":"stop","stop_reason":null},
      {"index":0,"text":"a","logprobs":{"tokens":["token_id:5"],"token_logprobs":[-1.0],"top_logprobs":null,"text_offset":[0]},"finish_reason":"length","stop_reason":null},
      {"index":3,"text":"","logprobs":{"tokens":["token_id:2"],"token_logprobs":[-0.125],"top_logprobs":null,"text_offset":[0]},"finish_reason":"stop","stop_reason":null},
      {"index":2,"text":"cd","logprobs":{"tokens":["token_id:9","token_id:11","token_id:2"],"token_logprobs":[-2.0,-3.0,-0.5],"top_logprobs":null,"text_offset":[0,1,2]},"finish_reason":"stop","stop_reason":null}
    ],"usage":{"prompt_tokens":6,"completion_tokens":7,"total_tokens":13}}
    """;

    [Fact]
    public void A_vllm_reply_becomes_prompt_major_samples_with_the_served_ids_and_logprobs()
    {
        var samples = CompletionServer.ParseChoices(JsonNode.Parse(VllmReply)!, prompts: 2, n: 2);
        Assert.Equal([(0, 0), (0, 1), (1, 0), (1, 1)], samples.Select(s => (s.PromptIndex, s.SampleIndex)));
        Assert.Equal([5], samples[0].TokenIds);
        Assert.Equal([7, 2], samples[1].TokenIds);
        Assert.Equal([9, 11, 2], samples[2].TokenIds);
        Assert.Equal([-2.0f, -3.0f, -0.5f], samples[2].LogProbs);
        Assert.Equal(FinishReason.Length, samples[0].FinishReason);
        Assert.Equal(FinishReason.Stop, samples[3].FinishReason);
        Assert.Equal("cd", samples[2].Text);
    }

    [Fact]
    public void Token_ids_are_taken_from_token_ids_when_the_server_sends_them()
    {
        var reply = JsonNode.Parse("""
            {"choices":[{"index":0,"text":"x","token_ids":[4,3],"logprobs":{"tokens":["x","<eos>"],"token_logprobs":[-1.5,-0.5]},"finish_reason":"stop"}]}
            """)!;
        var s = Assert.Single(CompletionServer.ParseChoices(reply, 1, 1));
        Assert.Equal([4, 3], s.TokenIds);
        Assert.Equal([-1.5f, -0.5f], s.LogProbs);
    }

    [Theory]
    [InlineData("""{"choices":[]}""", "0 choices for 1 prompts × n 1")]
    [InlineData("""{"choices":[{"index":0,"text":"x","finish_reason":"stop"}]}""", "choices[0].logprobs is missing")]
    [InlineData("""{"choices":[{"index":0,"text":"x","logprobs":{"tokens":["x"],"token_logprobs":[-1]},"finish_reason":"stop"}]}""", "choices[0].logprobs.tokens[0] is not 'token_id:N'")]
    [InlineData("""{"choices":[{"index":0,"text":"x","logprobs":{"tokens":["token_id:1","token_id:2"],"token_logprobs":[-1]},"finish_reason":"stop"}]}""", "2 token ids but 1 log-probs")]
    [InlineData("""{"choices":[{"index":0,"text":"x","logprobs":{"tokens":["token_id:1"],"token_logprobs":[-1]},"finish_reason":"abort"}]}""", "finish_reason 'abort'")]
    [InlineData("""{"choices":[{"index":4,"text":"x","logprobs":{"tokens":["token_id:1"],"token_logprobs":[-1]},"finish_reason":"stop"}]}""", "index 4 is out of range")]
    public void A_malformed_reply_is_refused_naming_what_is_wrong(string json, string message)
    {
        var e = Assert.Throws<FormatException>(() => CompletionServer.ParseChoices(JsonNode.Parse(json)!, 1, 1));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void The_request_sends_token_id_prompts_and_asks_for_the_sampled_ids_and_logprobs()
    {
        var p = new SamplingParams { Temperature = 1, TopP = 0.9, MaxNewTokens = 50, N = 4, StopTokenIds = [2, 3], Seed = 17 };
        var body = CompletionServer.RequestBody([[1, 2, 3], [4]], p, "policy");
        Assert.Equal("[[1,2,3],[4]]", body["prompt"]!.ToJsonString());
        Assert.Equal(4, body["n"]!.GetValue<int>());
        Assert.Equal(0.9, body["top_p"]!.GetValue<double>());
        Assert.Equal(50, body["max_tokens"]!.GetValue<int>());
        Assert.Equal(17L, body["seed"]!.GetValue<long>());
        Assert.Equal("[2,3]", body["stop_token_ids"]!.ToJsonString());
        Assert.True(body["return_tokens_as_token_ids"]!.GetValue<bool>());
        Assert.True(body["logprobs"]!.GetValue<int>() >= 0);
        Assert.Equal("policy", body["model"]!.GetValue<string>());
        Assert.Null(body["top_k"]);   // off: not sent
        Assert.Null(CompletionServer.RequestBody([[1]], p, "")["model"]);
    }

    [Theory]
    [InlineData("rollout.backend=endpoint", "rollout.urls: empty")]
    [InlineData("rollout.urls=[localhost:8000]", "rollout.urls[0]: 'localhost:8000' is not an absolute http(s) URL")]
    [InlineData("rollout.urls=[http://127.0.0.1:1,http://127.0.0.1:1]", "listed twice")]
    [InlineData("rollout.requests_per_server=0", "rollout.requests_per_server must be ≥ 1")]
    [InlineData("rollout.prompts_per_request=-1", "rollout.prompts_per_request must be ≥ 0")]
    [InlineData("rollout.timeout_seconds=0", "rollout.timeout_seconds must be > 0")]
    [InlineData("rollout.api_key_env=sk-123", "NAME of an environment variable")]
    public void Bad_rollout_settings_are_rejected_with_what_to_change(string assignment, string message)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<TrainConfig>(null, [assignment]));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Base_urls_drop_a_trailing_v1()
    {
        var cfg = new RolloutConfig { Urls = ["http://127.0.0.1:8001/v1", "http://127.0.0.1:8002/", "http://h:9"] };
        Assert.Equal(["http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://h:9"], cfg.BaseUrls());
    }
}
