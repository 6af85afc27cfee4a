using Cooper.Data.Embedded;
using Cooper.Runs;
using Cooper.Tests.Modeling;
using Cooper.Training;
using static TorchSharp.torch;

namespace Cooper.Tests.Runs;

/// <summary><c>cooper sft --resume</c> drops the metric lines logged after the checkpoint it continues from, as the other trainers do.</summary>
[Collection("NonParallel")]
public class SftResumeTests
{
    [Fact]
    public void A_resumed_sft_run_logs_each_step_once()
    {
        using var tmp = new TempDir();
        var data = EmbeddedTask.Generate(EmbeddedTask.DefaultSeed, 32, 2, 0);
        var cfg = new SftConfig
        {
            HiddenSize = 32, Layers = 1, Heads = 2, KvHeads = 1, IntermediateSize = 64, MaxPositions = 400, MaxLength = 400,
            Steps = 3, BatchSize = 4, WarmupSteps = 0, EvalEvery = 0, EvalPrompts = 1, EvalSamples = 1, MaxNewTokens = 2,
            CheckpointEvery = 2, KeepCheckpoints = 5, Out = tmp.Path,
        };
        var run = RunFolder.Open(Path.Combine(tmp.Path, "run"));
        using (var t = new SftTrainer(cfg, run, CPU, train: data.Train, val: data.Validation)) t.Train();
        // As if killed after step 3's metrics line but before its checkpoint: the newest checkpoint is step 2.
        Directory.Delete(Path.Combine(run.Checkpoints, "step-000003"), recursive: true);

        using (var t = new SftTrainer(cfg, run, CPU, resume: true, train: data.Train, val: data.Validation))
        {
            Assert.Equal(2, t.Step);
            t.Train();
        }

        Assert.Equal([1, 2, 3], CooperCli.Steps(run.MetricsFile));
    }
}
