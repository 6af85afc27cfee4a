using System.Diagnostics;
using System.Globalization;
using Cooper.Data.Embedded;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.RL;
using Cooper.Data;
using Cooper.Rewards;
using Cooper.Runtime;
using Cooper.Tokenizers;
using TorchSharp;

namespace Cooper.Bench;

/// <summary>
/// <c>rm-score</c>: seconds to score one GRPO step's rollouts with the shipped reward model, every input
/// whole, identical inputs once (<see cref="RewardModel.ScoreDuplicatesOnce"/>), and also each problem's
/// common prefix once (<see cref="RewardModel.SharePrefix"/>).
/// The rollouts are real: the shipped policy samples n completions (T 1.0 unless set, 200 new tokens) for each of
/// the first prompts of the embedded train split, as <c>cooper train</c> does.
/// </summary>
/// <remarks>Options: <c>--prompts 8</c>, <c>--n 16</c>, <c>--reps 5</c>, <c>--temperature 1.0</c> (higher: more distinct rollouts), <c>--threads N</c>, <c>--models DIR</c> (default: models/ of the repository).</remarks>
public static class RmScoreBench
{
    public static int Run(string[] args)
    {
        string Get(string name, string fallback) => BenchRegistry.Arg(args, name, fallback);
        int Int(string name, int fallback) => BenchRegistry.IntArg(args, name, fallback);
        TorchRuntime.PreloadLibTorch();
        if (Int("--threads", 0) is > 0 and var threads) torch.set_num_threads(threads);
        int prompts = Int("--prompts", 8), n = Int("--n", 16), reps = Int("--reps", 5);
        double temperature = double.Parse(Get("--temperature", "1.0"), CultureInfo.InvariantCulture);
        var models = Get("--models", BenchRegistry.ModelsDir());
        Console.WriteLine(BenchRegistry.Header("Cooper.Bench rm-score " + string.Join(' ', args)));

        using var policy = CausalLM.FromPretrained(Path.Combine(models, "policy"));
        var tokenizer = TokenizerLoader.Load(Path.Combine(models, "policy"));
        var problems = EmbeddedTask.Generate().Train.Take(prompts).ToList();
        var promptIds = problems.Select(p => tokenizer.Encode(new PolicyPrompt(PromptStyle.Plain, tokenizer).Text(p))).ToList();
        var samples = new RolloutEngine(policy, tokenizer).Generate(promptIds,
            new SamplingParams { Temperature = temperature, TopP = 1.0, MaxNewTokens = 200, N = n, Seed = 1 });
        var inputs = samples.Select(s => new RmInput(problems[s.PromptIndex].Question, problems[s.PromptIndex].ReferenceAnswer, s.Text)).ToList();

        var dir = Path.Combine(models, "reward");
        using var shared = RewardModel.Load(dir);
        using var whole = new RewardModel(SequenceClassifier.FromPretrained(dir), TokenizerLoader.Load(dir)) { SharePrefix = false };
        using var every = new RewardModel(SequenceClassifier.FromPretrained(dir), TokenizerLoader.Load(dir)) { SharePrefix = false, ScoreDuplicatesOnce = false };
        var encoded = inputs.Select(shared.Encode).ToList();
        long tokens = encoded.Sum(e => (long)e.Length);
        long prefixTokens = encoded.Select((e, i) => (e, i)).GroupBy(x => samples[x.i].PromptIndex)
            .Sum(g => (long)RewardModel.CommonPrefixLength(g.Select(x => x.e).ToList()) * (g.Count() - 1));
        int distinct = inputs.Distinct().Count();
        Console.WriteLine($"{torch.get_num_threads()} threads; {inputs.Count} rollouts ({prompts} prompts × {n}), {distinct} distinct; " +
                          $"{tokens} reward-model tokens, of which {prefixTokens} ({100.0 * prefixTokens / tokens:0.0}%) repeat a group's common prefix\n");

        var a = shared.Scores(inputs);   // warm-up, and the scores compared below
        var b = every.Scores(inputs);
        double maxDiff = a.Zip(b).Max(x => Math.Abs(x.First - x.Second));
        double tEvery = Time(() => every.Scores(inputs), reps), tWhole = Time(() => whole.Scores(inputs), reps), tShared = Time(() => shared.Scores(inputs), reps);

        Console.WriteLine("| path | seconds per step (median of " + reps + ") | reward-model tokens/s (all inputs) |");
        Console.WriteLine("| --- | ---: | ---: |");
        Console.WriteLine($"| every input whole | {tEvery:0.000} | {tokens / tEvery:0} |");
        Console.WriteLine($"| duplicates once, each input whole | {tWhole:0.000} | {tokens / tWhole:0} |");
        Console.WriteLine($"| duplicates once, common prefix once (default) | {tShared:0.000} | {tokens / tShared:0} |");
        Console.WriteLine($"\nspeed-up {tEvery / tShared:0.00}× over every input whole; largest score difference {maxDiff:0.0e0}");
        return 0;
    }

    private static double Time(Action run, int reps)
    {
        var times = new List<double>();
        for (int r = 0; r < reps; r++)
        {
            var sw = Stopwatch.StartNew();
            run();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
