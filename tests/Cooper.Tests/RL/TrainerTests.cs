using Cooper.Data.Embedded;
using Cooper.Modeling;
using Cooper.RL;
using Cooper.Rewards;
using Cooper.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Tests.RL;

/// <summary>The shipped models (models/policy, models/reward), found from the repository root.</summary>
public static class ShippedModels
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cooper.slnx"))) dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("repository root (Cooper.slnx) not found above the test binaries");
        }
    }
    public static string Policy => Path.Combine(Root, "models", "policy");
    public static string Reward => Path.Combine(Root, "models", "reward");
}

[Collection("NonParallel")]
public class TrainerTests
{
    private static readonly EmbeddedSplits Data = EmbeddedTask.Generate(EmbeddedTask.DefaultSeed, 64, 8, 8);

    private static TrainConfig Config(RewardMode mode, string outDir, int steps = 2) => new()
    {
        Policy = ShippedModels.Policy,
        RewardModel = ShippedModels.Reward,
        Reward = mode,
        Steps = steps,
        Seed = 5,
        ValEvery = 0,
        CheckpointEvery = 1,
        KeepCheckpoints = 5,
        Out = outDir,
        Grpo = new GrpoConfig { PromptsPerStep = 2, RolloutsPerPrompt = 4, MaxNewTokens = 200, LearningRate = 1e-4, WarmupSteps = 0, MicroBatchSize = 8 },
        Cooper = new CooperConfig { LearningRate = 1e-4 },
    };

    private static TrainerInputs Inputs => new() { Train = Data.Train, Validation = Data.Validation };

