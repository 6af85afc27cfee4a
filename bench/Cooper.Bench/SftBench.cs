using System.Globalization;
using Cooper.Runs;
using Cooper.Training;
using TorchSharp;

namespace Cooper.Bench;

/// <summary>
/// SFT training throughput of the shipped policy's shape on the embedded task, next to the fp32
/// matmul rate measured in the same process (the ceiling of any CPU training number).
/// Arguments: [steps=40] [batch=32].
/// </summary>
public static class SftBench
{
    public static int Run(string[] args)
    {
        int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 40;
        int batch = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
        Console.WriteLine(BenchRegistry.Header($"Cooper.Bench sft-throughput {steps} {batch}"));
        double gflops = MatmulBench.Measure();
        var dir = Directory.CreateTempSubdirectory("cooper-sftbench-").FullName;
        try
        {
            var cfg = new SftConfig
            {
                Steps = steps, BatchSize = batch, EvalEvery = 0, EvalPrompts = 1, EvalSamples = 1, MaxNewTokens = 1,
                CheckpointEvery = 0, WarmupSteps = 5, Out = dir, Name = "bench",
            };
            var run = RunFolder.Open(Path.Combine(dir, "bench"));
            using var trainer = new SftTrainer(cfg, run, torch.CPU);
            long parameters = trainer.Model.parameters().Sum(p => p.numel());
            trainer.Train();
            var last = MetricsWriter.Read(run.MetricsFile).Last(r => r.ContainsKey("perf/tokens_per_s"));
            double tps = last["perf/tokens_per_s"];
            Console.WriteLine($"threads {torch.get_num_threads()}; fp32 matmul (1024²): {gflops:0.0} GFLOP/s");
            Console.WriteLine($"SFT ({parameters:N0} params, batch {batch}, {steps} steps): {tps:0} tokens/s " +
                              $"≈ {6.0 * parameters * tps / 1e9:0.0} GFLOP/s of 6·N·tokens ({100 * 6.0 * parameters * tps / 1e9 / gflops:0}% of matmul)");
        }
        finally { Directory.Delete(dir, true); }
        return 0;
    }
}
