using Cooper.Data;
using Cooper.Rewards;
using Cooper.RL;
using Cooper.Runs;
using static TorchSharp.torch;

namespace Cooper.Tests.RL;

/// <summary>
/// What training computes must not change under refactoring: the metrics of a CI-sized run of each
/// reward mode on a fixed seed equal the ones recorded before the reward-source redesign
/// (<c>Fixtures/golden-metrics/*.jsonl</c>, written by <c>cooper train</c> at commit cc2b0ce with the
/// settings below), value for value; only timing fields are ignored and keys added since (new
/// diagnostics) are allowed. <c>rm.jsonl</c> and <c>cooper.jsonl</c> were re-recorded with the same command on
/// 2026-12-01 when the shipped reward model was replaced (the files of cc2b0ce had passed with the old model
/// up to then; <c>rule.jsonl</c>, which no reward model touches, is still cc2b0ce's).
/// </summary>
[Collection("NonParallel")]
public class GoldenMetricsTests
{
    internal static string Fixtures => Path.Combine(ShippedModels.Root, "tests", "Cooper.Tests", "RL", "Fixtures", "golden-metrics");

    /// <summary>
    /// The recorded runs' settings: <c>cooper train --reward MODE --set steps=3 --set seed=7
    /// --set grpo.prompts_per_step=3 --set grpo.rollouts_per_prompt=4 --set grpo.max_new_tokens=120
    /// --set grpo.warmup_steps=1 --set grpo.learning_rate=1e-4 --set cooper.learning_rate=1e-3 --set val_every=3
    /// --set val_prompts=4 --set val_samples=2 --set rm_val_data=…/rm_val.jsonl --set test_prompts=4
    /// --set test_samples=2 --set checkpoint_every=0</c>; duplicate merging (added later, exact only up to
    /// float summation order) is off so the comparison can be value for value.
    /// </summary>
    private static TrainConfig Config(RewardMode mode, string outDir) => new()
    {
        Policy = ShippedModels.Policy,
        RewardModel = ShippedModels.Reward,
        Reward = mode,
        Steps = 3,
        Seed = 7,
        ValEvery = 3,
        ValPrompts = 4,
        ValSamples = 2,
        RmValData = Path.Combine(Fixtures, "rm_val.jsonl"),
        TestPrompts = 4,
        TestSamples = 2,
        CheckpointEvery = 0,
        Out = outDir,
        Grpo = new GrpoConfig { PromptsPerStep = 3, RolloutsPerPrompt = 4, MaxNewTokens = 120, WarmupSteps = 1, LearningRate = 1e-4, MergeDuplicates = false },
        Cooper = new CooperConfig { LearningRate = 1e-3 },
    };

    [Theory]
    [InlineData(RewardMode.Rule)]
    [InlineData(RewardMode.Rm)]
    [InlineData(RewardMode.Cooper)]
    public async Task A_short_run_reproduces_the_recorded_metrics_value_for_value(RewardMode mode)
    {
        var dir = Path.Combine(Path.GetTempPath(), "cooper-golden-" + Guid.NewGuid().ToString("N"));
        try
        {
            var cfg = Config(mode, dir);
            var run = RunFolder.Open(Path.Combine(dir, "run"));
            using (var trainer = new GrpoTrainer(cfg, TrainerSetup.Inputs(cfg), run, CPU) { ShowProgress = false })
                await trainer.TrainAsync();
            var expected = MetricsWriter.Read(Path.Combine(Fixtures, mode.ToString().ToLowerInvariant() + ".jsonl"));
            var actual = MetricsWriter.Read(run.MetricsFile);
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
                foreach (var (key, want) in expected[i])
                {
                    if (key.StartsWith("time/", StringComparison.Ordinal) || key.StartsWith("perf/", StringComparison.Ordinal)) continue;
                    Assert.True(actual[i].TryGetValue(key, out var got), $"line {i + 1}: '{key}' is missing");
                    bool same = double.IsNaN(want) ? double.IsNaN(got) : Math.Abs(got - want) <= 1e-9 + 1e-6 * Math.Abs(want);
                    Assert.True(same, $"line {i + 1}: '{key}' was {want:R}, now {got:R}");
                }
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }
}
