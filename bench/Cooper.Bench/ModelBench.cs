using System.Diagnostics;
using System.Globalization;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Bench;

/// <summary>
/// Model-stack throughput on random weights: <c>rollout</c> (tokens/s generating with the KV cache vs
/// recomputing the whole sequence each step) and <c>train-step</c> (forward + backward tokens/s of the
/// per-token log-prob loss GRPO uses).
/// </summary>
/// <remarks>
/// Options: <c>--shape small|qwen0.5b</c>, <c>--batch</c>, <c>--prompt</c>, <c>--new</c> (rollout),
/// <c>--seq</c>, <c>--steps</c> (train-step), <c>--dtype float32|bfloat16</c>, <c>--autocast none|bfloat16</c> (rollout), <c>--device cpu|cuda</c>,
/// <c>--threads N</c>, <c>--no-baseline</c> (skip the no-cache run). "small" is a 2.9M-parameter char-level model (hidden 256,
/// 4 layers, 4/2 heads, vocab 64); "qwen0.5b" is shaped like Qwen2.5-0.5B (494M parameters, tied).
/// </remarks>
public static class ModelBench
{
    private static readonly ModelConfig s_small = new()
    {
        ModelType = "qwen2",
        VocabSize = 64,
        HiddenSize = 256,
        IntermediateSize = 688,
        NumHiddenLayers = 4,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 4096,
        TieWordEmbeddings = true,
        PadTokenId = 0,
    };

    private sealed record Options(string Shape, int Batch, int Prompt, int New, int Seq, int Steps, ScalarType Dtype, Device Device, bool Baseline)
    {
        public ModelConfig Config => Shape switch
        {
            "small" => s_small,
            "qwen0.5b" => ModelConfig.Qwen25_05B,
            _ => throw new ArgumentException($"--shape '{Shape}': use small or qwen0.5b"),
        };

        public static Options Parse(string[] args)
        {
            string Get(string name, string fallback) => BenchRegistry.Arg(args, name, fallback);
            int Int(string name, int fallback) => BenchRegistry.IntArg(args, name, fallback);
            var shape = Get("--shape", "small");
            bool big = shape != "small";
            var device = TorchRuntime.ResolveDevice(Enum.Parse<DeviceChoice>(Get("--device", "cpu"), ignoreCase: true));
            if (Int("--threads", 0) is > 0 and var threads) torch.set_num_threads(threads);
            return new Options(
                shape,
                Int("--batch", 8),
                Int("--prompt", big ? 32 : 64),
                Int("--new", big ? 16 : 128),
                Int("--seq", big ? 64 : 256),
                Int("--steps", big ? 2 : 10),
                HfCheckpoint.ParseDtype(Get("--dtype", "float32")),
                device,
                !args.Contains("--no-baseline"));
        }

        public override string ToString() =>
            $"shape {Shape}, {Dtype.ToString().ToLowerInvariant()}, {Device.type.ToString().ToLowerInvariant()}, {torch.get_num_threads()} threads";
    }

