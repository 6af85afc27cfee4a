using Cooper.Annotation;
using Cooper.Configuration;
using Cooper.Rewards;
using Cooper.Runs;
using Cooper.Tests.Modeling;
using Cooper.Training;
using static TorchSharp.torch;

using Cooper.Tests.RL;
using Cooper.Tests.Data;

namespace Cooper.Tests.Rewards;

public class RewardModelTrainerTests
{
    private static RmTrainConfig Tiny(string outDir, string init = "unused") => new()
    {
        Data = "unused.jsonl",
        Init = init,
        Out = outDir,
        LearningRate = 2e-3,
        Epochs = 3,
        BatchSize = 8,
        MicroBatchSize = 4,
        WarmupRatio = 0.1,
        EvalEvery = 4,
        CheckpointEvery = 4,
        Seed = 7,
    };

    private static double MeanBce(Cooper.Rewards.RewardModel rm, IReadOnlyList<LabelledExample> rows) =>
        RmEvaluation.Evaluate(rows, batch => rm.Scores(batch)).LogLoss;

    [Fact]
    public void Bce_training_on_a_separable_set_lowers_the_loss()
    {
        using var dir = new TempDir();
        var train = TinyRewardModel.SyntheticSet(16);
        var val = TinyRewardModel.SyntheticSet(8, offset: 100);
        double before;
        using (var fresh = TinyRewardModel.Create(seed: 1)) before = MeanBce(fresh, train);

        // 30 full-batch steps at a constant 3e-3: enough for the tiny model to leave its 0.69 plateau.
        var cfg = Tiny(dir.Path) with
        {
            Epochs = 30, BatchSize = 16, MicroBatchSize = 8, LearningRate = 3e-3, WarmupRatio = 0,
            Schedule = ScheduleKind.WarmupConstant, EvalEvery = 10, CheckpointEvery = 0,
        };
        var result = RewardModelTrainer.Train(cfg, train, val, RunFolder.Open(dir.Path), () => TinyRewardModel.Create(seed: 1));

        Assert.Equal(30, result.Steps);
        Assert.NotNull(result.ModelDir);
        using var trained = Cooper.Rewards.RewardModel.Load(result.ModelDir!);
        double after = MeanBce(trained, train);
        Assert.True(after < 0.5 * before, $"mean BCE on the training rows should fall: {before:0.0000} → {after:0.0000}");
        Assert.True(File.Exists(Path.Combine(dir.Path, "eval.json")));

        var metrics = MetricsWriter.Read(Path.Combine(dir.Path, "metrics.jsonl"));
        Assert.Equal(Enumerable.Range(1, 30).Select(s => (double)s), metrics.Select(m => m["step"]));
        Assert.All(metrics, m => Assert.True(m.ContainsKey("rm/loss") && m.ContainsKey("rm/grad_norm") && m.ContainsKey("rm/lr")));
        Assert.Equal(3, metrics.Count(m => m.ContainsKey("rm/val_accuracy") && m.ContainsKey("rm/val_auroc")));
    }

    [Fact]
    public void A_resumed_run_ends_where_an_uninterrupted_one_does()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var train = TinyRewardModel.SyntheticSet(24);
        var val = TinyRewardModel.SyntheticSet(6, offset: 50);
        var cfg = Tiny(a.Path) with { Epochs = 2, CheckpointEvery = 0 };   // 3 steps per epoch, 6 in all

        var full = RewardModelTrainer.Train(cfg, train, val, RunFolder.Open(a.Path), () => TinyRewardModel.Create(seed: 2));

        var runB = RunFolder.Open(b.Path);
        var first = RewardModelTrainer.Train(cfg with { Out = b.Path, StopAfter = 4 }, train, val, runB, () => TinyRewardModel.Create(seed: 2));
        Assert.Null(first.ModelDir);
        Assert.Equal(4, first.Steps);
        // Lines logged after the checkpoint (a crash between checkpoints) must not be duplicated on resume.
        File.AppendAllText(runB.MetricsFile, "{\"step\":5,\"rm/loss\":9}\n");
        var second = RewardModelTrainer.Train(cfg with { Out = b.Path }, train, val, runB,
            () => throw new InvalidOperationException("a resumed run must load its checkpoint, not initialise"));
        Assert.Equal(6, second.Steps);

