using Cooper.Rewards;
using Cooper.Rewards.Negatives;
using Cooper.Tests.Rewards;
using static TorchSharp.torch;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Rewards;

/// <summary>Cooper's stage 2 on its own, without a trainer: pairs, invalid pairs, hard negatives, the pairwise step, metrics.</summary>
[Collection("NonParallel")]
public class CooperStageTests
{
    // Stand-in verifier: correct when the text ends with "= reference".
    private static bool EndsWithReference(string completion, string reference) => completion.TrimEnd().EndsWith("= " + reference, StringComparison.Ordinal);

    /// <summary>Writes "{positive minus its answer}= 999" — wrong for every reference here — except for question "echo", where it returns the positive (equivalent).</summary>
    private sealed class WrongAnswerWriter : INegativeWriter
    {
        public string Name => "wrong-answer";
        public Task<string?> WriteAsync(string question, string positive, int attempt, ulong seed, CancellationToken ct = default) =>
            Task.FromResult<string?>(question == "echo" ? positive : positive[..positive.LastIndexOf('=')] + "= 999");
    }

    private static StageRollout R(int prompt, string question, string reference, string completion, double score) =>
        new(prompt, question, reference, completion, EndsWithReference(completion, reference), score);

    // Prompt 0: a positive and a wrong rollout the RM likes (0.9); prompt 1: no positive; prompt 2: the writer echoes the positive.
    private static readonly StageRollout[] s_rollouts =
    [
        R(0, "2+3", "5", "2+3 = 5", 0.4),
        R(0, "2+3", "5", "2+3 = 6", 0.9),
        R(0, "2+3", "5", "2+3 = 7", 0.2),
        R(1, "4*4", "16", "4*4 = 15", 0.7),
        R(1, "4*4", "16", "4*4 = 17", 0.3),
        R(2, "echo", "8", "4+4 = 8", 0.6),
        R(2, "echo", "8", "4+4 = 9", 0.4),
    ];

    private static float[] Flat(Cooper.Rewards.RewardModel rm) => rm.Model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    [Fact]
    public async Task Pairs_are_one_per_prompt_and_each_failure_is_counted()
    {
        using var rm = TinyRewardModel.Create(seed: 21);
        using var opt = optim.SGD(rm.Model.parameters(), 0.0);
        var stage = new CooperStage(rm, opt, new CooperConfig(), new WrongAnswerWriter(), EndsWithReference);
        var pairs = await stage.PairsAsync(s_rollouts, seed: 1);
        Assert.Equal([PairStatus.Valid, PairStatus.NoPositive, PairStatus.NegativeEquivalent], pairs.Select(p => p.Status));
        Assert.Equal("2+3 = 5", pairs[0].Positive);
        Assert.Equal("2+3 = 999", pairs[0].Negative);
        Assert.Equal(3, pairs[2].Attempts);   // the default three attempts, each rejected as equivalent

        var m = CooperStage.PairMetrics(pairs);
        Assert.Equal(3, m["cooper/pairs"]);
        Assert.Equal(1.0 / 3, m["cooper/valid_pair_rate"], 12);
        Assert.Equal(1, m["cooper/no_positive"]);
        Assert.Equal(1, m["cooper/negative_equivalent"]);
        Assert.Equal(0, m["cooper/writer_failed"]);
    }

    [Fact]
    public async Task Hard_negatives_pair_the_positive_with_the_wrong_rollout_the_model_likes_most_if_it_scores_at_least_one_half()
    {
        using var rm = TinyRewardModel.Create(seed: 22);
        using var opt = optim.SGD(rm.Model.parameters(), 0.0);
        var stage = new CooperStage(rm, opt, new CooperConfig { HardNegatives = true }, new WrongAnswerWriter(), EndsWithReference);
        var pairs = await stage.PairsAsync(s_rollouts, seed: 1);
        // Prompt 0: "= 6" (0.9) is the favourite wrong rollout. Prompt 2 has a positive but its only wrong rollout scores 0.4 < 0.5.
        var hard = pairs.Skip(3).ToList();
        var pair = Assert.Single(hard);
        Assert.Equal((0, "2+3 = 5", "2+3 = 6", PairStatus.Valid), (pair.PromptIndex, pair.Positive, pair.Negative, pair.Status));
    }

