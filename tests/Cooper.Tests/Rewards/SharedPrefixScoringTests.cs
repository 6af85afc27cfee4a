using Cooper.Modeling;
using Cooper.Rewards;
using Cooper.Tokenizers;
using Cooper.Tests.Modeling;
using Cooper.Tests.RL;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Tests.Rewards;

/// <summary>
/// Scoring a group's common prefix once (KV cache) must give the scores of scoring every input whole.
/// The shipped reward model is used because its scores spread over (0, 1): a random tiny model's sit
/// within 1e-3 of 0.5, where a wrong position or a skipped prefix would hide inside the tolerance.
/// </summary>
[Collection("NonParallel")]
public class SharedPrefixScoringTests
{
    private const string Q1 = "Zoe practices piano 10 minutes a day for 4 days. Zoe also does 45 minutes on Sunday. How many minutes does Zoe spend in all?";
    private const string Q2 = "A shop sells 3 pens at $2 each. How much do 3 pens cost?";

    private static readonly RmInput[] s_group =
    [
        new(Q1, "85", "Minutes: 10*4=40.\nTotal: 40+45=85.\nThe answer is \\boxed{85}."),
        new(Q1, "85", "Minutes: 10*4=40.\nTotal: 40+45=105.\nThe answer is \\boxed{105}."),
        new(Q1, "85", "Minutes: 10*4=40.\nTotal: 40+45=85.\nThe answer is \\boxed{85}."),          // a duplicate
        new(Q2, "6", "3*2=6. The answer is \\boxed{6}."),                                           // another problem
        new(Q1, "85", "The answer is \\boxed{85}."),
        new(Q1, "85", "Minutes: 10*4=40.\nTotal: 40+45=85.\nThe answer is \\boxed{85}. Also 10*4=40 and 40+45=85 so it is 85."),
        new(Q1, "85", "===="),
        new(Q2, "6", "3*2=5. The answer is \\boxed{5}."),
        new(Q1, "85", ""),                                                                            // empty completion
    ];

    [Fact]
    public void Shared_prefix_scores_equal_whole_input_scores_and_each_input_alone()
    {
        using var shared = RewardModel.Load(ShippedModels.Reward);
        using var whole = new RewardModel(SequenceClassifier.FromPretrained(ShippedModels.Reward), TokenizerLoader.Load(ShippedModels.Reward)) { SharePrefix = false };
        var a = shared.Scores(s_group);
        var b = whole.Scores(s_group);
        Assert.True(a.Max() - a.Min() > 0.2, $"the inputs must get clearly different scores for this test to mean anything: {string.Join(", ", a)}");
        for (int i = 0; i < s_group.Length; i++)
        {
            Assert.InRange(a[i] - b[i], -2e-5f, 2e-5f);
            var alone = whole.Scores([s_group[i]])[0];     // batch of one: no padding, no cache
            Assert.InRange(a[i] - alone, -2e-5f, 2e-5f);
        }
        Assert.Equal(a[0], a[2]);                         // a duplicate gets the very same score
    }

    [Fact]
    public void A_micro_batch_smaller_than_the_group_still_matches()
    {
        using var rm = RewardModel.Load(ShippedModels.Reward);
        var full = rm.Scores(s_group, microBatch: 32);
        var small = rm.Scores(s_group, microBatch: 2);
        for (int i = 0; i < s_group.Length; i++) Assert.InRange(full[i] - small[i], -2e-5f, 2e-5f);
    }

    [Fact]
    public void The_shared_prefix_runs_the_group_through_the_cache()
    {
        using var rm = RewardModel.Load(ShippedModels.Reward);
        var rows = s_group.Where(x => x.Question == Q1).Select(rm.Encode).ToList();
        int p = RewardModel.CommonPrefixLength(rows);
        // The template's head is the same for every completion of Q1; the char tokenizer maps it one to one.
        int head = RewardModelTemplate.Format(Q1, "85", "").Length - "</completion>".Length;
        Assert.Equal(head, p);
    }