        using var rmA = Cooper.Rewards.RewardModel.Load(full.ModelDir!);
        using var rmB = Cooper.Rewards.RewardModel.Load(second.ModelDir!);
        var inputs = val.Select(r => r.ToInput()).ToList();
        var sa = rmA.Scores(inputs);
        var sb = rmB.Scores(inputs);
        for (int i = 0; i < sa.Length; i++) Assert.Equal(sa[i], sb[i], 4);

        var steps = MetricsWriter.Read(runB.MetricsFile).Select(m => (int)m["step"]).ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6], steps);
        var lossA = MetricsWriter.Read(Path.Combine(a.Path, "metrics.jsonl")).Select(m => m["rm/loss"]).ToList();
        var lossB = MetricsWriter.Read(runB.MetricsFile).Select(m => m["rm/loss"]).ToList();
        for (int i = 0; i < 6; i++) Assert.Equal(lossA[i], lossB[i], 4);
    }

    [Fact]
    public void Resuming_with_different_data_or_batch_size_is_refused()
    {
        using var dir = new TempDir();
        var run = RunFolder.Open(dir.Path);
        var cfg = Tiny(dir.Path) with { Epochs = 1, StopAfter = 1 };
        RewardModelTrainer.Train(cfg, TinyRewardModel.SyntheticSet(16), [], run, () => TinyRewardModel.Create());
        var e = Assert.Throws<InvalidOperationException>(() =>
            RewardModelTrainer.Train(cfg with { StopAfter = 0 }, TinyRewardModel.SyntheticSet(16, offset: 3), [], run, () => TinyRewardModel.Create()));
        Assert.Contains("training rows differ", e.Message);
        var e2 = Assert.Throws<InvalidOperationException>(() =>
            RewardModelTrainer.Train(cfg with { StopAfter = 0, BatchSize = 4 }, TinyRewardModel.SyntheticSet(16), [], run, () => TinyRewardModel.Create()));
        Assert.Contains("batch_size 8", e2.Message);
    }

    [Fact]
    public void Training_from_a_config_only_folder_starts_from_fresh_weights()
    {
        using var dir = new TempDir();
        var init = TinyRewardModel.ConfigOnlyFolder(Path.Combine(dir.Path, "init"));
        var cfg = Tiny(Path.Combine(dir.Path, "run"), init);
        using var rm = RewardModelTrainer.Initialise(cfg);
        Assert.Equal(1, rm.Model.NumLabels);
        Assert.Equal(rm.Tokenizer.PadTokenId, rm.Model.Config.PadTokenId);
        Assert.Equal(ScalarType.Float32, rm.Model.Dtype);
    }

    [Fact]
    public void The_validation_split_keeps_each_question_on_one_side()
    {
        var rows = TinyRewardModel.SyntheticSet(70);
        var (train, val) = RewardModelTrainer.Split(rows, 0.2, seed: 3);
        Assert.Equal(rows.Count, train.Count + val.Count);
        Assert.NotEmpty(val);
        Assert.Empty(train.Select(r => r.Question).Intersect(val.Select(r => r.Question)));
        Assert.Equal(val, RewardModelTrainer.Split(rows, 0.2, seed: 3).Val);
    }

    [Theory]
    [InlineData("learning_rate=0", "learning_rate must be > 0")]
    [InlineData("epochs=0", "epochs must be ≥ 1")]
    [InlineData("warmup_ratio=1", "warmup_ratio must be in [0, 1)")]
    [InlineData("dtype=float16", "dtype must be float32 or bfloat16")]
    [InlineData("init=", "init is required")]
    [InlineData("answer_edit=1.5", "answer_edit must be in [0, 1]")]
    [InlineData("step_rewrite=-0.1", "step_rewrite must be in [0, 1]")]
    [InlineData("answer_rows=-1", "answer_rows must be ≥ 0")]
    [InlineData("answer_rows_only=true", "answer_rows_only needs answer_rows > 0")]
    public void Bad_settings_are_rejected_with_what_to_change(string assignment, string message)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<RmTrainConfig>(null, ["data=x.jsonl", "init=models/policy", assignment]));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void The_defaults_are_the_papers_recipe()
    {
        var c = new RmTrainConfig();
        Assert.Equal(2e-5, c.LearningRate);
        Assert.Equal(0.01, c.WeightDecay);
        Assert.Equal(3, c.Epochs);
        Assert.Equal(1.0, c.MaxGradNorm);
    }
}
