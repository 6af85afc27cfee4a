using System.CommandLine;
using System.Text.Json.Nodes;
using Cooper.Annotation;
using Cooper.Annotation.Judges;
using Cooper.Data;
using Cooper.Data.Embedded;
using Cooper.Endpoints;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.RL;
using Cooper.Rewards;
using Cooper.Tokenizers;
using Cooper.Verify;

namespace Cooper.Cli.Commands;

/// <summary>
/// <c>cooper annotate</c>: hybrid annotation (paper §3.1) of completions — sampled from a policy or read
/// from a file — by the rule verifier and a judge (an LLM endpoint, or the embedded arithmetic checker).
/// </summary>
public static class AnnotateCommand
{
    public static Command Create(GlobalOptions g)
    {
        var data = new Option<string?>("--data") { Description = "problems with references (jsonl/parquet; verl, gsm8k, math or plain rows) to sample completions for" };
        var split = new Option<string?>("--embedded-split") { Description = "use the embedded arithmetic task's split instead of --data" };
        split.AcceptOnlyFromAmong("train", "val", "test");
        var dataSeed = new Option<int>("--data-seed") { Description = "seed of the embedded task", DefaultValueFactory = _ => EmbeddedTask.DefaultSeed };
        var limit = new Option<int?>("--limit") { Description = "use only the first N problems" };
        var policy = new Option<string?>("--policy") { Description = "policy model folder (with tokenizer) to sample completions from" };
        var samples = new Option<int>("--samples") { Description = "completions per problem (k)", DefaultValueFactory = _ => 4 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "tokens per completion at most", DefaultValueFactory = _ => 256 };
        var temperature = new Option<double>("--temperature") { Description = "sampling temperature", DefaultValueFactory = _ => 1.0 };
        var topP = new Option<double>("--top-p") { Description = "nucleus mass", DefaultValueFactory = _ => 1.0 };
        var style = new Option<PromptStyle>("--prompt-style") { Description = "plain (Q: …\\nA: , the embedded char models) or chat (the tokenizer's chat template)", DefaultValueFactory = _ => PromptStyle.Plain };
        var completions = new Option<string?>("--completions") { Description = "JSONL of existing completions (question, reference|answer, completion|completions) instead of sampling" };
        var output = new Option<string>("--out") { Description = "folder for labelled.jsonl, disagreements.jsonl and summary.json", Required = true };
        var mode = new Option<string>("--policy-mode") { Description = "keep-agreements (the paper's), rule-only or judge-only", DefaultValueFactory = _ => "keep-agreements" };
        mode.AcceptOnlyFromAmong("keep-agreements", "rule-only", "judge-only");
        var endpoint = new Option<string?>("--judge-endpoint") { Description = "OpenAI-compatible base URL of the judge LLM (e.g. http://127.0.0.1:8000/v1); default: the embedded arithmetic checker" };
        var judgeModel = new Option<string?>("--judge-model") { Description = "model name the judge endpoint serves" };
        var concurrency = new Option<int>("--judge-concurrency") { Description = "judge requests in flight at most", DefaultValueFactory = _ => 8 };
        var cmd = new Command("annotate", "Label completions with the rule verifier and a judge; keep agreements (or one side) as reward-model training data")
        {
            data, split, dataSeed, limit, policy, samples, maxNew, temperature, topP, style, completions, output, mode, endpoint, judgeModel, concurrency,
        };
        cmd.SetAction((pr, ct) => g.RunAsync(pr, async () =>
        {
            var labelPolicy = HybridAnnotator.ParsePolicy(pr.GetValue(mode)!);
            var extra = new JsonObject();
            List<AnnotationItem> items;
            if (pr.GetValue(completions) is { } file)
            {
                if (pr.GetValue(policy) is not null || pr.GetValue(data) is not null || pr.GetValue(split) is not null)
                    throw new ArgumentException("--completions replaces sampling: drop --policy, --data and --embedded-split");
                items = CompletionSources.ReadCompletions(file);
                if (pr.GetValue(limit) is { } n) items = items.Take(n).ToList();
                extra["source"] = new JsonObject { ["completions"] = Path.GetFileName(file) };
            }
            else
            {
                var policyDir = pr.GetValue(policy) ?? throw new ArgumentException("give --policy DIR (with --data or --embedded-split) to sample completions, or --completions FILE");
                var problems = Problems(pr.GetValue(data), pr.GetValue(split), pr.GetValue(dataSeed), pr.GetValue(limit));
                var device = g.InitTorch(pr);
                using var lm = CausalLM.FromPretrained(policyDir, device);
                var tok = TokenizerLoader.Load(policyDir);
                try
                {
                    problems = EvalCommand.FitPrompts(new PolicyPrompt(pr.GetValue(style), tok), problems, lm.Config.MaxPositionEmbeddings,
                        pr.GetValue(maxNew), pr.GetValue(data) ?? $"the embedded {pr.GetValue(split)} split");
                    int k = pr.GetValue(samples);
                    var sampling = new SamplingParams
                    {
                        Temperature = pr.GetValue(temperature), TopP = pr.GetValue(topP), MaxNewTokens = pr.GetValue(maxNew),
                        Seed = pr.GetValue(g.Seed) ?? 1,
                    };
                    Console.WriteLine($"sampling {k} completions for each of {problems.Count} problems");
                    items = CompletionSources.Sample(lm, tok, problems, k, sampling, pr.GetValue(style),
                        progress: done => Console.WriteLine($"[annotate] sampled {done}/{problems.Count} problems"));
                    extra["source"] = new JsonObject { ["policy"] = Path.GetFileName(Path.TrimEndingDirectorySeparator(policyDir)), ["samples"] = k, ["problems"] = problems.Count };
                }
                finally { (tok as IDisposable)?.Dispose(); }
            }

            IJudge judge;
            LlmClient? client = null;
            if (pr.GetValue(endpoint) is { } url)
            {
                var config = new EndpointConfig
                {
                    BaseUrl = url,
                    Model = pr.GetValue(judgeModel) ?? throw new ArgumentException("--judge-endpoint needs --judge-model"),
                    MaxConcurrency = pr.GetValue(concurrency),
                };
                config.Validate();
                client = new LlmClient(config, Console.Error.WriteLine);
                judge = new LlmJudge(client, Console.Error.WriteLine);
                extra["judge"] = $"llm:{config.Model}";
            }
            else
            {
                judge = new ArithmeticJudge();
                extra["judge"] = "arithmetic-checker";
            }
            extra["rule"] = "math-verifier";

            try
            {
                int total = items.Count;
                var result = await HybridAnnotator.AnnotateAsync(items, MathVerifier.Score, judge, labelPolicy, pr.GetValue(concurrency),
                    done => { if (done % 500 == 0 || done == total) Console.WriteLine($"[annotate] judged {done}/{total}"); }, ct);
                var outDir = pr.GetValue(output)!;
                HybridAnnotator.Write(result, outDir, extra);
                var c = result.Counts;
                Console.WriteLine($"{c.Total} completions: judged {c.Judged} (no verdict {c.NoVerdict}), agreement {c.AgreementRate:P1} " +
                    $"({c.Agreements} agree, {c.Disagreements} disagree); policy {HybridAnnotator.PolicyName(labelPolicy)} kept {c.Labelled} " +
                    $"({c.Positives} correct, {c.Labelled - c.Positives} incorrect)");
                Console.WriteLine($"written to {outDir}: labelled.jsonl, disagreements.jsonl, summary.json");
                return 0;
            }
            finally { client?.Dispose(); }
        }, ct));
        return cmd;
    }

    private static IReadOnlyList<MathProblem> Problems(string? data, string? split, int dataSeed, int? limit)
    {
        if ((data is null) == (split is null)) throw new ArgumentException("give exactly one of --data FILE and --embedded-split train|val|test");
        if (data is not null) return DatasetReader.Load(data, new DatasetReadOptions { Limit = limit }).Problems;
        var sizes = EmbeddedTask.Default;
        // Problem i of a split depends only on (seed, split, i), so generating fewer train problems gives the same first ones.
        var splits = EmbeddedTask.Generate(dataSeed, split == "train" ? Math.Min(sizes.Train, limit ?? sizes.Train) : 0, sizes.Validation, sizes.Test);
        var problems = split switch { "train" => splits.Train, "val" => splits.Validation, _ => splits.Test };
        return limit is { } n ? problems.Take(n).ToList() : problems;
    }
}
