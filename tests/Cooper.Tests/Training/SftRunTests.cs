using Cooper.Data.Embedded;
using Cooper.Runs;
using Cooper.Training;
using static TorchSharp.torch;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Training;

[Collection("NonParallel")]
public class SftRunTests
{
    [Fact]
    public void Twenty_sft_steps_lower_the_loss_and_resume_continues_the_step_count()
    {
        var data = EmbeddedTask.Generate(EmbeddedTask.DefaultSeed, 64, 4, 0);
        var dir = Directory.CreateTempSubdirectory("cooper-sft-").FullName;
        try
        {
            var cfg = new SftConfig
            {
                HiddenSize = 32, Layers = 1, Heads = 2, KvHeads = 1, IntermediateSize = 64, MaxPositions = 400, MaxLength = 400,
                Steps = 20, BatchSize = 8, LearningRate = 3e-3, WarmupSteps = 2, EvalEvery = 0, EvalPrompts = 2, EvalSamples = 1,
                MaxNewTokens = 4, CheckpointEvery = 10, Out = dir,
            };
            var run = RunFolder.Open(Path.Combine(dir, "run"));
            using (var t = new SftTrainer(cfg with { Steps = 20 }, run, CPU, train: data.Train, val: data.Validation))
                t.Train();
            var rows = MetricsWriter.Read(run.MetricsFile);
            Assert.Equal(20, rows.Count);
            double first = rows.Take(3).Average(r => r["sft/loss"]), last = rows.TakeLast(3).Average(r => r["sft/loss"]);
            Assert.True(last < first - 0.5, $"loss went from {first:0.000} to {last:0.000}");
            // resuming a finished run does nothing more; the checkpoint holds step 20
            using var resumed = new SftTrainer(cfg, run, CPU, resume: true, train: data.Train, val: data.Validation);
            Assert.Equal(20, resumed.Step);
        }
        finally { Directory.Delete(dir, true); }
    }
}