    private static float[] Flat(torch.nn.Module m) => m.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    [Theory]
    [InlineData(RewardMode.Rule)]
    [InlineData(RewardMode.Rm)]
    [InlineData(RewardMode.Cooper)]
    [InlineData(RewardMode.CooperPlus)]
    public async Task A_few_steps_move_the_policy_but_not_the_reference_and_the_rm_only_in_cooper_mode(RewardMode mode)
    {
        var dir = Directory.CreateTempSubdirectory("cooper-train-").FullName;
        try
        {
            var cfg = Config(mode, dir);
            using var trainer = new GrpoTrainer(cfg, Inputs, RunFolder.Open(Path.Combine(dir, "run")), CPU);
            var policy0 = Flat(trainer.Policy);
            var ref0 = Flat(trainer.Reference!);
            var rm0 = trainer.RewardModel is null ? null : Flat(trainer.RewardModel.Model);
            await trainer.TrainAsync();
            Assert.NotEqual(policy0, Flat(trainer.Policy));
            Assert.Equal(ref0, Flat(trainer.Reference!));
            if (mode == RewardMode.Rm) Assert.Equal(rm0, Flat(trainer.RewardModel!.Model));
            if (mode is RewardMode.Cooper or RewardMode.CooperPlus) Assert.NotEqual(rm0, Flat(trainer.RewardModel!.Model));
            var rows = MetricsWriter.Read(trainer.Run.MetricsFile);
            Assert.Equal(2, rows.Count);
            Assert.All(rows, r => Assert.InRange(r["train/verified_accuracy"], 0, 1));
            // The sampler (KV-cached, left-padded decode) and the trainer (one right-padded forward) agree on every
            // sampled token's log-prob: the ratio starts at 1 as it must on-policy.
            Assert.All(rows, r => Assert.InRange(r["rollout/logprob_gap"], 0, 1e-3));
            if (mode is RewardMode.Cooper or RewardMode.CooperPlus) Assert.Contains(rows, r => r.ContainsKey("cooper/valid_pair_rate"));
            // Cooper+ also learns from the step's verifier-labelled rollouts: every distinct one of the 2 × 4
            if (mode == RewardMode.CooperPlus)
                Assert.All(rows, r => Assert.InRange(r["cooper/labelled_rows"], 1, 8));
            // The run's config.yaml shows the Cooper settings it trained with (the Cooper+ preset applied).
            var written = File.ReadAllText(trainer.Run.ConfigFile);
            bool plus = mode == RewardMode.CooperPlus;
            Assert.Contains($"hard_negatives: {(plus ? "true" : "false")}", written);
            Assert.Contains($"anchor_weight: {(plus ? "1" : "0")}", written);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task Given_start_validation_is_logged_at_step_zero_instead_of_measuring_it()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-startval-").FullName;
        try
        {
            var cfg = Config(RewardMode.Rule, dir, steps: 1) with { ValEvery = 1, ValPrompts = 2, ValSamples = 1 };
            var inputs = Inputs with { StartValidation = new Dictionary<string, double> { ["val/accuracy"] = 0.123, ["val/accuracy_se"] = 0.01 } };
            using (var t = new GrpoTrainer(cfg, inputs, RunFolder.Open(Path.Combine(dir, "run")), CPU)) await t.TrainAsync();
            var rows = MetricsWriter.Read(Path.Combine(dir, "run", "metrics.jsonl"));
            Assert.Equal(0.123, rows[0]["val/accuracy"]);
            Assert.Equal(0.01, rows[0]["val/accuracy_se"]);
            // later validations are measured: 2 problems × 1 sample can only give 0, 0.5 or 1
            Assert.Contains(rows[1]["val/accuracy"], new[] { 0.0, 0.5, 1.0 });
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task Resuming_a_finished_run_does_not_test_it_again()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-finished-").FullName;
        try
        {
            var cfg = Config(RewardMode.Rule, dir, steps: 1) with { TestPrompts = 2, TestSamples = 1 };
            var inputs = new TrainerInputs { Train = Data.Train, Validation = Data.Validation, Test = Data.Test.Take(2).ToList(), TestSamples = 1 };
            var folder = Path.Combine(dir, "run");
            using (var t = new GrpoTrainer(cfg, inputs, RunFolder.Open(folder), CPU)) await t.TrainAsync();
            var before = MetricsWriter.Read(Path.Combine(folder, "metrics.jsonl"));
            Assert.Single(before, r => r.ContainsKey("test/accuracy"));
            using (var t = new GrpoTrainer(cfg, inputs, RunFolder.Open(folder), CPU, resume: true))
            {
                Assert.Equal(1, t.Step);
                await t.TrainAsync();
            }
            var after = MetricsWriter.Read(Path.Combine(folder, "metrics.jsonl"));
            Assert.Equal(before.Count, after.Count);
            Assert.Single(after, r => r.ContainsKey("test/accuracy"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task A_run_killed_and_resumed_logs_the_same_metrics_as_an_uninterrupted_one()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-resume-").FullName;
        try
        {
            var full = Config(RewardMode.Cooper, dir, steps: 3);
            using (var t = new GrpoTrainer(full, Inputs, RunFolder.Open(Path.Combine(dir, "full")), CPU)) await t.TrainAsync();
            // "killed" after step 2 (a checkpoint each step), then resumed to the end
            using (var t = new GrpoTrainer(full with { StopAfter = 2 }, Inputs, RunFolder.Open(Path.Combine(dir, "split")), CPU)) await t.TrainAsync();
            using (var t = new GrpoTrainer(full, Inputs, RunFolder.Open(Path.Combine(dir, "split")), CPU, resume: true))
            {
                Assert.Equal(2, t.Step);
                await t.TrainAsync();
            }
            var a = MetricsWriter.Read(Path.Combine(dir, "full", "metrics.jsonl"));
            var b = MetricsWriter.Read(Path.Combine(dir, "split", "metrics.jsonl"));
            Assert.Equal(a.Count, b.Count);
            for (int i = 0; i < a.Count; i++)
                foreach (var key in a[i].Keys.Where(k => !k.StartsWith("time/") && !k.StartsWith("perf/")))
                    Assert.True(a[i][key].Equals(b[i][key]), $"step {a[i]["step"]} {key}: {a[i][key]} vs {b[i][key]}");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task Live_tensor_count_stays_flat_across_steps()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-leak-").FullName;
        try
        {
            var cfg = Config(RewardMode.Cooper, dir, steps: 3) with { CheckpointEvery = 0 };
            using var trainer = new GrpoTrainer(cfg, Inputs, RunFolder.Open(Path.Combine(dir, "run")), CPU);
            await trainer.TrainStepAsync(0);
            long after1 = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            await trainer.TrainStepAsync(1);
            await trainer.TrainStepAsync(2);
            long after3 = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            Assert.True(after3 - after1 <= 0, $"live tensors grew from {after1} to {after3} over two steps");
        }
        finally { Directory.Delete(dir, true); }
    }
}
