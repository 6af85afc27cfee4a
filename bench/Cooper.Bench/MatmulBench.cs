using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Bench;

/// <summary>fp32 matmul throughput: the ceiling every CPU training/rollout number is compared with.</summary>
public static class MatmulBench
{
    public static int Run(string[] args)
    {
        Console.WriteLine(BenchRegistry.Header("Cooper.Bench matmul"));
        Console.WriteLine($"matmul GFLOP/s (n=1024, fp32, {torch.get_num_threads()} threads): {Measure():0.0}");
        return 0;
    }

    /// <summary>Measured GFLOP/s of an n×n fp32 matmul on the current threads.</summary>
    public static double Measure(int n = 1024, int reps = 20)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(n, n);
        var b = torch.randn(n, n);
        for (int i = 0; i < 3; i++) a.matmul(b).Dispose();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) a.matmul(b).Dispose();
        return 2.0 * n * n * n * reps / sw.Elapsed.TotalSeconds / 1e9;
    }
}
