using Cooper.Rewards;
using Cooper.RL;
using Cooper.Runs;
using static TorchSharp.torch;

namespace Cooper.Tests.RL;

/// <summary><c>rm_val_every</c>: the reward model's held-out accuracy between the (costly) policy validations.</summary>
[Collection("NonParallel")]
public class RmValEveryTests
{
    [Fact]
    public async Task The_reward_model_is_measured_every_k_steps_and_the_policy_only_at_validation()
    {
        var dir = Path.Combine(Path.GetTempPath(), "cooper-rmval-" + Guid.NewGuid().ToString("N"));
        try
        {
            var cfg = new TrainConfig
            {
                Policy = ShippedModels.Policy,
                RewardModel = ShippedModels.Reward,
                Reward = RewardMode.Rm,
                Steps = 3,
                Seed = 7,
                ValEvery = 3,
                RmValEvery = 1,
                ValPrompts = 4,
                ValSamples = 1,
                RmValData = Path.Combine(GoldenMetricsTests.Fixtures, "rm_val.jsonl"),
                CheckpointEvery = 0,
                Out = dir,
                Grpo = new GrpoConfig { PromptsPerStep = 2, RolloutsPerPrompt = 2, MaxNewTokens = 40, WarmupSteps = 0 },
            };
            var run = RunFolder.Open(Path.Combine(dir, "run"));
            using (var trainer = new GrpoTrainer(cfg, TrainerSetup.Inputs(cfg), run, CPU) { ShowProgress = false })
                await trainer.TrainAsync();
            var rows = MetricsWriter.Read(run.MetricsFile).ToDictionary(r => (int)r["step"]);
            Assert.Equal([0, 1, 2, 3], rows.Keys.Order());
            Assert.All(rows.Values, r => Assert.True(r.ContainsKey("val/rm_accuracy") && r.ContainsKey("val/rm_auroc")));
            Assert.True(rows[0].ContainsKey("val/accuracy") && rows[3].ContainsKey("val/accuracy"));
            Assert.False(rows[1].ContainsKey("val/accuracy") || rows[2].ContainsKey("val/accuracy"));
            // The static reward model never trains: every measurement is step 0's.
            Assert.All(rows.Values, r => Assert.Equal(rows[0]["val/rm_accuracy"], r["val/rm_accuracy"]));
            Assert.All(rows.Values, r => Assert.Equal(rows[0]["val/rm_auroc"], r["val/rm_auroc"]));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_negative_interval_is_refused_by_name()
    {
        var e = Assert.Throws<Cooper.Configuration.ConfigException>(() => new TrainConfig { RmValEvery = -1 }.Validate());
        Assert.Contains("rm_val_every", e.Message);
    }
}
