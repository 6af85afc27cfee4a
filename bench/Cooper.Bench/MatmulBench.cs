using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Bench;

/// <summary>Matmul throughput: the ceiling every CPU training/rollout number is compared with.
/// Default n×n fp32; <c>--m/--k/--n</c> give a model-shaped product, <c>--dtype bfloat16</c> the half-precision rate.</summary>
public static class MatmulBench
{
    public static int Run(string[] args)
    {
        Console.WriteLine(BenchRegistry.Header("Cooper.Bench matmul"));
        if (args.Length == 0)
        {
            Console.WriteLine($"matmul GFLOP/s (n=1024, fp32, {torch.get_num_threads()} threads): {Measure():0.0}");
            return 0;
        }
        int m = BenchRegistry.IntArg(args, "--m", 1024), k = BenchRegistry.IntArg(args, "--k", 1024), n = BenchRegistry.IntArg(args, "--n", 1024);
        int reps = BenchRegistry.IntArg(args, "--reps", 50);
        foreach (var name in BenchRegistry.Arg(args, "--dtype", "float32,bfloat16").Split(','))
        {
            var dtype = name switch
            {
                "float32" => ScalarType.Float32,
                "bfloat16" => ScalarType.BFloat16,
                "float16" => ScalarType.Float16,
                _ => throw new ArgumentException($"--dtype: expected float32, bfloat16 or float16, got '{name}'"),
            };
            Console.WriteLine($"matmul [{m}×{k}]·[{k}×{n}] {name}, {torch.get_num_threads()} threads: {Measure(m, k, n, dtype, reps):0.0} GFLOP/s");
        }
        return 0;
    }

    /// <summary>Measured GFLOP/s of an n×n fp32 matmul on the current threads.</summary>
    public static double Measure(int n = 1024, int reps = 20) => Measure(n, n, n, ScalarType.Float32, reps);

    /// <summary>Measured GFLOP/s of an [m×k]·[k×n] matmul of <paramref name="dtype"/> on the current threads.</summary>
    public static double Measure(int m, int k, int n, ScalarType dtype, int reps)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(m, k).to(dtype);
        var b = torch.randn(k, n).to(dtype);
        for (int i = 0; i < 3; i++) a.matmul(b).Dispose();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) a.matmul(b).Dispose();
        return 2.0 * m * k * n * reps / sw.Elapsed.TotalSeconds / 1e9;
    }
}
