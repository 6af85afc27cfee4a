using System.Text.Json.Nodes;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.Serving;
using Cooper.Tokenizers;

namespace Cooper.Tests.Serving;

/// <summary>
/// <c>/v1/completions</c> over raw HTTP, checked against the in-process <see cref="RolloutEngine"/> on the same
/// folder: one request is one engine call, so a seeded request returns what the engine returns.
/// </summary>
[Collection(ServedTinyModelCollection.Name)]
public class CompletionsEndpointTests(ServedTinyModel served)
{
    private static readonly CharTokenizer s_tokenizer = ServedTinyModel.Tokenizer();

    private static int[] Encode(string text) => s_tokenizer.Encode(text);

    private static JsonArray Ids(IEnumerable<int> ids) => new(ids.Select(i => (JsonNode?)i).ToArray());

    private static JsonObject Request(JsonNode prompt, params (string Key, JsonNode? Value)[] fields)
    {
        var request = new JsonObject { ["model"] = ServedTinyModel.Name, ["prompt"] = prompt };
        foreach (var (k, v) in fields) request[k] = v;
        return request;
    }

    private static List<JsonObject> Choices(JsonObject reply) => reply["choices"]!.AsArray().Select(c => c!.AsObject()).ToList();
    private static int[] IntArray(JsonNode? node) => node!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
    private static string[] StringArray(JsonNode? node) => node!.AsArray().Select(x => x!.GetValue<string>()).ToArray();
    private static float[] FloatArray(JsonNode? node) => node!.AsArray().Select(x => (float)x!.GetValue<double>()).ToArray();
    private static int Usage(JsonObject reply, string key) => reply["usage"]![key]!.GetValue<int>();

    /// <summary>What the engine gives in this process for <paramref name="prompts"/>, on a fresh load of the served folder.</summary>
    private IReadOnlyList<RolloutSample> InProcess(IReadOnlyList<int[]> prompts, SamplingParams sampling)
    {
        using var model = CausalLM.FromPretrained(served.ModelDir);
        var tokenizer = TokenizerLoader.Load(served.ModelDir);
        return new RolloutEngine(model, tokenizer).Generate(prompts, sampling);
    }

    private async Task<JsonObject> OkAsync(JsonObject request)
    {
        var (status, reply) = await served.CompleteAsync(request);
        Assert.True(status == 200, reply.ToJsonString());
        return reply;
    }

    [Fact]
    public async Task A_seeded_request_of_two_token_id_prompts_with_n_3_equals_the_in_process_engine()
    {
        int[][] prompts = [Encode("Q: 1+2?\nA: "), Encode("Q: what is 7*3?\nA: ")];
        var sampling = new SamplingParams { Temperature = 0.8, TopP = 0.95, TopK = 30, MaxNewTokens = 12, N = 3, Seed = 11 };
        var expected = InProcess(prompts, sampling);

        var reply = await OkAsync(Request(new JsonArray(Ids(prompts[0]), Ids(prompts[1])),
            ("n", 3), ("temperature", 0.8), ("top_p", 0.95), ("top_k", 30), ("max_tokens", 12), ("seed", 11),
            ("logprobs", 0), ("return_token_ids", true)));

        Assert.StartsWith("cmpl-", reply["id"]!.GetValue<string>());
        Assert.Equal("text_completion", reply["object"]!.GetValue<string>());
        Assert.Equal(ServedTinyModel.Name, reply["model"]!.GetValue<string>());
        var choices = Choices(reply);
        Assert.Equal(6, choices.Count);
        for (int i = 0; i < 6; i++)
        {
            var (want, got) = (expected[i], choices[i]);
            Assert.Equal((i / 3, i % 3), (want.PromptIndex, want.SampleIndex));
            Assert.Equal(i, got["index"]!.GetValue<int>());
            Assert.Equal(want.TokenIds, IntArray(got["token_ids"]));
            Assert.Equal(prompts[i / 3], IntArray(got["prompt_token_ids"]));
            Assert.Equal(want.LogProbs, FloatArray(got["logprobs"]!["token_logprobs"]));
            Assert.Equal(want.Text, got["text"]!.GetValue<string>());
            Assert.Equal(want.FinishReason == FinishReason.Stop ? "stop" : "length", got["finish_reason"]!.GetValue<string>());
            Assert.Null(got["stop_reason"]);
        }
        // Six samples of a random model at T = 0.8 do not all coincide: the comparison above is not of constants.
        Assert.True(expected.Select(s => string.Join(",", s.TokenIds)).Distinct().Count() > 1);
    }

