using Cooper.Data.Embedded;
using Cooper.Rewards;
using Cooper.RL;
using Cooper.Runs;
using static TorchSharp.torch;

namespace Cooper.Tests.RL;

/// <summary>
/// Does GRPO learn at all? The checks verl and TRL users run before trusting a trainer: on the shipped
/// policy, a verifiable reward it earns only sometimes at the start must be driven up within a short run.
/// </summary>
[Collection("NonParallel")]
public class LearningCheckTests
{
    /// <summary>
    /// 1 when the completion is shorter than the problem's worked solution (which the SFT policy imitates):
    /// earned only sometimes at the start, and always by a policy that learns to skip a few characters.
    /// </summary>
    private sealed class ShorterThanTheSolutionReward : IRewardSource
    {
        public Cooper.Rewards.RewardModel? Model => null;
        public double[] Score(StepRollouts step) => step.Samples.Select(s =>
            s.Text.Length < step.Problems[s.PromptIndex].Solution!.Length ? 1.0 : 0.0).ToArray();
        public Task<Dictionary<string, double>> UpdateAsync(StepRollouts step, IReadOnlyList<double> rewards, CancellationToken ct = default) => Task.FromResult(new Dictionary<string, double>());
        public void Save(string dir) { }
        public void Dispose() { }
    }

    [Fact]
    public async Task Grpo_drives_a_sometimes_earned_reward_to_at_least_eight_tenths()
    {
        var data = EmbeddedTask.Generate(EmbeddedTask.DefaultSeed, 256, 8, 8);
        var dir = Path.Combine(Path.GetTempPath(), "cooper-learn-" + Guid.NewGuid().ToString("N"));
        try
        {
            var cfg = new TrainConfig
            {
                Policy = ShippedModels.Policy, Reward = RewardMode.Rule, Steps = 20, Seed = 3, ValEvery = 0, CheckpointEvery = 0, Out = dir,
                Grpo = new GrpoConfig { PromptsPerStep = 8, RolloutsPerPrompt = 8, MaxNewTokens = 200, LearningRate = 5e-4, WarmupSteps = 0, MicroBatchSize = 64 },
            };
            var inputs = new TrainerInputs { Train = data.Train, Validation = data.Validation, Reward = new ShorterThanTheSolutionReward() };
            var rewards = new List<double>();
            using (var trainer = new GrpoTrainer(cfg, inputs, RunFolder.Open(Path.Combine(dir, "run")), CPU) { ShowProgress = false })
            {
                trainer.OnStep = (_, m) => rewards.Add(m["train/reward_mean"]);
                await trainer.TrainAsync();
            }
            double start = rewards.Take(2).Average(), end = rewards.TakeLast(3).Average();
            Assert.InRange(start, 0.05, 0.5);   // earned only sometimes at the start
            Assert.True(end >= 0.8, $"mean reward over the last 3 steps {end:0.00} (start {start:0.00}): {string.Join(" ", rewards.Select(r => r.ToString("0.00")))}");
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }
}