    [Theory]
    [InlineData(new[] { 1, 2, 3, 4 }, new[] { 1, 2, 3, 5 }, 3)]
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 2, 3, 4 }, 2)]   // capped: the shorter row keeps one token of its own
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 2, 3 }, 2)]
    [InlineData(new[] { 5 }, new[] { 5 }, 0)]
    [InlineData(new[] { 9, 2 }, new[] { 1, 2 }, 0)]
    public void Common_prefix_length(int[] a, int[] b, int expected)
    {
        Assert.Equal(expected, RewardModel.CommonPrefixLength([a, b]));
        Assert.Equal(expected, RewardModel.CommonPrefixLength([b, a]));
    }

    [Fact]
    public void Common_prefix_of_three_rows_is_the_shortest_pairwise_one()
    {
        Assert.Equal(1, RewardModel.CommonPrefixLength([[1, 2, 3, 4], [1, 2, 3, 5], [1, 7, 7, 7]]));
        Assert.Equal(0, RewardModel.CommonPrefixLength([]));
    }

    [Fact]
    public void The_cached_forward_refuses_to_run_with_gradients()
    {
        using var rm = RewardModel.Load(ShippedModels.Reward);
        using var prefix = torch.tensor(new long[] { 1, 2, 3 }, [1, 3]);
        using var suffix = torch.tensor(new long[] { 4, 5 }, [2, 1]);
        using var last = torch.tensor(new long[] { 0, 0 });
        var e = Assert.Throws<InvalidOperationException>(() => rm.Model.ForwardSharedPrefix(prefix, suffix, last));
        Assert.Contains("no_grad", e.Message);
    }

    [Fact]
    public void A_one_row_cache_broadcasts_its_filled_positions_to_every_row()
    {
        using var rm = RewardModel.Load(ShippedModels.Reward);
        using var noGrad = torch.no_grad();
        using var ids = torch.tensor(new long[] { 5, 6, 7, 8 }, [1, 4]);
        using var one = rm.Model.Prefill(ids);
        using var three = one.Broadcast(3, 10);
        Assert.Equal(4, three.Length);
        Assert.Equal(10, three.Capacity);
        Assert.Equal(3, three.BatchSize);
        // Continuing both with the same token must give the same keys: compare through the scores.
        using var next = torch.tensor(new long[] { 9, 9, 9 }, [3, 1]);
        using var last = torch.zeros(3, ScalarType.Int64);
        using var scores = rm.Model.ForwardContinuations(one, next, last);
        var v = scores.data<float>().ToArray();
        Assert.Equal(v[0], v[1], 6);
        Assert.Equal(v[0], v[2], 6);
        using var whole = rm.Model.forward(torch.tensor(new long[] { 5, 6, 7, 8, 9 }, [1, 5]));
        Assert.Equal(whole.item<float>(), v[0], 4);
        Assert.Throws<InvalidOperationException>(() => three.Broadcast(2, 10));   // only a one-row cache
        Assert.Equal(4, one.Length);                                               // the prefix cache is left as it was
    }

    [Fact]
    public void With_a_BPE_tokenizer_the_prefix_is_cut_on_token_ids_and_scores_still_match()
    {
        // Qwen's BPE can merge across the template's text boundaries; the common prefix is taken on ids.
        var tok = TokenizerLoader.Load(ModelFixtures.QwenTokenizer);
        var config = TinyModels.Classifier(tok) with { VocabSize = 151_936, HiddenSize = 16, IntermediateSize = 32, InitializerRange = 0.5 };
        using var shared = new RewardModel(SequenceClassifier.Create(config, seed: 7), tok, ownsTokenizer: false);
        using var whole = new RewardModel(SequenceClassifier.Create(config, seed: 7), tok, ownsTokenizer: false) { SharePrefix = false };
        RmInput[] inputs =
        [
            new("How many legs do 3 spiders have?", "24", "3*8=24. The answer is \\boxed{24}."),
            new("How many legs do 3 spiders have?", "24", "The answer is \\boxed{18}."),
            new("How many legs do 3 spiders have?", "24", "\n\n3 times 8 is twenty-four"),
            new("How many legs do 3 spiders have?", "24", "24"),
        ];
        var rows = inputs.Select(shared.Encode).ToList();
        Assert.True(RewardModel.CommonPrefixLength(rows) >= RewardModel.MinSharedPrefix, "the inputs must take the shared-prefix path");
        var a = shared.Scores(inputs);
        var b = whole.Scores(inputs);
        Assert.True(a.Max() - a.Min() > 1e-3, $"the scores must differ for this test to mean anything: {string.Join(", ", a)}");
        for (int i = 0; i < inputs.Length; i++) Assert.InRange(a[i] - b[i], -2e-5f, 2e-5f);
    }
}
