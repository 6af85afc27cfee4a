using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.Serving;
using Cooper.Tokenizers;

namespace Cooper.Tests.Serving;

/// <summary>
/// SGLang's <c>/update_weights_from_disk</c> and <c>/get_model_info</c>, each test on its own server (not the shared
/// collection's), since a reload changes what the server answers.
/// </summary>
public class WeightReloadTests
{
    private static readonly int[] s_prompt = ServedTinyModel.Tokenizer().Encode("Q: 4+5?\nA: ");

    /// <summary>A greedy 16-token request: the weights alone decide its tokens and their log-probs.</summary>
    private static JsonObject GreedyRequest() => new()
    {
        ["prompt"] = new JsonArray(s_prompt.Select(i => (JsonNode?)i).ToArray()),
        ["temperature"] = 0,
        ["max_tokens"] = 16,
        ["ignore_eos"] = true,
        ["seed"] = 1,
        ["logprobs"] = 0,
        ["return_token_ids"] = true,
    };

    /// <summary>What the model saved in <paramref name="dir"/> gives for <see cref="GreedyRequest"/>, in this process.</summary>
    private static Greedy GreedyInProcess(string dir)
    {
        using var model = CausalLM.FromPretrained(dir);
        var sampling = new SamplingParams { Temperature = 0, MaxNewTokens = 16, IgnoreEos = true, Seed = 1 };
        var sample = new RolloutEngine(model, TokenizerLoader.Load(dir)).Generate([s_prompt], sampling).Single();
        return new Greedy(string.Join(",", sample.TokenIds), string.Join(",", sample.LogProbs));
    }

    /// <summary>A greedy reply, token ids and log-probs each as one comparable string.</summary>
    private sealed record Greedy(string TokenIds, string LogProbs);