    [Fact]
    public async Task The_update_steps_the_reward_model_on_valid_pairs_and_reports_margin_and_accuracy()
    {
        using var rm = TinyRewardModel.Create(seed: 23);
        using var opt = optim.AdamW(rm.Model.parameters(), 1e-2, weight_decay: 0.0);
        var stage = new CooperStage(rm, opt, new CooperConfig(), new WrongAnswerWriter(), EndsWithReference);
        var pos = new RmInput("2+3", "5", "2+3 = 5");
        var neg = new RmInput("2+3", "5", "2+3 = 999");
        var before = Flat(rm);
        double margin;
        using (no_grad())
        using (var logits = rm.Logits([pos, neg]))
        {
            var s = logits.data<float>().ToArray();
            margin = s[0] - s[1];
        }
        var m = await stage.UpdateAsync(s_rollouts, seed: 1);
        Assert.Equal(0, m["cooper/rm_skipped"]);
        Assert.Equal(margin, m["cooper/pair_margin"], 4);                       // s⁺ − s⁻ before the step
        Assert.Equal(margin > 0 ? 1.0 : 0.0, m["cooper/pair_accuracy"]);
        Assert.Equal(Math.Log(1 + Math.Exp(-margin)), m["cooper/rm_loss"], 4);   // −log σ(s⁺ − s⁻), one valid pair
        Assert.NotEqual(before, Flat(rm));
    }

    [Fact]
    public async Task Without_a_valid_pair_the_reward_model_is_left_alone()
    {
        using var rm = TinyRewardModel.Create(seed: 24);
        using var opt = optim.AdamW(rm.Model.parameters(), 1e-2, weight_decay: 0.5);
        var stage = new CooperStage(rm, opt, new CooperConfig(), new WrongAnswerWriter(), EndsWithReference);
        var before = Flat(rm);
        var m = await stage.UpdateAsync(s_rollouts.Where(r => r.PromptIndex == 1).ToList(), seed: 1);
        Assert.Equal(1, m["cooper/rm_skipped"]);
        Assert.True(double.IsNaN(m["cooper/rm_loss"]));
        Assert.Equal(0, m["cooper/valid_pair_rate"]);
        Assert.Equal(before, Flat(rm));
    }

    [Fact]
    public async Task Several_updates_per_step_equal_as_many_single_updates_on_the_same_pairs()
    {
        using var a = TinyRewardModel.Create(seed: 25);
        using var b = TinyRewardModel.Create(seed: 25);
        using var optA = optim.AdamW(a.Model.parameters(), 1e-2, weight_decay: 0.01);
        using var optB = optim.AdamW(b.Model.parameters(), 1e-2, weight_decay: 0.01);
        var three = new CooperStage(a, optA, new CooperConfig { UpdatesPerStep = 3 }, new WrongAnswerWriter(), EndsWithReference);
        var one = new CooperStage(b, optB, new CooperConfig(), new WrongAnswerWriter(), EndsWithReference);
        var m3 = await three.UpdateAsync(s_rollouts, seed: 1);
        var first = await one.UpdateAsync(s_rollouts, seed: 1);
        Dictionary<string, double> last = first;
        for (int i = 0; i < 2; i++) last = await one.UpdateAsync(s_rollouts, seed: 1);
        Assert.Equal(Flat(b), Flat(a));
        Assert.Equal(first["cooper/pair_margin"], m3["cooper/pair_margin"], 6);   // measured before the first step
        Assert.Equal(last["cooper/rm_loss"], m3["cooper/rm_loss"], 6);            // the last step's loss
    }

    [Fact]
    public void The_plus_preset_turns_on_the_options_beyond_the_paper_and_keeps_the_rest()
    {
        var cfg = new CooperConfig { LearningRate = 3e-4, MaxNegativeAttempts = 5 };
        var plus = cfg.Plus();
        Assert.True(plus.HardNegatives);
        Assert.True(plus.AnchorWeight > 0 && plus.RolloutLabelWeight > 0);
        Assert.Equal(3e-4, plus.LearningRate);
        Assert.Equal(5, plus.MaxNegativeAttempts);
        // the paper's defaults are the paper's
        var paper = new CooperConfig();
        Assert.Equal((1, 1, 0.0, 1, false, 0.0), (paper.PositivesPerPrompt, paper.NegativesPerPositive, paper.AnchorWeight, paper.UpdatesPerStep, paper.HardNegatives, paper.RolloutLabelWeight));
    }

    /// <summary>An assistant endpoint that fails on question "4*4" and otherwise answers "… = 999".</summary>
    private sealed class StubClient : Cooper.Endpoints.ILlmClient
    {
        public Task<Cooper.Endpoints.ChatResult> CompleteAsync(IReadOnlyList<global::Cooper.ChatMessage> messages, Cooper.Endpoints.ChatRequestOptions? opts = null, CancellationToken ct = default) =>
            Task.FromResult(messages[^1].Content.Contains("4*4")
                ? new Cooper.Endpoints.ChatResult { Failure = Cooper.Endpoints.EndpointFailure.Timeout }
                : new Cooper.Endpoints.ChatResult { Texts = ["2+3 = 999"] });
    }

