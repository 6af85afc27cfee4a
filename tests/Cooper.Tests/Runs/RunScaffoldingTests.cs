using System.Text.Json;
using Cooper.Configuration;
using Cooper.Data.Embedded;
using Cooper.Rewards;
using Cooper.RL;
using Cooper.Runs;
using Cooper.Tests.Modeling;
using Cooper.Tests.Rewards;
using Cooper.Tests.RL;
using Cooper.Training;
using static TorchSharp.torch;

namespace Cooper.Tests.Runs;

/// <summary>
/// The run scaffolding every trainer shares (<c>src/Cooper.Core/Runs/</c>): one checkpoint layout, one metric
/// truncation, one run state, one data order — and the orders are the ones the trainers used before they shared it.
/// </summary>
[Collection("NonParallel")]
public class RunScaffoldingTests
{
    [Fact]
    public void The_shuffled_order_reads_the_per_epoch_permutation_that_grpo_and_sft_used_before()
    {
        const int count = 7;
        foreach (ulong stream in new ulong[] { 0xDA7A, 0x5F7 })
        {
            var order = DataOrder.Shuffled(count, seed: 5, stream);
            var expected = Enumerable.Range(0, 30).Select(i =>
                SplitMix64.Permutation(count, SplitMix64.Derive(5UL, stream, (ulong)(i / count)))[i % count]);
            Assert.Equal(expected, order.Range(0, 30));
        }
    }

    [Fact]
    public void Each_epoch_of_a_data_order_holds_every_item_once()
    {
        var order = DataOrder.Shuffled(10, seed: 1, 0xDA7A);
        for (int epoch = 0; epoch < 3; epoch++)
            Assert.Equal(Enumerable.Range(0, 10), order.Range(epoch * 10, 10).Order());
        Assert.NotEqual(order.Range(0, 10), order.Range(10, 10));
    }

    [Fact]
    public void Dropping_metric_lines_keeps_the_lines_up_to_the_step_and_drops_a_line_cut_off_by_a_kill()
    {
        using var tmp = new TempDir();
        var path = Path.Combine(tmp.Path, "metrics.jsonl");
        File.WriteAllText(path, "{\"step\":1,\"a\":1}\n{\"step\":2,\"a\":2}\n\n{\"note\":\"no step\"}\n{\"step\":3,\"a\":3}\n{\"step\":4,\"a\"");

        int dropped = MetricsWriter.DropAfter(path, 2);

        Assert.Equal(3, dropped);
        Assert.Equal("{\"step\":1,\"a\":1}\n{\"step\":2,\"a\":2}\n", File.ReadAllText(path));
    }

    [Fact]
    public void Dropping_after_a_negative_step_empties_the_metrics()
    {
        using var tmp = new TempDir();
        var path = Path.Combine(tmp.Path, "metrics.jsonl");
        File.WriteAllText(path, "{\"step\":0}\n{\"step\":1}\n");

        Assert.Equal(2, MetricsWriter.DropAfter(path, -1));
        Assert.Equal("", File.ReadAllText(path));
    }

    private sealed record Extra(List<double[]> History, string Note);

    [Fact]
    public void Run_state_round_trips_the_step_and_the_extra_state()
    {
        using var tmp = new TempDir();
        RunState.Save(tmp.Path, 12, new Extra([[0.25, 1.0 / 3]], "x"));

        var (step, extra) = RunState.Load<Extra>(tmp.Path);

        Assert.Equal(12, step);
        Assert.Equal(1.0 / 3, extra.History[0][1]);
        Assert.Equal("x", extra.Note);
        Assert.Contains("\"extra\":{\"history\"", File.ReadAllText(Path.Combine(tmp.Path, Checkpoints.StateFile)));
    }

