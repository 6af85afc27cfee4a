using System.Text.Json.Nodes;
using Cooper.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Tests.Modeling;

public class CheckpointTests
{
    private static Tensor SampleIds() => torch.tensor(new long[] { 175, 196, 25, 502, 67, 211, 407, 103, 348, 1, 2, 3 }).reshape(2, 6);

    [Fact]
    public void A_saved_then_reloaded_model_gives_identical_logits()
    {
        using var dir = new TempDir();
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        lm.SavePretrained(dir.Path);
        using var again = CausalLM.FromPretrained(dir.Path);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = SampleIds();
        Assert.True(ModelFixtures.Same(lm.forward(ids), again.forward(ids)));
    }

    [Fact]
    public void The_saved_safetensors_header_has_the_hf_keys_shapes_dtypes_and_metadata()
    {
        using var dir = new TempDir();
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        lm.SavePretrained(dir.Path);

        var (theirs, _, _) = Safetensors.ReadHeader(Path.Combine(ModelFixtures.TinyQwen2, "model.safetensors"));
        var (ours, meta, _) = Safetensors.ReadHeader(Path.Combine(dir.Path, "model.safetensors"));
        Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
        Assert.DoesNotContain("lm_head.weight", ours.Keys);   // tied, as transformers saves it
        foreach (var (name, e) in theirs)
        {
            Assert.Equal(e.Shape, ours[name].Shape);
            Assert.Equal(e.Dtype, ours[name].Dtype);
        }
        Assert.Equal("pt", meta["format"]);

        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "config.json")))!;
        Assert.Equal("Qwen2ForCausalLM", config["architectures"]![0]!.GetValue<string>());
        Assert.Equal("float32", config["dtype"]!.GetValue<string>());
        Assert.Equal(64, config["hidden_size"]!.GetValue<int>());
    }

    [Fact]
    public void Saved_weights_are_byte_identical_to_the_loaded_ones()
    {
        using var dir = new TempDir();
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        lm.SavePretrained(dir.Path);
        var a = Safetensors.Load(Path.Combine(ModelFixtures.TinyQwen2, "model.safetensors"));
        var b = Safetensors.Load(Path.Combine(dir.Path, "model.safetensors"));
        try
        {
            foreach (var (k, t) in a) Assert.True(ModelFixtures.Same(t, b[k]), k);
        }
        finally
        {
            foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
        }
    }

    [Fact]
    public void Bfloat16_models_save_as_BF16_and_reload_with_the_same_weights()
    {
        using var dir = new TempDir();
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2, dtype: ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, lm.Dtype);
        lm.SavePretrained(dir.Path);
        var (entries, _, _) = Safetensors.ReadHeader(Path.Combine(dir.Path, "model.safetensors"));
        Assert.All(entries.Values, e => Assert.Equal("BF16", e.Dtype));
        Assert.Equal("bfloat16", ModelConfig.Load(dir.Path).Dtype);

        using var again = CausalLM.FromPretrained(dir.Path);
        Assert.Equal(ScalarType.BFloat16, again.Dtype);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = SampleIds();
        Assert.True(ModelFixtures.Same(lm.forward(ids), again.forward(ids)));
    }

    [Fact]
    public void Sharded_checkpoints_are_written_with_an_index_and_load_back()
    {
        using var dir = new TempDir();
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        lm.SavePretrained(dir.Path, maxShardBytes: 200_000);
        Assert.False(File.Exists(Path.Combine(dir.Path, "model.safetensors")));
        var index = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, HfCheckpoint.IndexFile)))!;
        var files = index["weight_map"]!.AsObject().Select(kv => kv.Value!.GetValue<string>()).Distinct().ToList();
        Assert.True(files.Count > 1);
        Assert.All(files, f => Assert.Matches(@"^model-\d{5}-of-\d{5}\.safetensors$", f));
        var (entries, _, _) = Safetensors.ReadHeader(Path.Combine(ModelFixtures.TinyQwen2, "model.safetensors"));
        Assert.Equal(entries.Values.Sum(e => e.End - e.Begin), index["metadata"]!["total_size"]!.GetValue<long>());

        using var again = CausalLM.FromPretrained(dir.Path);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = SampleIds();
        Assert.True(ModelFixtures.Same(lm.forward(ids), again.forward(ids)));
    }

    [Fact]
    public void Loading_is_strict_about_missing_keys_and_shapes()
    {
        using var dir = new TempDir();
        File.Copy(Path.Combine(ModelFixtures.TinyQwen2, "config.json"), Path.Combine(dir.Path, "config.json"));
        var tensors = Safetensors.Load(Path.Combine(ModelFixtures.TinyQwen2, "model.safetensors"));
        try
        {
            tensors.Remove("model.norm.weight", out var norm);
            norm!.Dispose();
            Safetensors.Save(Path.Combine(dir.Path, "model.safetensors"), tensors.Select(kv => (kv.Key, kv.Value)));
            var e = Assert.Throws<InvalidDataException>(() => CausalLM.FromPretrained(dir.Path));
            Assert.Contains("Missing 1: model.norm.weight", e.Message);

            tensors["model.norm.weight"] = torch.ones(32);
            Safetensors.Save(Path.Combine(dir.Path, "model.safetensors"), tensors.Select(kv => (kv.Key, kv.Value)));
            e = Assert.Throws<InvalidDataException>(() => CausalLM.FromPretrained(dir.Path));
            Assert.Contains("model.norm.weight", e.Message);
            Assert.Contains("[32]", e.Message);

            tensors["model.norm.weight"] = torch.ones(64);
            tensors["model.extra.weight"] = torch.ones(2);
            Safetensors.Save(Path.Combine(dir.Path, "model.safetensors"), tensors.Select(kv => (kv.Key, kv.Value)));
            e = Assert.Throws<InvalidDataException>(() => CausalLM.FromPretrained(dir.Path));
            Assert.Contains("Unexpected 1: model.extra.weight", e.Message);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [Fact]
    public void An_untied_llama_model_saves_lm_head_and_round_trips()
    {
        using var dir = new TempDir();
        using var lm = CausalLM.Create(TinyModels.CausalLM(modelType: "llama", tied: false), seed: 3);
        Assert.Contains(lm.named_parameters(), p => p.name == "lm_head.weight");
        lm.SavePretrained(dir.Path);
        Assert.Equal("LlamaForCausalLM", ModelConfig.Load(dir.Path).Architectures[0]);
        using var again = CausalLM.FromPretrained(dir.Path);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = torch.arange(1, 13).reshape(2, 6);
        Assert.True(ModelFixtures.Same(lm.forward(ids), again.forward(ids)));
    }

    [Fact]
    public void Tied_embeddings_are_one_parameter()
    {
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        Assert.DoesNotContain(lm.named_parameters(), p => p.name == "lm_head.weight");
        Assert.Same(lm.Backbone.EmbedWeight, lm.OutputWeight);
    }

    [Fact]
    public void Create_is_deterministic_for_a_seed_and_follows_hf_initialisation()
    {
        using var a = CausalLM.Create(TinyModels.CausalLM(), seed: 11);
        using var b = CausalLM.Create(TinyModels.CausalLM(), seed: 11);
        using var c = CausalLM.Create(TinyModels.CausalLM(), seed: 12);
        var pa = a.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var pb = b.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (k, t) in pa) Assert.True(ModelFixtures.Same(t, pb[k]), k);
        Assert.False(ModelFixtures.Same(pa["model.embed_tokens.weight"], c.Backbone.EmbedWeight));
        Assert.True(pa["model.norm.weight"].eq(1).all().item<bool>());
        Assert.True(pa["model.layers.0.self_attn.q_proj.bias"].eq(0).all().item<bool>());
        Assert.True(pa["model.embed_tokens.weight"][0].eq(0).all().item<bool>());   // padding row
        double std = pa["model.layers.0.mlp.up_proj.weight"].std().item<float>();
        Assert.InRange(std, 0.017, 0.023);
    }
}