    [Fact]
    public async Task An_endpoint_assistants_counters_are_logged_with_the_stage_metrics()
    {
        using var rm = TinyRewardModel.Create(seed: 26);
        using var opt = optim.AdamW(rm.Model.parameters(), 1e-3);
        var stage = new CooperStage(rm, opt, new CooperConfig(), new LlmRewriter(new StubClient()), EndsWithReference);
        // prompt 0 has a positive; prompt 1 has none (no call); prompt 2's positive "4+4 = 8" gets "2+3 = 999"
        var m = await stage.UpdateAsync(s_rollouts, seed: 1);
        Assert.Equal(2, m["cooper/assistant/requested"]);
        Assert.Equal(2, m["cooper/assistant/rewritten"]);
        Assert.Equal(0, m["cooper/assistant/endpoint_failures"]);
        var fail = new CooperStage(rm, opt, new CooperConfig(), new LlmRewriter(new StubClient()), EndsWithReference);
        var rollouts = new[] { R(0, "4*4", "16", "4*4 = 16", 0.5) };
        var f = await fail.UpdateAsync(rollouts, seed: 1);
        Assert.Equal(1, f["cooper/assistant/endpoint_failures"]);
        Assert.Equal(1, f["cooper/writer_failed"]);
    }

    [Fact]
    public async Task With_rollout_labels_the_reward_model_learns_even_without_a_valid_pair()
    {
        using var rm = TinyRewardModel.Create(seed: 27);
        using var opt = optim.AdamW(rm.Model.parameters(), 1e-2, weight_decay: 0.0);
        var stage = new CooperStage(rm, opt, new CooperConfig { RolloutLabelWeight = 1.0 }, new WrongAnswerWriter(), EndsWithReference);
        var before = Flat(rm);
        // prompt 1 alone: no positive, so no pair; its two (wrong) rollouts are labelled 0
        var only = s_rollouts.Where(r => r.PromptIndex == 1).ToList();
        double want;
        using (no_grad())
        using (var z = rm.Logits(only.Select(r => new RmInput(r.Question, r.Reference, r.Completion)).ToList()))
        {
            var s = z.to(ScalarType.Float32).data<float>().ToArray();
            want = s.Average(x => Math.Log(1 + Math.Exp(x)));   // BCE with label 0 = softplus(z)
        }
        var m = await stage.UpdateAsync(only, seed: 1);
        Assert.Equal(0, m["cooper/rm_skipped"]);
        Assert.Equal(2, m["cooper/labelled_rows"]);
        Assert.True(double.IsNaN(m["cooper/pair_accuracy"]));
        Assert.Equal(want, m["cooper/rm_loss"], 4);
        Assert.NotEqual(before, Flat(rm));
    }

    [Fact]
    public async Task Rollouts_the_reward_model_already_scores_near_their_label_are_left_out_of_the_BCE_but_counted()
    {
        // prompt 1 has no positive: the update is the labelled rows' BCE alone. Every row is wrong (label 0); the
        // middle one is scored 0.02 by this step's RM, within 0.05 of its label, so only the other two are forwarded.
        StageRollout[] rows =
        [
            R(1, "4*4", "16", "4*4 = 15", 0.7),
            R(1, "4*4", "16", "4*4 = 17", 0.02),
            R(1, "4*4", "16", "4*4 = 18", 0.3),
        ];
        double[] softplus;
        using (var rm0 = TinyRewardModel.Create(seed: 28))
        using (no_grad())
        using (var z = rm0.Logits(rows.Select(r => new RmInput(r.Question, r.Reference, r.Completion)).ToList()))
            softplus = z.to(ScalarType.Float32).data<float>().ToArray().Select(x => Math.Log(1 + Math.Exp(x))).ToArray();   // BCE with label 0

        foreach (var (minError, kept, want) in new[]
        {
            (0.05, 2, (softplus[0] + softplus[2]) / 3),   // the kept rows' sum over all three: the left-out row counts as 0
            (0.0, 3, softplus.Average()),                 // every row: the plain mean
        })
        {
            using var rm = TinyRewardModel.Create(seed: 28);
            using var opt = optim.SGD(rm.Model.parameters(), 0.0);
            var stage = new CooperStage(rm, opt, new CooperConfig { RolloutLabelWeight = 1.0, RolloutLabelMinError = minError }, new WrongAnswerWriter(), EndsWithReference);
            var m = await stage.UpdateAsync(rows, seed: 1);
            Assert.Equal(kept, m["cooper/labelled_rows"]);
            Assert.Equal(3, m["cooper/labelled_distinct"]);
            Assert.Equal(want, m["cooper/rm_loss"], 4);
        }
    }
}
