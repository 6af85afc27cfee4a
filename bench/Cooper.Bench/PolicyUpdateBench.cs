using System.Diagnostics;
using System.Globalization;
using Cooper.Data;
using Cooper.Data.Embedded;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.RL;
using Cooper.Runtime;
using Cooper.Tokenizers;
using Cooper.Verify;
using TorchSharp;

namespace Cooper.Bench;

/// <summary>
/// <c>policy-update</c>: seconds of one GRPO policy update (the experiment's defaults: one epoch, one
/// mini-batch, micro-batches of 32, k3 KL to the reference) on one step's real rollouts, each rollout
/// forwarded on its own vs identical rollouts merged (<see cref="PolicyUpdate.MergeDuplicates"/>).
/// The prompts are those of training step <c>--step</c> of a seed-1 run (the trainer's data order), so the
/// rollouts are as varied as training's. Each repetition starts from a fresh copy of the shipped policy.
/// </summary>
/// <remarks>Options: <c>--step 0</c>, <c>--prompts 8</c>, <c>--n 16</c>, <c>--reps 3</c>, <c>--temperature 1.0</c>, <c>--threads N</c>, <c>--models DIR</c>, <c>--autocast none|bfloat16</c> (the update's linear layers in bf16).</remarks>
public static class PolicyUpdateBench
{
    public static int Run(string[] args)
    {
        string Get(string name, string fallback) => BenchRegistry.Arg(args, name, fallback);
        int Int(string name, int fallback) => BenchRegistry.IntArg(args, name, fallback);
        TorchRuntime.PreloadLibTorch();
        if (Int("--threads", 0) is > 0 and var threads) torch.set_num_threads(threads);
        int prompts = Int("--prompts", 8), n = Int("--n", 16), reps = Int("--reps", 3);
        double temperature = double.Parse(Get("--temperature", "1.0"), CultureInfo.InvariantCulture);
        var dir = Path.Combine(Get("--models", BenchRegistry.ModelsDir()), "policy");
        Console.WriteLine(BenchRegistry.Header("Cooper.Bench policy-update " + string.Join(' ', args)));

        var tokenizer = TokenizerLoader.Load(dir);
        var prompt = new PolicyPrompt(PromptStyle.Plain, tokenizer);
        var train = EmbeddedTask.Generate().Train;
        var order = Cooper.Runs.DataOrder.Shuffled(train.Count, 1, 0xDA7A);   // GrpoTrainer's order at seed 1
        var problems = order.Range((long)Int("--step", 0) * prompts, prompts).Select(i => train[i]).ToList();
        var promptIds = problems.Select(p => tokenizer.Encode(prompt.Text(p))).ToList();
        IReadOnlyList<RolloutSample> samples;
        using (var policy = CausalLM.FromPretrained(dir))
            samples = new RolloutEngine(policy, tokenizer).Generate(promptIds,
                new SamplingParams { Temperature = temperature, TopP = 1.0, MaxNewTokens = 200, N = n, Seed = 1 });
        // Advantages as GRPO would give them under a 0/1 reward that differs within groups: ±1 by the parity of its length,
        // equal for identical rollouts of a group (so merging applies exactly as in training).
        var seqs = samples.Where(s => s.TokenIds.Length > 0)
            .Select(s => new PolicySequence(promptIds[s.PromptIndex], s.TokenIds, s.TokenIds.Length % 2 == 0 ? 1.0 : -1.0)).ToList();
        // Dynamic sampling (grpo.dynamic_sampling): groups whose rollouts the verifier judged all alike carry no
        // advantage and are left out of the update.
        var uniform = samples.GroupBy(s => s.PromptIndex)
            .Where(g => g.Select(s => MathVerifier.Score(s.Text, problems[s.PromptIndex].ReferenceAnswer)).Distinct().Count() == 1)
            .Select(g => g.Key).ToHashSet();
        var informative = samples.Where(s => s.TokenIds.Length > 0 && !uniform.Contains(s.PromptIndex))
            .Select(s => new PolicySequence(promptIds[s.PromptIndex], s.TokenIds, s.TokenIds.Length % 2 == 0 ? 1.0 : -1.0)).ToList();
        int distinct = PolicyUpdate.MergeDuplicates(seqs).Count;
        long tokens = seqs.Sum(s => (long)s.ResponseIds.Length);
        Console.WriteLine($"{torch.get_num_threads()} threads; {seqs.Count} rollouts ({prompts} prompts × {n}, T {temperature}), {distinct} distinct; {tokens} response tokens\n");

        var cfg = new GrpoConfig { MicroBatchSize = 32, MaxNewTokens = 200, LearningRate = 1e-4 };
        double Time(bool merge, List<PolicySequence>? rows = null)
        {
            rows ??= seqs;
            var times = new List<double>();
            for (int r = 0; r < reps + 1; r++)   // the first repetition warms up
            {
                using var policy = CausalLM.FromPretrained(dir);
                using var reference = CausalLM.FromPretrained(dir);
                using var opt = torch.optim.AdamW(policy.parameters(), cfg.LearningRate, weight_decay: cfg.WeightDecay);
                var sw = Stopwatch.StartNew();
                PolicyUpdate.Run(policy, reference, opt, rows, cfg with { MergeDuplicates = merge }, padId: tokenizer.PadTokenId ?? 0, seed: 1);
                if (r > 0) times.Add(sw.Elapsed.TotalSeconds);
            }
            times.Sort();
            return times[times.Count / 2];
        }
        using var autocast = Autocast.Enable(Autocast.Parse(Get("--autocast", "none")));
        double each = Time(merge: false), merged = Time(merge: true), dynamic = Time(merge: true, informative);
        Console.WriteLine("| policy update | seconds (median of " + reps + ") | response tokens/s |");
        Console.WriteLine("| --- | ---: | ---: |");
        Console.WriteLine($"| every rollout forwarded | {each:0.000} | {tokens / each:0} |");
        Console.WriteLine($"| identical rollouts merged (default) | {merged:0.000} | {tokens / merged:0} |");
        Console.WriteLine($"| merged, and only the {informative.Count} rollouts of the {prompts - uniform.Count} groups with mixed verdicts (dynamic sampling) | {dynamic:0.000} | {informative.Sum(x => (long)x.ResponseIds.Length) / dynamic:0} |");
        Console.WriteLine($"\nspeed-up {each / merged:0.00}× (merging), {each / dynamic:0.00}× (merging and dynamic sampling)");
        return 0;
    }
}
