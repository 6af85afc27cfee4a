using System.Text.Json.Nodes;
using Cooper.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Tests.Modeling;

public class SequenceClassifierTests
{
    [Fact]
    public void Left_and_right_padding_give_the_unpadded_score()
    {
        using var rm = SequenceClassifier.FromPretrained(ModelFixtures.TinyQwen2Rm);   // pad_token_id 0
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var alone = rm.forward(torch.tensor(new long[] { 5, 6, 7, 8 }).unsqueeze(0));                       // (1, 1)
        var left = rm.forward(torch.tensor(new long[] { 0, 0, 5, 6, 7, 8 }).unsqueeze(0), torch.tensor(new long[] { 0, 0, 1, 1, 1, 1 }).unsqueeze(0));
        var right = rm.forward(torch.tensor(new long[] { 5, 6, 7, 8, 0, 0 }).unsqueeze(0), torch.tensor(new long[] { 1, 1, 1, 1, 0, 0 }).unsqueeze(0));
        Assert.True((left - alone).abs().item<float>() < 1e-5f);
        Assert.True((right - alone).abs().item<float>() < 1e-5f);
    }

    [Fact]
    public void Pooling_picks_the_rightmost_non_pad_token_as_hf_does()
    {
        using var rm = SequenceClassifier.FromPretrained(ModelFixtures.TinyQwen2Rm);
        using var scope = torch.NewDisposeScope();
        var ids = torch.tensor(new long[] { 0, 0, 5, 6, 5, 0, 7, 0, 9, 9, 9, 9 }).reshape(3, 4);
        Assert.Equal([3L, 2L, 3L], rm.LastTokenIndex(ids, null).data<long>().ToArray());
    }

    [Fact]
    public void A_reward_model_made_from_a_causal_lm_copies_its_backbone_and_saves_in_hf_layout()
    {
        using var dir = new TempDir();
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        using var rm = SequenceClassifier.FromCausalLM(lm, numLabels: 1, seed: 3);
        var source = lm.Backbone.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in rm.Backbone.named_parameters())
        {
            Assert.True(ModelFixtures.Same(p, source[name]), name);
            Assert.NotSame(source[name], p);                                   // a copy, not shared
        }

        rm.SavePretrained(dir.Path);
        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "config.json")))!;
        Assert.Equal("Qwen2ForSequenceClassification", config["architectures"]![0]!.GetValue<string>());
        Assert.Equal("LABEL_0", config["id2label"]!["0"]!.GetValue<string>());
        Assert.Equal(0, config["label2id"]!["LABEL_0"]!.GetValue<int>());
        var (entries, _, _) = Safetensors.ReadHeader(Path.Combine(dir.Path, "model.safetensors"));
        var (fixture, _, _) = Safetensors.ReadHeader(Path.Combine(ModelFixtures.TinyQwen2Rm, "model.safetensors"));
        Assert.Equal(fixture.Keys.Order(), entries.Keys.Order());
        Assert.Equal([1L, 64L], entries["score.weight"].Shape);

        using var again = SequenceClassifier.FromPretrained(dir.Path);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var ids = torch.tensor(new long[] { 5, 6, 7, 8, 9 }).unsqueeze(0);
        Assert.True(ModelFixtures.Same(rm.forward(ids), again.forward(ids)));
    }

    [Fact]
    public void A_causal_lm_refuses_to_load_a_classifier_folder()
    {
        var e = Assert.Throws<InvalidDataException>(() => CausalLM.FromPretrained(ModelFixtures.TinyQwen2Rm));
        Assert.Contains("SequenceClassifier", e.Message);
    }
}