    public static int Rollout(string[] args)
    {
        TorchRuntime.PreloadLibTorch();
        var o = Options.Parse(args);
        Console.WriteLine(BenchRegistry.Header("Cooper.Bench rollout " + string.Join(' ', args)));
        using var autocast = Autocast.Enable(Autocast.Parse(BenchRegistry.Arg(args, "--autocast", "none")));
        using var lm = CausalLM.Create(o.Config, seed: 0, o.Device, o.Dtype);
        long parameters = lm.parameters().Sum(p => p.numel());
        Console.WriteLine($"{o}; {parameters / 1e6:0.0}M parameters; batch {o.Batch}, prompt {o.Prompt}, {o.New} new tokens (greedy, fixed length)\n");

        var rng = new Random(0);
        var prompts = Enumerable.Range(0, o.Batch).Select(_ => Enumerable.Range(0, o.Prompt).Select(_ => rng.Next(1, o.Config.VocabSize)).ToArray()).ToList();
        var engine = new RolloutEngine(lm);
        var p = new SamplingParams { Temperature = 0, MaxNewTokens = o.New, IgnoreEos = true };

        engine.Generate(prompts, p with { MaxNewTokens = 2 });   // warm-up
        var sw = Stopwatch.StartNew();
        var samples = engine.Generate(prompts, p);
        double cached = sw.Elapsed.TotalSeconds;
        long generated = samples.Sum(s => s.TokenIds.Length);

        Console.WriteLine("| method | new tokens | seconds | tokens/s |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine($"| KV cache (RolloutEngine) | {generated} | {cached:0.00} | {generated / cached:0.0} |");

        if (o.Baseline)
        {
            sw.Restart();
            var tokens = NoCacheGreedy(lm, prompts, o.New);
            double plain = sw.Elapsed.TotalSeconds;
            bool same = tokens.Zip(samples).All(x => x.First.SequenceEqual(x.Second.TokenIds));
            Console.WriteLine($"| no cache (full forward per step) | {generated} | {plain:0.00} | {generated / plain:0.0} |");
            Console.WriteLine($"\nspeed-up {plain / cached:0.0}×; outputs identical: {same.ToString().ToLowerInvariant()}");
        }
        return 0;
    }

    /// <summary>Greedy decoding that recomputes the whole sequence every step (the baseline the cache avoids).</summary>
    private static List<int[]> NoCacheGreedy(CausalLM lm, List<int[]> prompts, int steps)
    {
        using var inference = torch.inference_mode();
        var seq = torch.tensor(prompts.SelectMany(x => x).Select(x => (long)x).ToArray(), [prompts.Count, prompts[0].Length]).to(lm.Device).DetachFromDisposeScope();
        try
        {
            for (int s = 0; s < steps; s++)
            {
                using var scope = torch.NewDisposeScope();
                var hidden = lm.ForwardHidden(seq);                                            // (B, T, C)
                var next = lm.Logits(hidden.select(1, -1)).argmax(-1).unsqueeze(1);           // (B, 1)
                var grown = torch.cat([seq, next], 1).DetachFromDisposeScope();
                seq.Dispose();
                seq = grown;
            }
            using var tail = seq.narrow(1, prompts[0].Length, steps).cpu();
            var flat = tail.data<long>().ToArray();
            return Enumerable.Range(0, prompts.Count).Select(b => flat.Skip(b * steps).Take(steps).Select(x => (int)x).ToArray()).ToList();
        }
        finally
        {
            seq.Dispose();
        }
    }

    public static int TrainStep(string[] args)
    {
        TorchRuntime.PreloadLibTorch();
        var o = Options.Parse(args);
        Console.WriteLine(BenchRegistry.Header("Cooper.Bench train-step " + string.Join(' ', args)));
        using var lm = CausalLM.Create(o.Config, seed: 0, o.Device, o.Dtype);
        lm.train();
        long parameters = lm.parameters().Sum(p => p.numel());
        Console.WriteLine($"{o}; {parameters / 1e6:0.0}M parameters; batch {o.Batch} × {o.Seq} tokens; loss = −mean TokenLogProbs (chunked log-probs), backward\n");

        using var gen = new torch.Generator(0);
        using var ids = torch.randint(1, o.Config.VocabSize, [o.Batch, o.Seq], generator: gen).to(o.Device).DetachFromDisposeScope();
        double Step()
        {
            using var scope = torch.NewDisposeScope();
            var sw = Stopwatch.StartNew();
            var loss = -lm.TokenLogProbs(ids).mean();
            loss.backward();
            double l = loss.item<float>();   // sync
            lm.zero_grad();
            _ = l;
            return sw.Elapsed.TotalSeconds;
        }
        Step();   // warm-up
        var times = Enumerable.Range(0, o.Steps).Select(_ => Step()).ToList();
        double mean = times.Average();
        long tokens = (long)o.Batch * o.Seq;
        Console.WriteLine("| steps | tokens/step | seconds/step | tokens/s |");
        Console.WriteLine("| ---: | ---: | ---: | ---: |");
        Console.WriteLine($"| {o.Steps} | {tokens} | {mean:0.000} | {tokens / mean:0.0} |");
        return 0;
    }
}
