using System.Text.Json.Nodes;
using Cooper.Modeling;

namespace Cooper.Tests.Modeling;

public class ModelConfigTests
{
    [Fact]
    public void A_transformers_5_config_with_rope_parameters_is_read_and_written_back_in_the_same_layout()
    {
        var c = ModelConfig.Load(ModelFixtures.TinyQwen2);
        Assert.Equal("qwen2", c.ModelType);
        Assert.Equal(ConfigLayout.RopeParameters, c.Layout);
        Assert.Equal(1_000_000.0, c.Rope.Theta);
        Assert.Equal("default", c.Rope.RopeType);
        Assert.Equal((512, 64, 176, 3, 4, 2), (c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads));
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal(0, c.PadTokenId);
        Assert.Empty(c.EosTokenIds);

        var json = c.ToJson();
        Assert.Equal(1_000_000.0, json["rope_parameters"]!["rope_theta"]!.GetValue<double>());
        Assert.False(json.ContainsKey("rope_theta"));
        Assert.Equal("float32", json["dtype"]!.GetValue<string>());
        Assert.Null(json["eos_token_id"]);
    }

    [Fact]
    public void Unknown_keys_survive_a_load_save_round_trip()
    {
        using var dir = new TempDir();
        var original = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(ModelFixtures.TinyQwen2, "config.json")))!;
        original["my_custom_key"] = new JsonObject { ["nested"] = 3 };
        File.WriteAllText(Path.Combine(dir.Path, "config.json"), original.ToJsonString());

        ModelConfig.Load(dir.Path).Save(dir.Path);
        var saved = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "config.json")))!;
        Assert.Equal(3, saved["my_custom_key"]!["nested"]!.GetValue<int>());
        foreach (var key in new[] { "initializer_range", "max_window_layers", "use_cache", "transformers_version", "layer_types", "sliding_window", "attention_dropout" })
            Assert.True(saved.ContainsKey(key), $"{key} was dropped");
        // Every original key is still there with the same value.
        foreach (var (k, v) in original)
            Assert.True(JsonNode.DeepEquals(v, saved[k]), $"{k}: {v?.ToJsonString()} became {saved[k]?.ToJsonString()}");
    }

    [Fact]
    public void A_legacy_llama_3_config_with_rope_scaling_is_read_and_kept_in_the_legacy_layout()
    {
        var json = new JsonObject
        {
            ["model_type"] = "llama",
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["vocab_size"] = 128,
            ["hidden_size"] = 64,
            ["intermediate_size"] = 128,
            ["num_hidden_layers"] = 1,
            ["num_attention_heads"] = 4,
            ["num_key_value_heads"] = 1,
            ["rope_theta"] = 500000.0,
            ["rope_scaling"] = new JsonObject
            {
                ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0,
                ["original_max_position_embeddings"] = 8192,
            },
            ["eos_token_id"] = new JsonArray(128001, 128009),
            ["torch_dtype"] = "bfloat16",
            ["tie_word_embeddings"] = false,
            ["attention_bias"] = false,
        };
        var c = ModelConfig.FromJson(json).Validate();
        Assert.Equal(ConfigLayout.Legacy, c.Layout);
        Assert.Equal(new RopeSettings("llama3", 500000.0, 8.0, 1.0, 4.0, 8192), c.Rope);
        Assert.Equal([128001, 128009], c.EosTokenIds);
        Assert.Equal("bfloat16", c.Dtype);
        Assert.False(c.QkvBias);

        var back = c.ToJson();
        Assert.Equal(500000.0, back["rope_theta"]!.GetValue<double>());
        Assert.Equal("llama3", back["rope_scaling"]!["rope_type"]!.GetValue<string>());
        Assert.Equal(8192, back["rope_scaling"]!["original_max_position_embeddings"]!.GetValue<int>());
        Assert.Equal("bfloat16", back["torch_dtype"]!.GetValue<string>());
        Assert.IsType<JsonArray>(back["eos_token_id"]);
    }

    [Fact]
    public void Llama_3_rope_scaling_changes_the_model_output_rather_than_being_ignored()
    {
        var plain = TinyModels.CausalLM(modelType: "llama") with { Rope = new RopeSettings(Theta: 500000.0) };
        var scaled = plain with { Rope = new RopeSettings("llama3", 500000.0, 8.0, 1.0, 4.0, 32) };
        using var a = CausalLM.Create(plain, seed: 1);
        using var b = CausalLM.Create(scaled, seed: 1);
        using var scope = TorchSharp.torch.NewDisposeScope();
        var ids = TorchSharp.torch.arange(1, 41).reshape(1, 40);
        var diff = (a.forward(ids) - b.forward(ids)).abs().max().item<float>();
        Assert.True(diff > 1e-4, $"llama3 scaling had no effect ({diff})");
    }

    [Theory]
    [InlineData("use_sliding_window", "true", "sliding")]
    [InlineData("hidden_act", "\"gelu\"", "hidden_act")]
    [InlineData("model_type", "\"gpt2\"", "model_type")]
    [InlineData("rope_parameters", "{\"rope_type\": \"yarn\", \"rope_theta\": 10000.0, \"factor\": 4.0}", "yarn")]
    [InlineData("layer_types", "[\"sliding_attention\", \"full_attention\", \"full_attention\"]", "sliding_attention")]
    public void Unsupported_features_are_rejected_with_an_error_naming_them(string key, string value, string expected)
    {
        using var dir = new TempDir();
        var o = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(ModelFixtures.TinyQwen2, "config.json")))!;
        o[key] = JsonNode.Parse(value);
        File.WriteAllText(Path.Combine(dir.Path, "config.json"), o.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => ModelConfig.Load(dir.Path));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Grouped_query_heads_must_divide_the_query_heads()
    {
        var e = Assert.Throws<ArgumentException>(() => (TinyModels.CausalLM() with { NumKeyValueHeads = 3 }).Validate());
        Assert.Contains("num_key_value_heads (3)", e.Message);
    }
}
