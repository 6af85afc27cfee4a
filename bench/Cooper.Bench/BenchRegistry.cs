namespace Cooper.Bench;

/// <summary>Name → benchmark. Add an entry per benchmark file.</summary>
public static class BenchRegistry
{
    private static readonly Dictionary<string, (string Help, Func<string[], int> Run)> s_benches = new()
    {
        ["matmul"] = ("fp32 matmul GFLOP/s on this machine's threads", MatmulBench.Run),
        ["sft-throughput"] = ("SFT tokens/s of the shipped policy's shape next to the matmul rate: [steps=40] [batch=32]", SftBench.Run),
        ["verify"] = ("rule verifier: ms/case on the Math-Verify dev cases, thread scaling, GSM8K reward path", VerifyBench.Run),
        ["rollout"] = ("generation tokens/s: KV-cache RolloutEngine vs full recompute (--shape small|qwen0.5b)", ModelBench.Rollout),
        ["policy-update"] = ("seconds of one GRPO policy update on one step's rollouts: every rollout vs identical rollouts merged", PolicyUpdateBench.Run),
        ["rm-score"] = ("seconds to score one GRPO step's rollouts with the shipped reward model: whole inputs vs shared prefix", RmScoreBench.Run),
        ["rm-probe"] = ("what the shipped reward model rewards: gold solutions vs rewritten, answer-changed and slipped ones", RmProbeBench.Run),
        ["scalar-race"] = ("TorchSharp's temporary Scalars under concurrent GC: failures and wrong sums of a + b on threads", ScalarRaceBench.Run),
        ["train-step"] = ("forward+backward tokens/s of the token log-prob loss (--shape small|qwen0.5b)", ModelBench.TrainStep),
    };

    public static int Run(string[] args)
    {
        if (args.Length == 0 || !s_benches.TryGetValue(args[0], out var b))
        {
            Console.WriteLine("usage: Cooper.Bench <name> [options]\n");
            foreach (var (name, (help, _)) in s_benches) Console.WriteLine($"  {name,-14} {help}");
            return args.Length == 0 ? 0 : 2;
        }
        return b.Run(args[1..]);
    }

    /// <summary>The value after <paramref name="name"/> in <paramref name="args"/>, else <paramref name="fallback"/>.</summary>
    public static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    /// <summary><see cref="Arg"/> parsed as an invariant-culture integer.</summary>
    public static int IntArg(string[] args, string name, int fallback) =>
        int.Parse(Arg(args, name, fallback.ToString(System.Globalization.CultureInfo.InvariantCulture)), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The repository's <c>models/</c> folder (found by walking up to <c>Cooper.slnx</c>), else <c>models</c>.</summary>
    public static string ModelsDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cooper.slnx"))) dir = dir.Parent;
        return dir is null ? "models" : Path.Combine(dir.FullName, "models");
    }

    /// <summary>A header line naming the command, machine and date, for docs/BENCHMARKS.md.</summary>
    public static string Header(string command) =>
        $"`{command}` — {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, " +
        $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, " +
        $"malloc tuning {(Cooper.Runtime.Allocator.Tuned == true ? "on" : "off")}, {DateTime.UtcNow:yyyy-MM-dd}";
}