    [Fact]
    public async Task Reloading_a_checkpoint_of_the_same_shape_serves_its_weights_and_counts_a_version()
    {
        await using var s = await ReloadServer.StartAsync();
        var before = await s.GreedyAsync();
        var expected = GreedyInProcess(s.Other);
        Assert.Equal(GreedyInProcess(s.Served), before);
        Assert.NotEqual(expected.LogProbs, before.LogProbs);   // two seeds, two models: the reload must show

        var info = await s.ModelInfoAsync();
        Assert.Equal((s.Served, 0, "served"), (info["model_path"]!.GetValue<string>(), info["weights_version"]!.GetValue<int>(), info["served_model_name"]!.GetValue<string>()));

        var (status, reply) = await s.ReloadAsync(new JsonObject { ["model_path"] = s.Other, ["load_format"] = "auto" });

        Assert.Equal(200, status);
        Assert.True(reply["success"]!.GetValue<bool>());
        Assert.Equal("Succeeded to update model weights.", reply["message"]!.GetValue<string>());
        Assert.Equal(0, reply["num_paused_requests"]!.GetValue<int>());
        Assert.Equal(expected, await s.GreedyAsync());
        info = await s.ModelInfoAsync();
        Assert.Equal((s.Other, 1), (info["model_path"]!.GetValue<string>(), info["weights_version"]!.GetValue<int>()));
        Assert.Equal((s.Other, 1), (s.Server.ModelPath, s.Server.WeightsVersion));
        Assert.Contains(s.Log, line => line.StartsWith("POST /update_weights_from_disk 200 weights_version=1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_folder_another_architecture_or_mismatched_weights_are_refused_and_the_weights_stay()
    {
        await using var s = await ReloadServer.StartAsync();
        var before = await s.GreedyAsync();
        string missing = Path.Combine(s.Root, "no-such-folder");
        // The served config.json over the wider model's safetensors: refused on the first header, before any copy.
        string mixed = Path.Combine(s.Root, "mixed");
        Directory.CreateDirectory(mixed);
        File.Copy(Path.Combine(s.Served, "config.json"), Path.Combine(mixed, "config.json"));
        File.Copy(Path.Combine(s.Wider, HfCheckpoint.SingleFile), Path.Combine(mixed, HfCheckpoint.SingleFile));

        foreach (var (path, why) in new[] { (missing, "does not exist"), (s.Wider, "hidden_size: 64 (this: 32)"), (mixed, "shape") })
        {
            var (status, reply) = await s.ReloadAsync(new JsonObject { ["model_path"] = path });

            Assert.Equal(400, status);
            Assert.False(reply["success"]!.GetValue<bool>());
            var message = reply["message"]!.GetValue<string>();
            Assert.Contains(path, message);
            Assert.Contains(why, message);
        }
        var (noPathStatus, noPath) = await s.ReloadAsync(new JsonObject { ["load_format"] = "auto" });
        Assert.Equal((400, false), (noPathStatus, noPath["success"]!.GetValue<bool>()));
        Assert.Contains("model_path", noPath["message"]!.GetValue<string>());

        Assert.Equal(before, await s.GreedyAsync());
        Assert.Equal((s.Served, 0), (s.Server.ModelPath, s.Server.WeightsVersion));
    }

    [Fact]
    public void The_architecture_check_names_each_field_that_differs_and_ignores_ids_and_dtype()
    {
        var config = TinyModels.CausalLM();

        var same = config.ArchitectureDifferences(config with { Dtype = "bfloat16", PadTokenId = 3, EosTokenIds = [1], InitializerRange = 0.5 });
        var other = config.ArchitectureDifferences(config with { HiddenSize = 64, Rope = config.Rope with { Theta = 10.0 } });

        Assert.Empty(same);
        Assert.Equal(3, other.Count);
        Assert.Equal("hidden_size: 64 (this: 32)", other[0]);
        Assert.Equal("head_dim: 16 (this: 8)", other[1]);
        Assert.StartsWith("rope: ", other[2]);
    }

    /// <summary>
    /// A server on the tiny model (seed <see cref="ServedTinyModel.Seed"/>) with two more folders beside it: the same
    /// config from another seed, and a model with hidden size 64.
    /// </summary>
    private sealed class ReloadServer : IAsyncDisposable
    {
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

        public string Root { get; } = Path.Combine(Path.GetTempPath(), "cooper-reload-test-" + Guid.NewGuid().ToString("N"));
        public string Served => Path.Combine(Root, "served");
        public string Other => Path.Combine(Root, "other-seed");
        public string Wider => Path.Combine(Root, "wider");
        public ModelServer Server { get; private set; } = null!;
        public ConcurrentQueue<string> Log { get; } = new();

        public static async Task<ReloadServer> StartAsync()
        {
            var s = new ReloadServer();
            ServedTinyModel.SaveModel(s.Served, ServedTinyModel.Seed);
            ServedTinyModel.SaveModel(s.Other, seed: 77);
            ServedTinyModel.SaveModel(s.Wider, ServedTinyModel.Seed, c => c with { HiddenSize = 64, IntermediateSize = 128 });
            s.Server = await ModelServer.StartAsync(new ServeOptions { ModelDir = s.Served, Port = 0, Log = s.Log.Enqueue });
            s._http.BaseAddress = new Uri(s.Server.Url);
            return s;
        }

        public async Task<Greedy> GreedyAsync()
        {
            var (status, reply) = await ServedTinyModel.PostAsync(_http, "/v1/completions", GreedyRequest().ToJsonString());
            Assert.True(status == 200, reply.ToJsonString());
            var choice = reply["choices"]![0]!;
            return new Greedy(
                string.Join(",", choice["token_ids"]!.AsArray().Select(x => x!.GetValue<int>())),
                string.Join(",", choice["logprobs"]!["token_logprobs"]!.AsArray().Select(x => (float)x!.GetValue<double>())));
        }

        public Task<(int Status, JsonObject Json)> ReloadAsync(JsonObject body) =>
            ServedTinyModel.PostAsync(_http, "/update_weights_from_disk", body.ToJsonString());

        public async Task<JsonObject> ModelInfoAsync() => (await _http.GetFromJsonAsync<JsonObject>("/get_model_info"))!;

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            if (Server is not null) await Server.DisposeAsync();
            try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        }
    }
}
