using System.Text.Json.Nodes;
using Cooper.Generation;
using Cooper.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Tests.Modeling;

/// <summary>Golden outputs written by transformers 5.17 itself for the tiny fixtures (minGPT-style parity).</summary>
public class HfParityTests
{
    private const double Tolerance = 1e-4;

    private static int[][] Rows(JsonNode? n) => n!.AsArray().Select(r => r!.AsArray().Select(x => x!.GetValue<int>()).ToArray()).ToArray();

    [Fact]
    public void Logits_at_the_first_and_last_position_match_transformers()
    {
        var reference = ModelFixtures.Reference(ModelFixtures.TinyQwen2);
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = Rows(reference["input_ids"]);
        var input = ModelFixtures.InputIds(reference);
        var logits = lm.forward(input);                                            // (3, 17, 512)
        var expected = reference["logits_first_last"]!.AsArray();                  // (2, 3, 512): [first | last][row][vocab]
        double maxErr = 0;
        for (int which = 0; which < 2; which++)
            for (int b = 0; b < ids.Length; b++)
            {
                var ours = logits[b, which == 0 ? 0 : ids[0].Length - 1].data<float>().ToArray();
                var theirs = expected[which]![b]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
                Assert.Equal(theirs.Length, ours.Length);
                for (int v = 0; v < ours.Length; v++) maxErr = Math.Max(maxErr, Math.Abs(ours[v] - theirs[v]));
            }
        Assert.True(maxErr <= Tolerance, $"max |Δlogit| = {maxErr}");
    }

    [Fact]
    public void Per_token_log_probs_match_transformers()
    {
        var reference = ModelFixtures.Reference(ModelFixtures.TinyQwen2);
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = Rows(reference["input_ids"]);
        var input = ModelFixtures.InputIds(reference);
        var ours = lm.TokenLogProbs(input);                                        // (3, 16)
        var theirs = reference["token_logprobs"]!.AsArray();
        Assert.Equal([3L, 16L], ours.shape);
        double maxErr = 0;
        for (int b = 0; b < ids.Length; b++)
        {
            var row = ours[b].data<float>().ToArray();
            var exp = theirs[b]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
            for (int t = 0; t < row.Length; t++) maxErr = Math.Max(maxErr, Math.Abs(row[t] - exp[t]));
        }
        Assert.True(maxErr <= Tolerance, $"max |Δlogprob| = {maxErr}");
    }

    [Fact]
    public void Greedy_generation_reproduces_transformers_generate()
    {
        var reference = ModelFixtures.Reference(ModelFixtures.TinyQwen2);
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        var prompt = Rows(reference["greedy_prompt"]);
        var expected = Rows(reference["greedy_output"]);
        var engine = new RolloutEngine(lm);
        var samples = engine.Generate(prompt, new SamplingParams { Temperature = 0, MaxNewTokens = expected[0].Length - prompt[0].Length });
        Assert.Equal(expected[0], prompt[0].Concat(samples[0].TokenIds).ToArray());
        Assert.Equal(FinishReason.Length, samples[0].FinishReason);
    }

    [Fact]
    public void Greedy_generation_of_a_left_padded_batch_reproduces_transformers_generate()
    {
        var reference = ModelFixtures.Reference(ModelFixtures.TinyQwen2);
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        var padded = Rows(reference["padded_prompts"]);
        var mask = Rows(reference["padded_mask"]);
        var expected = Rows(reference["padded_greedy_output"]);
        var prompts = padded.Select((row, i) => row.Where((_, j) => mask[i][j] == 1).ToArray()).ToList();
        Assert.True(prompts[1].Length < prompts[0].Length, "the fixture's second prompt is the padded one");

        var samples = new RolloutEngine(lm).Generate(prompts, new SamplingParams { Temperature = 0, MaxNewTokens = expected[0].Length - padded[0].Length });
        for (int i = 0; i < padded.Length; i++)
            Assert.Equal(expected[i], padded[i].Concat(samples[i].TokenIds).ToArray());
    }

