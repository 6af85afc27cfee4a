using System.CommandLine;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.Tokenizers;
using TorchSharp;

namespace Cooper.Cli.Commands;

/// <summary>
/// <c>cooper model parity</c>: compares an HF model folder with a transformers reference file.
/// <c>cooper model generate</c>: samples from an HF model folder (with its tokenizer).
/// </summary>
public static class ModelCommands
{
    public static Command Create(GlobalOptions g)
    {
        var model = new Command("model", "Language models: parity with transformers, generation");
        model.Subcommands.Add(CreateParity(g));
        model.Subcommands.Add(CreateGenerate(g));
        return model;
    }

    private static Command CreateParity(GlobalOptions g)
    {
        var dir = new Option<string>("--model") { Description = "HF model folder (config.json + safetensors)", Required = true };
        var reference = new Option<string>("--reference") { Description = "reference_outputs.json written by transformers", Required = true };
        var cmd = new Command("parity",
            "Print one JSON object with max_abs_logit_err, max_abs_logprob_err, greedy_match, padded_greedy_match or max_abs_score_err, " +
            "the tolerance, passed, and on failure the failed checks; exit 0 only when every error is ≤ 1e-4 and every greedy output matches")
        {
            dir, reference,
        };
        cmd.SetAction(pr => g.Run(pr, () =>
        {
            var device = g.InitTorch(pr);
            var report = Parity.Check(pr.GetValue(dir)!, pr.GetValue(reference)!, device);
            Console.WriteLine(report.ToJson());
            return report.Passed() ? 0 : 1;
        }));
        return cmd;
    }

    private static Command CreateGenerate(GlobalOptions g)
    {
        var dir = new Option<string>("--model") { Description = "HF model folder", Required = true };
        var tokenizerDir = new Option<string?>("--tokenizer") { Description = "tokenizer folder (default: the model folder)" };
        var prompt = new Option<string[]>("--prompt") { Description = "prompt text (repeatable)", Required = true, AllowMultipleArgumentsPerToken = false };
        var chat = new Option<bool>("--chat") { Description = "wrap each prompt as a user turn in the tokenizer's chat format" };
        var system = new Option<string?>("--system") { Description = "system message for --chat" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "tokens to generate at most", DefaultValueFactory = _ => 128 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy", DefaultValueFactory = _ => 1.0 };
        var topP = new Option<double>("--top-p") { Description = "nucleus mass (1 = off)", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { Description = "keep the k most likely tokens (0 = off)", DefaultValueFactory = _ => 0 };
        var n = new Option<int>("--n") { Description = "samples per prompt", DefaultValueFactory = _ => 1 };
        var stop = new Option<string[]>("--stop") { Description = "stop string (repeatable)" };
        var dtype = new Option<string?>("--dtype") { Description = "float32, bfloat16 or float16 (default: the config's)" };
        var cmd = new Command("generate", "Sample continuations with the KV-cache rollout engine; prints one JSON line per sample")
        {
            dir, tokenizerDir, prompt, chat, system, maxNew, temperature, topP, topK, n, stop, dtype,
        };
        cmd.SetAction(pr => g.Run(pr, () =>
        {
            var device = g.InitTorch(pr);
            var dt = pr.GetValue(dtype) is { } name ? HfCheckpoint.ParseDtype(name) : (torch.ScalarType?)null;
            using var lm = CausalLM.FromPretrained(pr.GetValue(dir)!, device, dt);
            var tok = TokenizerLoader.Load(pr.GetValue(tokenizerDir) ?? pr.GetValue(dir)!);
            try
            {
                var prompts = pr.GetValue(prompt)!.ToList();
                var stopIds = new List<int>();
                if (pr.GetValue(chat))
                {
                    var template = ChatTemplate.For(tok) ?? throw new ArgumentException("--chat: the tokenizer has neither ChatML nor Llama-3 chat tokens");
                    var sys = pr.GetValue(system);
                    prompts = prompts.Select(p => template.Format(
                        sys is null ? [ChatMessage.User(p)] : [ChatMessage.System(sys), ChatMessage.User(p)], addGenerationPrompt: true)).ToList();
                    stopIds.AddRange(template.StopTokenIds(tok));
                }
                var sampling = new SamplingParams
                {
                    Temperature = pr.GetValue(temperature),
                    TopP = pr.GetValue(topP),
                    TopK = pr.GetValue(topK),
                    MaxNewTokens = pr.GetValue(maxNew),
                    N = pr.GetValue(n),
                    StopTokenIds = stopIds,
                    StopStrings = pr.GetValue(stop) ?? [],
                    Seed = pr.GetValue(g.Seed) ?? 0,
                };
                var results = new RolloutEngine(lm, tok).Generate(prompts, sampling);
                foreach (var s in results)
                {
                    var line = new System.Text.Json.Nodes.JsonObject
                    {
                        ["prompt"] = s.PromptIndex,
                        ["sample"] = s.SampleIndex,
                        ["finish_reason"] = s.FinishReason.ToString().ToLowerInvariant(),
                        ["tokens"] = s.TokenIds.Length,
                        ["mean_logprob"] = s.LogProbs.Length == 0 ? 0 : s.LogProbs.Average(),
                        ["text"] = s.Text,
                    };
                    Console.WriteLine(line.ToJsonString());
                }
            }
            finally
            {
                (tok as IDisposable)?.Dispose();
            }
            return 0;
        }));
        return cmd;
    }
}