    [Fact]
    public void A_checkpoint_without_run_state_fails_saying_to_delete_it()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<FileNotFoundException>(() => RunState.LoadStep(tmp.Path));
        Assert.Contains("no state.json", e.Message);
        Assert.Contains("delete it", e.Message);
    }

    [Fact]
    public void Configs_read_back_from_config_yaml_differ_in_nothing()
    {
        using var tmp = new TempDir();
        var path = Path.Combine(tmp.Path, "config.yaml");
        object[] configs =
        [
            new TrainConfig { Reward = RewardMode.Cooper, Grpo = new GrpoConfig { LearningRate = 1e-6 / 3 }, Name = "x" },
            new SftConfig { Data = "a.jsonl", LearningRate = 0.1 + 0.2 },
            new RmTrainConfig { Data = "a.jsonl", Init = "m", Schedule = ScheduleKind.WarmupConstant },
        ];
        foreach (var config in configs)
        {
            File.WriteAllText(path, ConfigLoader.ToYaml(config));
            var method = typeof(ConfigLoader).GetMethod(nameof(ConfigLoader.Load))!.MakeGenericMethod(config.GetType());
            var back = method.Invoke(null, [path, null])!;
            Assert.Empty(ConfigLoader.Differences(config, back));
        }
    }

    [Fact]
    public void Differences_name_the_dotted_key_and_both_values()
    {
        var d = Assert.Single(ConfigLoader.Differences(new TrainConfig(), new TrainConfig { Grpo = new GrpoConfig { LearningRate = 2e-6 } }));
        Assert.Equal(new ConfigDifference("grpo.learning_rate", "1E-06", "2E-06"), d);
    }

    [Fact]
    public void A_checkpoint_still_being_written_is_never_the_latest()
    {
        using var tmp = new TempDir();
        Checkpoints.Save(tmp.Path, 2, keep: 5, dir => RunState.Save(dir, 2));
        Directory.CreateDirectory(Path.Combine(tmp.Path, Checkpoints.Name(3) + ".tmp"));   // killed while writing step 3

        Assert.Equal(Checkpoints.Name(2), Path.GetFileName(Checkpoints.Latest(tmp.Path)));
    }

    [Fact]
    public void Resume_on_a_folder_that_holds_no_run_starts_a_new_one_and_says_so()
    {
        using var tmp = new TempDir();
        var run = RunFolder.At(Path.Combine(tmp.Path, "fresh"));

        var checkpoint = run.Claim(new TrainConfig(), resume: true, TrainConfig.ResumeSafeKeys);
        var start = run.Begin(new TrainConfig(), checkpoint, 0);

        Assert.Null(checkpoint);
        Assert.Equal($"new run in {run.Path}", start.Describe(100));
        Assert.True(File.Exists(run.ConfigFile));
    }

    private static void AssertLayout(string checkpoint, params string[] extra)
    {
        Assert.True(File.Exists(Path.Combine(checkpoint, Checkpoints.ModelFolder, "model.safetensors")), $"{checkpoint}: no model/");
        Assert.True(File.Exists(Path.Combine(checkpoint, Checkpoints.ModelFolder, "tokenizer.json")), $"{checkpoint}: no model/tokenizer.json");
        Assert.True(File.Exists(Path.Combine(checkpoint, Checkpoints.OptimizerFile)), $"{checkpoint}: no optimizer.bin");
        Assert.True(File.Exists(Path.Combine(checkpoint, Checkpoints.StateFile)), $"{checkpoint}: no state.json");
        foreach (var e in extra) Assert.True(Path.Exists(Path.Combine(checkpoint, e)), $"{checkpoint}: no {e}");
    }

    [Fact]
    public async Task Grpo_checkpoints_use_the_shared_layout_with_cooper_s_reward_model_beside_the_policy()
    {
        using var tmp = new TempDir();
        var data = EmbeddedTask.Generate(EmbeddedTask.DefaultSeed, 8, 2, 0);
        var cfg = new TrainConfig
        {
            Policy = ShippedModels.Policy, RewardModel = ShippedModels.Reward, Reward = RewardMode.Cooper, Steps = 1, ValEvery = 0, Out = tmp.Path,
            Grpo = new GrpoConfig { PromptsPerStep = 1, RolloutsPerPrompt = 2, MaxNewTokens = 16, MicroBatchSize = 2 },
        };
        var run = RunFolder.At(Path.Combine(tmp.Path, "run"));
        using (var t = new GrpoTrainer(cfg, new TrainerInputs { Train = data.Train, Validation = data.Validation }, run, CPU) { ShowProgress = false })
            await t.TrainAsync();

        AssertLayout(run.LatestCheckpoint!, "reward_model/model.safetensors", "reward_optimizer.bin");
        Assert.Equal(1, RunState.Load<GrpoRunState>(run.LatestCheckpoint!).Step);
    }

    [Fact]
    public void Sft_and_reward_model_checkpoints_use_the_shared_layout()
    {
        using var tmp = new TempDir();
        var data = EmbeddedTask.Generate(EmbeddedTask.DefaultSeed, 8, 1, 0);
        var sft = new SftConfig
        {
            HiddenSize = 32, Layers = 1, Heads = 2, KvHeads = 1, IntermediateSize = 64, MaxPositions = 400, MaxLength = 400,
            Steps = 1, BatchSize = 2, WarmupSteps = 0, EvalEvery = 0, EvalPrompts = 1, EvalSamples = 1, MaxNewTokens = 1, Out = tmp.Path,
        };
        var sftRun = RunFolder.At(Path.Combine(tmp.Path, "sft"));
        using (var t = new SftTrainer(sft, sftRun, CPU, train: data.Train, val: data.Validation)) t.Train();

        var rmRun = RunFolder.At(Path.Combine(tmp.Path, "rm"));
        var rm = new RmTrainConfig { Data = "unused.jsonl", Init = "unused", Out = rmRun.Path, Epochs = 1, BatchSize = 8, MicroBatchSize = 8 };
        RewardModelTrainer.Train(rm, TinyRewardModel.SyntheticSet(8), [], rmRun, () => TinyRewardModel.Create(seed: 1));

        AssertLayout(sftRun.LatestCheckpoint!);
        AssertLayout(rmRun.LatestCheckpoint!);
        Assert.Equal(1, RunState.LoadStep(sftRun.LatestCheckpoint!));
        Assert.Equal(1, RunState.Load<RewardModelTrainer.RmRunState>(rmRun.LatestCheckpoint!).Step);
    }
}