    [Fact]
    public void Reward_model_scores_match_transformers()
    {
        var reference = ModelFixtures.Reference(ModelFixtures.TinyQwen2Rm);
        using var rm = SequenceClassifier.FromPretrained(ModelFixtures.TinyQwen2Rm);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = Rows(reference["input_ids"]);
        var input = ModelFixtures.InputIds(reference);
        var scores = rm.forward(input);                                            // (3, 1)
        Assert.Equal([3L, 1L], scores.shape);
        var ours = scores.squeeze(1).data<float>().ToArray();
        var theirs = reference["scores"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
        for (int i = 0; i < ours.Length; i++) Assert.True(Math.Abs(ours[i] - theirs[i]) <= Tolerance, $"score {i}: {ours[i]} vs {theirs[i]}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(16)]   // the rows have 17 tokens: a continuation of one
    public void Reward_model_scores_through_a_cached_prefix_match_transformers(int k)
    {
        var reference = ModelFixtures.Reference(ModelFixtures.TinyQwen2Rm);
        using var rm = SequenceClassifier.FromPretrained(ModelFixtures.TinyQwen2Rm);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = Rows(reference["input_ids"]);
        var theirs = reference["scores"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
        for (int i = 0; i < ids.Length; i++)
        {
            // Row i = prefix + continuation; batched with a shorter continuation of the same prefix (right-padded with 0).
            var rest = ids[i][k..];
            var shorter = rest[..Math.Max(1, rest.Length / 2)];
            var suffix = rest.Concat(shorter).Concat(Enumerable.Repeat(0, rest.Length - shorter.Length)).Select(x => (long)x).ToArray();
            var prefix = torch.tensor(ids[i][..k].Select(x => (long)x).ToArray(), [1, k]);
            var scores = rm.ForwardSharedPrefix(prefix, torch.tensor(suffix, [2, rest.Length]), torch.tensor(new long[] { rest.Length - 1, shorter.Length - 1 }));
            var ours = scores.squeeze(1).data<float>().ToArray();
            Assert.True(Math.Abs(ours[0] - theirs[i]) <= Tolerance, $"row {i}, prefix {k}: {ours[0]} vs {theirs[i]}");
        }
    }

    [Fact]
    public void The_parity_checker_passes_on_both_fixtures_and_reports_the_applicable_keys()
    {
        var causal = Parity.Check(ModelFixtures.TinyQwen2, Path.Combine(ModelFixtures.TinyQwen2, "reference_outputs.json"));
        Assert.True(causal.Passed(), causal.ToJson());
        Assert.NotNull(causal.MaxAbsLogitErr);
        Assert.NotNull(causal.MaxAbsLogprobErr);
        Assert.True(causal.GreedyMatch);
        Assert.True(causal.PaddedGreedyMatch);
        Assert.Null(causal.MaxAbsScoreErr);

        var rm = Parity.Check(ModelFixtures.TinyQwen2Rm, Path.Combine(ModelFixtures.TinyQwen2Rm, "reference_outputs.json"));
        Assert.True(rm.Passed(), rm.ToJson());
        Assert.NotNull(rm.MaxAbsScoreErr);
        Assert.Contains("\"max_abs_score_err\"", rm.ToJson());
    }

    [Fact]
    public void The_parity_checker_fails_when_the_reference_disagrees()
    {
        using var dir = new TempDir();
        var reference = ModelFixtures.Reference(ModelFixtures.TinyQwen2);
        var logprobs = reference["token_logprobs"]!.AsArray();
        logprobs[0]![0] = logprobs[0]![0]!.GetValue<double>() + 0.01;
        var path = Path.Combine(dir.Path, "ref.json");
        File.WriteAllText(path, reference.ToJsonString());
        var report = Parity.Check(ModelFixtures.TinyQwen2, path);
        Assert.False(report.Passed());
        Assert.True(report.MaxAbsLogprobErr > 0.009);
    }
}
