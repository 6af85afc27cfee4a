using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cooper.Data;
using Cooper.Data.Embedded;
using Cooper.Evaluation;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.RL;
using Cooper.Rewards;
using Cooper.Tokenizers;
using Spectre.Console;
using static TorchSharp.torch;

namespace Cooper.Cli.Commands;

/// <summary><c>cooper eval --model M --data D [--samples k] [--temperature 0.7] [--top-p 0.95]</c>: verifier-judged mean@k.</summary>
public static class EvalCommand
{
    public static Command Create(GlobalOptions g)
    {
        var model = new Option<string>("--model") { Description = "policy folder (HF layout with tokenizer)", Required = true };
        var data = new Option<string?>("--data") { Description = "dataset file (verl/GSM8K/MATH/plain JSONL or parquet), or embedded:train|val|test (default embedded:test)" };
        var samples = new Option<int>("--samples") { Description = "samples per problem (paper: 8)", DefaultValueFactory = _ => 8 };
        var temperature = new Option<double>("--temperature") { Description = "sampling temperature (paper: 0.7)", DefaultValueFactory = _ => 0.7 };
        var topP = new Option<double>("--top-p") { Description = "nucleus sampling (paper: 0.95)", DefaultValueFactory = _ => 0.95 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "generation cap", DefaultValueFactory = _ => 320 };
        var limit = new Option<int?>("--limit") { Description = "evaluate only the first N problems" };
        var prompt = new Option<PromptStyle>("--prompt-style") { Description = "plain (Q:/A:, embedded models) or chat (chat template)", DefaultValueFactory = _ => PromptStyle.Plain };
        var outFile = new Option<string?>("--out") { Description = "JSONL of every sample with its verdict (default: next to nothing)" };
        var tokenizerDir = new Option<string?>("--tokenizer") { Description = "tokenizer folder (default: the model folder), for a policy folder without tokenizer files" };
        var autocast = new Option<string>("--autocast") { Description = "none (float32) or bfloat16 / float16 linear layers (as train.autocast; cooper experiment evaluates in bfloat16)", DefaultValueFactory = _ => "none" };
        var cmd = new Command("eval", "mean@k accuracy judged by the verifier, overall and per data source / difficulty");
        foreach (var o in new Option[] { model, data, samples, temperature, topP, maxNew, limit, prompt, outFile, tokenizerDir, autocast }) cmd.Options.Add(o);
        cmd.SetAction(pr => g.Run(pr, () =>
        {
            var device = g.InitTorch(pr);
            ScalarType? half;
            try { half = Autocast.Parse(pr.GetValue(autocast)); }
            catch (ArgumentException e) { throw new ArgumentException("--autocast: " + e.Message); }
            using var mixed = Autocast.Enable(half);
            var spec = pr.GetValue(data) ?? "embedded:test";
            var problems = LoadProblems(spec);
            if (pr.GetValue(limit) is { } n) problems = problems.Take(n).ToList();
            using var policy = CausalLM.FromPretrained(pr.GetValue(model)!, device);
            var tokenizer = TokenizerLoader.Load(pr.GetValue(tokenizerDir) ?? pr.GetValue(model)!);
            var policyPrompt = new PolicyPrompt(pr.GetValue(prompt), tokenizer);
            problems = FitPrompts(policyPrompt, problems, policy.Config.MaxPositionEmbeddings, pr.GetValue(maxNew), spec);
            var r = PolicyEvaluator.Evaluate(new RolloutEngine(policy, tokenizer), problems, policyPrompt,
                pr.GetValue(samples), pr.GetValue(temperature), pr.GetValue(topP), pr.GetValue(maxNew), seed: pr.GetValue(g.Seed) ?? 777_000_003);
            Print(r);
            if (pr.GetValue(outFile) is { } path)
            {
                using var w = new StreamWriter(path);
                foreach (var s in r.Samples)
                    w.WriteLine(JsonSerializer.Serialize(new { id = s.ProblemId, sample = s.SampleIndex, reference = problems[s.ProblemIndex].ReferenceAnswer,
                        data_source = problems[s.ProblemIndex].DataSource, difficulty = problems[s.ProblemIndex].Difficulty, completion = s.Completion, correct = s.Correct, finish = s.FinishReason }));
                Console.WriteLine($"samples: {path}");
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>
    /// The problems whose prompt leaves room for <paramref name="maxNewTokens"/> within the model's context; the
    /// others are counted on stderr. None left is an error.
    /// </summary>
    public static List<MathProblem> FitPrompts(PolicyPrompt prompt, IReadOnlyList<MathProblem> problems, int context, int maxNewTokens, string source)
    {
        var fit = prompt.Fit(problems, context, maxNewTokens);
        if (fit.Skipped == 0) return problems.ToList();
        if (fit.Kept.Count == 0) throw new ArgumentException($"no problem left to run: {fit.Message($"problems of {source}")}");
        Console.Error.WriteLine("warning: " + fit.Message($"problems of {source}"));
        return fit.Kept.ToList();
    }

    /// <summary>A dataset file, or <c>embedded:train|val|test[:seed]</c>.</summary>
    public static List<MathProblem> LoadProblems(string spec)
    {
        if (spec.StartsWith("embedded:", StringComparison.Ordinal))
        {
            var parts = spec.Split(':');
            int seed = parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : EmbeddedTask.DefaultSeed;
            var splits = EmbeddedTask.Generate(seed);
            return (parts[1] switch
            {
                "train" => splits.Train,
                "val" or "validation" => splits.Validation,
                "test" => splits.Test,
                _ => throw new ArgumentException($"--data {spec}: expected embedded:train, embedded:val or embedded:test"),
            }).ToList();
        }
        var result = DatasetReader.Load(spec);
        if (result.Skipped > 0) Console.Error.WriteLine($"warning: {spec}: skipped {result.Skipped} malformed row(s)");
        return result.Problems.ToList();
    }

    private static void Print(EvalResult r)
    {
        string P(double v) => double.IsNaN(v) ? "–" : (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%";
        Console.WriteLine($"accuracy (mean@{r.SamplesPerProblem}, {r.Problems} problems): {P(r.Accuracy)} ± {P(r.AccuracyStdError)} (standard error over problems)");
        Console.WriteLine("pass@k: " + string.Join(", ", r.PassAt.Select(kv => $"pass@{kv.Key} {P(kv.Value)}")) + $"; distinct completions {P(r.DistinctRate)} of samples");
        var t = new Table().AddColumn("group").AddColumn("accuracy");
        foreach (var (k, v) in r.ByDifficulty) t.AddRow($"level {k}", P(v));
        foreach (var (k, v) in r.ByDataSource) t.AddRow(k, P(v));
        AnsiConsole.Write(t);
    }
}
