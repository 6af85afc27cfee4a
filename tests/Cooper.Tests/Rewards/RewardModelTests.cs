using Cooper.Modeling;
using Cooper.Rewards;
using Cooper.Tests.Modeling;
using TorchSharp;
using static TorchSharp.torch;

using Cooper.Tests.RL;
using Cooper.Tests.Data;

namespace Cooper.Tests.Rewards;

public class RewardModelTests
{
    private static readonly RmInput[] s_inputs =
    [
        new("What is 2+3?", "5", "2+3=5. The answer is \\boxed{5}."),
        new("What is 12*12?", "144", "12*12=144.\nThe answer is \\boxed{144}."),
        new("Q", "1", "no"),
        new("A shop sells 3 pens at $2 each. How much do 3 pens cost?", "6", "3*2=6. The answer is \\boxed{7}."),
    ];

    [Fact]
    public void Saving_and_loading_gives_identical_scores()
    {
        using var dir = new TempDir();
        using var rm = TinyRewardModel.Create(seed: 3);
        rm.Save(dir.Path);
        using var loaded = Cooper.Rewards.RewardModel.Load(dir.Path);
        Assert.Equal(rm.Scores(s_inputs), loaded.Scores(s_inputs));
        var config = File.ReadAllText(Path.Combine(dir.Path, "config.json"));
        Assert.Contains("Qwen2ForSequenceClassification", config);
        Assert.True(File.Exists(Path.Combine(dir.Path, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "tokenizer.json")));
        Assert.Equal(1, loaded.Model.NumLabels);
    }

    [Fact]
    public void Scores_are_the_sigmoid_of_the_logits()
    {
        using var rm = TinyRewardModel.Create(seed: 4);
        using var logits = rm.Logits(s_inputs);
        Assert.Equal([s_inputs.Length], logits.shape);
        Assert.True(logits.requires_grad);
        var expected = logits.detach().sigmoid().data<float>().ToArray();
        var scores = rm.Scores(s_inputs, microBatch: 3);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], scores[i], 5);
    }

    [Fact]
    public void Padding_does_not_change_a_rows_score()
    {
        using var rm = TinyRewardModel.Create(seed: 5);
        var batched = rm.Scores(s_inputs, microBatch: s_inputs.Length);
        var lengths = s_inputs.Select(x => rm.Encode(x).Length).Distinct().Count();
        Assert.True(lengths > 1, "the inputs must differ in length for this test to mean anything");
        for (int i = 0; i < s_inputs.Length; i++)
        {
            var alone = rm.Scores([s_inputs[i]])[0];
            Assert.Equal(alone, batched[i], 5);
        }
    }

    [Fact]
    public void Right_padding_uses_the_classifiers_pad_id_and_masks_it()
    {
        using var rm = TinyRewardModel.Create();
        var (ids, mask) = rm.Collate([[7, 8, 9], [7]]);
        using (ids)
        using (mask)
        {
            long pad = rm.Model.Config.PadTokenId!.Value;
            Assert.Equal(new long[] { 7, 8, 9, 7, pad, pad }, ids.data<long>().ToArray());
            Assert.Equal(new long[] { 1, 1, 1, 1, 0, 0 }, mask.data<long>().ToArray());
            using var last = rm.Model.LastTokenIndex(ids, mask);
            Assert.Equal(new long[] { 2, 0 }, last.data<long>().ToArray());
        }
    }

    [Theory]
    [InlineData(200, false)]   // the 86-token head fits: completion side gets 200 − 86 = 114 tokens
    [InlineData(80, true)]     // it does not: each side gets half, the head keeps its first 40 tokens
    public void A_long_input_keeps_the_template_head_and_the_end_of_the_completion(int cap, bool headCut)
    {
        using var rm = TinyRewardModel.Create(maxLength: cap);
        var completion = string.Concat(Enumerable.Repeat("1+1=2. ", 40)) + "The answer is \\boxed{42}.";
        var ids = rm.Encode(new RmInput("What is 6*7?", "42", completion));
        Assert.Equal(cap, ids.Length);
        var text = rm.Tokenizer.Decode(ids);
        const string head = "<question>What is 6*7?</question>\n<reference_answer>42</reference_answer>\n<completion>";
        Assert.StartsWith(headCut ? head[..(cap / 2)] : head, text);
        Assert.Equal(headCut, !text.Contains(head));
        Assert.EndsWith("The answer is \\boxed{42}.</completion>", text);
    }

    [Fact]
    public void A_short_input_is_the_template_exactly()
    {
        using var rm = TinyRewardModel.Create();
        var ids = rm.Encode(s_inputs[0]);
        Assert.Equal(RewardModelTemplate.Format(s_inputs[0].Question, s_inputs[0].Reference, s_inputs[0].Completion), rm.Tokenizer.Decode(ids));
    }

    [Fact]
    public void From_policy_copies_the_backbone_and_takes_the_tokenizers_pad_id()
    {
        var tok = TinyRewardModel.Tokenizer();
        var lmConfig = TinyModels.Classifier(tok) with { Architectures = ["Qwen2ForCausalLM"], Labels = [], PadTokenId = null };
        using var policy = CausalLM.Create(lmConfig, seed: 11);
        using var rm = Cooper.Rewards.RewardModel.FromPolicy(policy, tok, seed: 2);
        Assert.Equal(tok.PadTokenId, rm.Model.Config.PadTokenId);
        var source = policy.Backbone.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in rm.Model.Backbone.named_parameters())
            Assert.True(p.allclose(source[name], rtol: 0, atol: 0), $"backbone parameter {name} differs from the policy's");
        Assert.Single(rm.Scores(s_inputs.Take(1).ToList()));
    }

    [Fact]
    public void A_classifier_with_two_labels_is_rejected()
    {
        var tok = TinyRewardModel.Tokenizer();
        using var two = SequenceClassifier.Create(TinyModels.Classifier(tok) with { Labels = ["a", "b"] }, seed: 0);
        Assert.Contains("num_labels = 1", Assert.Throws<ArgumentException>(() => new Cooper.Rewards.RewardModel(two, tok)).Message);
    }
}