    [Fact]
    public async Task A_string_prompt_is_encoded_as_raw_text_and_gives_what_its_token_ids_give()
    {
        const string Text = "Q: 2+2?\nA: ";
        JsonObject Ask(JsonNode prompt) => Request(prompt, ("n", 2), ("max_tokens", 10), ("seed", 5), ("return_token_ids", true));

        var fromText = await OkAsync(Ask(Text));
        var fromIds = await OkAsync(Ask(Ids(Encode(Text))));

        Assert.Equal(Encode(Text).Length, Usage(fromText, "prompt_tokens"));
        var (a, b) = (Choices(fromText), Choices(fromIds));
        Assert.Equal(2, a.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(Encode(Text), IntArray(a[i]["prompt_token_ids"]));   // no chat template, no BOS
            Assert.Equal(IntArray(b[i]["token_ids"]), IntArray(a[i]["token_ids"]));
            Assert.Equal(b[i]["text"]!.GetValue<string>(), a[i]["text"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Choices_are_prompt_major_with_index_prompt_times_n_plus_sample()
    {
        string[] texts = ["1+1=", "Q: 9-4?\nA: ", "abc"];

        var reply = await OkAsync(Request(new JsonArray(texts.Select(t => (JsonNode?)t).ToArray()),
            ("n", 2), ("max_tokens", 4), ("seed", 3), ("return_token_ids", true)));

        var choices = Choices(reply);
        Assert.Equal([0, 1, 2, 3, 4, 5], choices.Select(c => c["index"]!.GetValue<int>()));
        for (int i = 0; i < 6; i++) Assert.Equal(Encode(texts[i / 2]), IntArray(choices[i]["prompt_token_ids"]));
    }

    [Fact]
    public async Task Return_tokens_as_token_ids_writes_token_id_N_with_a_one_entry_top_logprob_per_token()
    {
        var reply = await OkAsync(Request(Ids(Encode("Q: 3*3?\nA: ")),
            ("max_tokens", 10), ("ignore_eos", true), ("seed", 8), ("logprobs", 2), ("return_tokens_as_token_ids", true), ("return_token_ids", true)));

        var choice = Choices(reply).Single();
        var ids = IntArray(choice["token_ids"]);
        var logprobs = choice["logprobs"]!;
        Assert.Equal(10, ids.Length);
        Assert.Equal(ids.Select(id => $"token_id:{id}"), StringArray(logprobs["tokens"]));
        var tokenLogprobs = logprobs["token_logprobs"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
        Assert.All(tokenLogprobs, lp => Assert.InRange(lp, -100.0, 0.0));
        var top = logprobs["top_logprobs"]!.AsArray();
        Assert.Equal(10, top.Count);
        for (int i = 0; i < 10; i++)
        {
            var entry = Assert.Single(top[i]!.AsObject());
            Assert.Equal($"token_id:{ids[i]}", entry.Key);
            Assert.Equal(tokenLogprobs[i], entry.Value!.GetValue<double>());
        }
    }

    [Fact]
    public async Task Logprobs_0_gives_the_decoded_tokens_and_their_offsets_without_top_logprobs()
    {
        var reply = await OkAsync(Request("Q: 5+1?\nA: ",
            ("max_tokens", 12), ("ignore_eos", true), ("seed", 4), ("logprobs", 0), ("return_token_ids", true)));

        var choice = Choices(reply).Single();
        var ids = IntArray(choice["token_ids"]);
        var logprobs = choice["logprobs"]!;
        var tokens = StringArray(logprobs["tokens"]);
        Assert.Equal(ids.Select(id => s_tokenizer.Decode([id])), tokens);
        Assert.Equal(tokens.Select((_, i) => tokens.Take(i).Sum(t => t.Length)), IntArray(logprobs["text_offset"]));
        Assert.Null(logprobs["top_logprobs"]);
        Assert.Equal(12, logprobs["token_logprobs"]!.AsArray().Count);

        var (_, without) = await served.CompleteAsync(Request("Q: 5+1?\nA: ", ("max_tokens", 2), ("seed", 4)));
        Assert.Null(Choices(without).Single()["logprobs"]);
    }

    [Fact]
    public async Task A_stop_token_id_ends_the_sample_on_that_id_which_is_its_last_token()
    {
        JsonObject Ask(params (string, JsonNode?)[] more) =>
            Request(Ids(Encode("Q: 8/2?\nA: ")), [("max_tokens", 24), ("ignore_eos", true), ("seed", 21), ("return_token_ids", true), .. more]);
        var free = IntArray(Choices(await OkAsync(Ask())).Single()["token_ids"]);
        // The first token that appears at position ≥ 2 and not before it: stopping on it cuts the sample right there.
        int at = Enumerable.Range(2, free.Length - 2).First(k => !free[..k].Contains(free[k]));
        int stop = free[at];

        var stopped = Choices(await OkAsync(Ask(("stop_token_ids", new JsonArray(stop))))).Single();

        var ids = IntArray(stopped["token_ids"]);
        Assert.Equal(free[..(at + 1)], ids);
        Assert.Equal(stop, ids[^1]);
        Assert.Equal("stop", stopped["finish_reason"]!.GetValue<string>());
        Assert.Equal(s_tokenizer.Decode(ids[..^1], skipSpecialTokens: true), stopped["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Skip_special_tokens_false_keeps_the_special_tokens_in_the_text()
    {
        JsonObject Ask(bool skip) => Request("Q: 7+7?\nA: ",
            ("n", 4), ("max_tokens", 60), ("ignore_eos", true), ("seed", 17), ("return_token_ids", true), ("skip_special_tokens", skip));

        var kept = Choices(await OkAsync(Ask(false)));
        var skipped = Choices(await OkAsync(Ask(true)));

        var specials = s_tokenizer.SpecialTokens.Values.ToHashSet();
        Assert.Contains(kept, c => IntArray(c["token_ids"]).Any(specials.Contains));   // else the test shows nothing
        for (int i = 0; i < 4; i++)
        {
            var ids = IntArray(kept[i]["token_ids"]);
            Assert.Equal(ids, IntArray(skipped[i]["token_ids"]));
            Assert.Equal(s_tokenizer.Decode(ids, skipSpecialTokens: false), kept[i]["text"]!.GetValue<string>());
            Assert.Equal(s_tokenizer.Decode(ids, skipSpecialTokens: true), skipped[i]["text"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Max_tokens_gives_exactly_that_many_tokens_finishing_with_length_and_usage_counts_them()
    {
        int[][] prompts = [Encode("Q: 6+6?\nA: "), Encode("12=")];

        var reply = await OkAsync(Request(new JsonArray(Ids(prompts[0]), Ids(prompts[1])),
            ("n", 2), ("max_tokens", 7), ("ignore_eos", true), ("seed", 13), ("return_token_ids", true)));

        var choices = Choices(reply);
        Assert.Equal(4, choices.Count);
        Assert.All(choices, c =>
        {
            Assert.Equal(7, IntArray(c["token_ids"]).Length);
            Assert.Equal("length", c["finish_reason"]!.GetValue<string>());
        });
        Assert.Equal(prompts[0].Length + prompts[1].Length, Usage(reply, "prompt_tokens"));   // each prompt once, not once per sample
        Assert.Equal(4 * 7, Usage(reply, "completion_tokens"));
        Assert.Equal(prompts[0].Length + prompts[1].Length + 28, Usage(reply, "total_tokens"));
    }

    [Theory]
    [InlineData("""{"prompt": ""}""", "prompt")]
    [InlineData("""{"prompt": []}""", "prompt")]
    [InlineData("""{"max_tokens": 4}""", "prompt")]
    [InlineData("""{"prompt": [[1, 2], []]}""", "prompt[1]")]
    [InlineData("""{"prompt": [1, 2, 99999]}""", "prompt[2]")]
    [InlineData("""{"prompt": [1, -1]}""", "prompt[1]")]
    [InlineData("""{"prompt": [[1], [2, 99999]]}""", "prompt[1][1]")]
    [InlineData("""{"prompt": [1, "a"]}""", "prompt[1]")]
    [InlineData("""{"prompt": "hi", "stream": true}""", "stream")]
    [InlineData("""{"prompt": "hi", "echo": true}""", "echo")]
    [InlineData("""{"prompt": "hi", "n": 2, "best_of": 3}""", "best_of")]
    [InlineData("""{"prompt": "hi", "suffix": "x"}""", "suffix")]
    [InlineData("""{"prompt": "hi", "logprobs": -1}""", "logprobs")]
    [InlineData("""{"prompt": "hi", "stop_token_ids": 3}""", "stop_token_ids")]
    [InlineData("""{"prompt": "hi", "n": 17}""", "n")]
    [InlineData("""{"prompt": "hi", "max_tokens": 100000}""", "prompt")]
    public async Task A_bad_completion_request_gets_a_400_naming_the_field(string body, string param)
    {
        var (status, reply) = await ServedTinyModel.PostAsync(served.Http, "/v1/completions", body);

        Assert.Equal(400, status);
        var error = reply["error"]!;
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal(param, error["param"]?.GetValue<string>());
        if (param.Contains('[')) Assert.Contains(param, error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_prompt_too_long_for_the_context_is_refused_in_the_chat_wording_naming_it()
    {
        var tooLong = Enumerable.Repeat(Encode("1")[0], ServedTinyModel.Context).ToArray();

        var (status, reply) = await served.CompleteAsync(Request(new JsonArray(Ids(Encode("1+1=")), Ids(tooLong)), ("max_tokens", 4)));

        Assert.Equal(400, status);
        Assert.Equal("prompt[1]", reply["error"]!["param"]!.GetValue<string>());
        Assert.Equal(
            $"This model's maximum context length is {ServedTinyModel.Context} tokens. However, you requested {ServedTinyModel.Context + 4} tokens " +
            $"({ServedTinyModel.Context} in the messages, 4 in the completion). Please reduce the length of the messages or completion.",
            reply["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task More_rows_than_MaxBatchRows_are_refused()
    {
        int prompts = new ServeOptions().MaxBatchRows / 16 + 1;   // × n = 16 rows each

        var (status, reply) = await served.CompleteAsync(Request(new JsonArray(Enumerable.Range(0, prompts).Select(_ => (JsonNode?)"1+1=").ToArray()), ("n", 16)));

        Assert.Equal(400, status);
        Assert.Equal("prompt", reply["error"]!["param"]!.GetValue<string>());
        Assert.Contains($"{prompts * 16} rows", reply["error"]!["message"]!.GetValue<string>());
        Assert.Contains("--max-batch-rows", reply["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_model_name_gets_404()
    {
        var request = Request("hi");
        request["model"] = "gpt-3.5-turbo-instruct";

        var (status, reply) = await served.CompleteAsync(request);

        Assert.Equal(404, status);
        Assert.Equal("model", reply["error"]!["param"]!.GetValue<string>());
        Assert.Equal("model_not_found", reply["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Each_completion_request_leaves_one_log_line()
    {
        await OkAsync(Request(new JsonArray("1+", "2+"), ("n", 2), ("max_tokens", 2), ("seed", 98)));

        // The line is written once the reply is sent, so it may trail the reply by a moment.
        bool Logged() => served.Log.Any(line => line.StartsWith("POST /v1/completions 200 prompts=2 n=2 tokens=4+", StringComparison.Ordinal));
        for (int i = 0; i < 100 && !Logged(); i++) await Task.Delay(20);
        Assert.True(Logged(), string.Join("\n", served.Log));
    }

    [Fact]
    public void A_completion_request_reads_the_vLLM_fields()
    {
        var r = CompletionRequest.Parse("""
            {"model": "m", "prompt": [[1, 2], "text"], "n": 2, "best_of": 2, "temperature": 0, "top_k": -1, "max_tokens": 7,
             "stop": "x", "stop_token_ids": [5, 6], "ignore_eos": true, "seed": 9, "logprobs": 1, "return_tokens_as_token_ids": true,
             "return_token_ids": true, "skip_special_tokens": false, "echo": false, "suffix": null, "presence_penalty": 0.5}
            """);

        Assert.Equal(["prompt[0]", "prompt[1]"], r.Prompts.Select(p => p.Field));
        Assert.Equal([1, 2], r.Prompts[0].TokenIds!);
        Assert.Equal("text", r.Prompts[1].Text);
        Assert.Equal(("m", 2, 0.0, (int?)null, 7, 9L), (r.Model, r.N, r.Temperature, r.TopK, r.MaxTokens, r.Seed));
        Assert.Equal(["x"], r.Stop);
        Assert.Equal([5, 6], r.StopTokenIds);
        Assert.Equal((true, 1, true, true, false), (r.IgnoreEos, r.Logprobs, r.ReturnTokensAsTokenIds, r.ReturnTokenIds, r.SkipSpecialTokens));
        var single = CompletionRequest.Parse("""{"prompt": [4, 5]}""");
        Assert.Equal("prompt", Assert.Single(single.Prompts).Field);
        Assert.Equal(((int?)null, false, true), (single.Logprobs, single.ReturnTokenIds, single.SkipSpecialTokens));
    }
}
