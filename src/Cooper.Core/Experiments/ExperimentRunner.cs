using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Configuration;
using Cooper.Data;
using Cooper.Data.Embedded;
using Cooper.Evaluation;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.RL;
using Cooper.Rewards;
using Cooper.Runs;
using Cooper.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Experiments;

/// <summary>
/// <c>cooper experiment</c>: the paper's comparison (rule reward vs static reward model vs Cooper) on
/// the shipped starting policy and reward model, same seeds and budget for every mode.
/// </summary>
public sealed record ExperimentConfig : IValidatable
{
    /// <summary>Output folder (report, plots, one run folder per mode and seed under <c>runs/</c>).</summary>
    public string Out { get; init; } = "runs/experiment";
    /// <summary>Seeds; each mode runs once per seed.</summary>
    public long[] Seeds { get; init; } = [1];
    /// <summary>RL steps per run.</summary>
    public int Steps { get; init; } = 40;
    /// <summary>Modes, in run order.</summary>
    public RewardMode[] Modes { get; init; } = [RewardMode.Rule, RewardMode.Rm, RewardMode.Cooper, RewardMode.CooperPlus];
    /// <summary>Test problems for the final table (first N of the embedded test split).</summary>
    public int TestPrompts { get; init; } = 200;
    /// <summary>Samples per test problem (paper 8).</summary>
    public int TestSamples { get; init; } = 8;
    /// <summary>
    /// The settings every run shares (policy, reward model, GRPO, Cooper); steps/seed/reward/out are set per run.
    /// Departures from the paper for a 1.6M-parameter policy on 2 CPU cores, chosen by the sweep in
    /// docs/results/sweep-rule-lr: 8 prompts × 16 rollouts per step (paper 256 × 16), policy lr 3e-5 with 5 warm-up
    /// steps (paper 1e-6: a tiny model does not move at 1e-6 in 40 steps; 1e-4 made the rule run worse than
    /// its start), DAPO's dynamic sampling (groups whose rollouts all got the same reward are left out of the
    /// update: same result in the sweep, 2.5× faster steps), and Cooper's reward-model lr 1e-5, the paper's (with the
    /// verifying reward model; with the earlier one 1e-4 was used: at 1e-3 the pairwise steps destroyed it; with the
    /// verifying one 1e-4 lowered its held-out accuracy by 2–8 points, 1e-5 keeps it — docs/results). Validation: 400 problems × 2 samples (standard
    /// error ≈ 2 points) every 20 steps. Everything else is the paper's.
    /// </summary>
    public TrainConfig Train { get; init; } = new()
    {
        Policy = "models/policy",
        RewardModel = "models/reward",
        RmValData = "models/reward/heldout.jsonl",
        ValEvery = 20,
        ValPrompts = 400,
        ValSamples = 2,
        CheckpointEvery = 0,
        Grpo = new GrpoConfig
        {
            PromptsPerStep = 8, RolloutsPerPrompt = 16, MaxNewTokens = 200, LearningRate = 3e-5, WarmupSteps = 5, MicroBatchSize = 32,
            DynamicSampling = true,
        },
        Cooper = new CooperConfig { LearningRate = 1e-5 },
    };

    /// <summary>A CI-sized variant: a few steps, a handful of prompts.</summary>
    public ExperimentConfig Quick() => this with
    {
        Steps = 3,
        TestPrompts = 8,
        TestSamples = 2,
        Train = Train with
        {
            ValEvery = 3, ValPrompts = 8, ValSamples = 2, CheckpointEvery = 0,
            Grpo = Train.Grpo with { PromptsPerStep = 2, RolloutsPerPrompt = 4 },
        },
    };

    /// <inheritdoc />
    public void Validate()
    {
        if (Seeds.Length == 0) throw new ConfigException("seeds must name at least one seed");
        if (Steps < 1) throw new ConfigException($"steps must be ≥ 1 (got {Steps})");
        if (Modes.Length == 0) throw new ConfigException("modes must name at least one of rule, rm, cooper");
        if (TestPrompts < 1) throw new ConfigException($"test_prompts must be ≥ 1 (got {TestPrompts})");
        (Train with { Steps = Steps }).Validate();
    }
}

/// <summary>Runs an <see cref="ExperimentConfig"/> and writes the report.</summary>
public static class ExperimentRunner
{
    /// <summary>Runs every (seed, mode), evaluates the start policy once, writes report.json/report.md/plots into <see cref="ExperimentConfig.Out"/>.</summary>
    public static async Task<JsonObject> RunAsync(ExperimentConfig cfg, Device device, Action<string>? log = null, CancellationToken ct = default)
    {
        cfg.Validate();
        log ??= Console.WriteLine;
        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(cfg.Out);
        AtomicFile.WriteAllText(Path.Combine(cfg.Out, "experiment.yaml"), ConfigLoader.ToYaml(cfg));
        var baseTrain = cfg.Train with { Steps = cfg.Steps, TestPrompts = cfg.TestPrompts, TestSamples = cfg.TestSamples, Out = Path.Combine(cfg.Out, "runs") };
        var inputs = TrainerSetup.Inputs(baseTrain, m => log("warning: " + m));

        // The starting policy's test accuracy, once (every mode starts from it).
        log($"evaluating the starting policy on {inputs.Test.Count} test problems × {cfg.TestSamples} samples");
        var start = EvaluateStart(baseTrain, inputs, device);
        AtomicFile.WriteAllText(Path.Combine(cfg.Out, "start.json"), JsonSerializer.Serialize(start));

        var runs = new List<ModeRun>();
        int totalRuns = cfg.Seeds.Length * cfg.Modes.Length, done = 0;
        // Every run starts from the same policy and reward model and validates the same problems with the same
        // sampling seed, so step 0's validation is measured once (by the first run that has it) and reused.
        Dictionary<string, double>? startVal = null;
        foreach (var seed in cfg.Seeds)
            foreach (var mode in cfg.Modes)
            {
                string name = $"{mode.Name()}-s{seed}";
                var tc = baseTrain with { Reward = mode, Seed = seed, Name = name };
                // The experiment reuses its run folders: each run replaces what an earlier experiment left there.
                var folder = RunFolder.At(Path.Combine(tc.Out, name));
                folder.Clear();
                var hackFile = Path.Combine(folder.Path, "hack_examples.jsonl");
                var clock = Stopwatch.StartNew();
                var runInputs = inputs;
                bool hasModel = mode != RewardMode.Rule;
                if (startVal is not null && (!hasModel || startVal.Keys.Any(IsRmKey)))
                    runInputs = inputs with { StartValidation = hasModel ? startVal : startVal.Where(kv => !IsRmKey(kv.Key)).ToDictionary() };
                using (var trainer = new GrpoTrainer(tc, runInputs, folder, device, log: m => log("warning: " + m)))
                {
                    int runIndex = ++done;
                    // On a terminal the trainer's live progress bar shows the run; for pipes and CI one log line
                    // per step (with the whole experiment's ETA) replaces the trainer's periodic lines.
                    trainer.ShowProgress = !Console.IsOutputRedirected;
                    if (Console.IsOutputRedirected)
                    trainer.OnStep = (step, m) =>
                    {
                        double elapsed = total.Elapsed.TotalSeconds;
                        double fraction = ((runIndex - 1) + step / (double)tc.Steps) / totalRuns;
                        double eta = fraction <= 0 ? 0 : elapsed / fraction - elapsed;
                        log(string.Create(CultureInfo.InvariantCulture,
                            $"[{runIndex}/{totalRuns} {name}] step {step}/{tc.Steps} reward {m["train/reward_mean"]:0.000} verified {m["train/verified_accuracy"]:0.000} " +
                            $"{m["time/step_s"]:0.0}s/step ETA {(int)(eta / 60)}:{(int)eta % 60:00}"));   // minutes may exceed 59
                    };
                    await trainer.TrainAsync(ct).ConfigureAwait(false);
                }
                AtomicFile.WriteAllText(Path.Combine(folder.Path, "seconds.txt"), clock.Elapsed.TotalSeconds.ToString("R", CultureInfo.InvariantCulture));
                var metrics = MetricsWriter.Read(folder.MetricsFile);
                if (metrics.FirstOrDefault(r => r.TryGetValue("step", out var st) && st == 0 && r.ContainsKey(ExperimentReport.Keys.ValAccuracy)) is { } row0
                    && (startVal is null || (hasModel && !startVal.Keys.Any(IsRmKey))))
                    startVal = row0.Where(kv => kv.Key != "step").ToDictionary();
                runs.Add(new ModeRun(mode.Name(), seed, metrics, clock.Elapsed.TotalSeconds, ReadHacks(hackFile)));
            }

        var settings = new JsonObject
        {
            ["total_seconds"] = total.Elapsed.TotalSeconds,
            ["threads"] = torch.get_num_threads(),
            ["device"] = device.ToString(),
            ["prompts_per_step"] = cfg.Train.Grpo.PromptsPerStep,
            ["rollouts_per_prompt"] = cfg.Train.Grpo.RolloutsPerPrompt,
            ["learning_rate"] = cfg.Train.Grpo.LearningRate,
            ["rm_learning_rate"] = cfg.Train.Cooper.LearningRate,
            ["test_prompts"] = cfg.TestPrompts,
            ["test_samples"] = cfg.TestSamples,
        };
        string what = WhatWasRun(cfg, total.Elapsed.TotalMinutes) + $" on {torch.get_num_threads()} threads ({device}).";
        return ExperimentReport.Write(cfg.Out, runs, cfg.Steps, start, what, settings);
    }

    /// <summary>
    /// Rebuilds report.json, report.md and the plots from a finished experiment folder (its
    /// <c>start.json</c> and each run's <c>metrics.jsonl</c>, <c>seconds.txt</c> and hack examples),
    /// without training anything.
    /// </summary>
    public static JsonObject Rebuild(ExperimentConfig cfg)
    {
        var startPath = Path.Combine(cfg.Out, "start.json");
        if (!File.Exists(startPath)) throw new FileNotFoundException($"{startPath}: not a finished experiment folder (no start.json)");
        var start = JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(startPath))!;
        var runs = new List<ModeRun>();
        foreach (var seed in cfg.Seeds)
            foreach (var mode in cfg.Modes)
            {
                var dir = Path.Combine(cfg.Out, "runs", $"{mode.Name()}-s{seed}");
                var metrics = Path.Combine(dir, "metrics.jsonl");
                if (!File.Exists(metrics)) throw new FileNotFoundException($"{metrics}: missing; the experiment did not finish this run");
                var secondsFile = Path.Combine(dir, "seconds.txt");
                double seconds = File.Exists(secondsFile) ? double.Parse(File.ReadAllText(secondsFile), CultureInfo.InvariantCulture) : double.NaN;
                runs.Add(new ModeRun(mode.Name(), seed, MetricsWriter.Read(metrics), seconds, ReadHacks(Path.Combine(dir, "hack_examples.jsonl"))));
            }
        var old = Path.Combine(cfg.Out, "report.json");
        JsonObject? settings = File.Exists(old) ? JsonNode.Parse(File.ReadAllText(old))?["settings"]?.DeepClone() as JsonObject : null;
        double? minutes = settings?["total_seconds"] is { } t ? t.GetValue<double>() / 60 : null;
        string what = "(Rebuilt from the run folders.) " + WhatWasRun(cfg, minutes) + ".";
        return ExperimentReport.Write(cfg.Out, runs, cfg.Steps, start, what, settings);
    }

    /// <summary>The report's "what was run" sentence for <paramref name="cfg"/>.</summary>
    private static string WhatWasRun(ExperimentConfig cfg, double? minutes) =>
        $"Policy `{cfg.Train.Policy}`, reward model `{cfg.Train.RewardModel}`; modes {string.Join(", ", cfg.Modes.Select(m => m.Name()))}; " +
        $"{cfg.Steps} GRPO steps × {cfg.Train.Grpo.PromptsPerStep} prompts × {cfg.Train.Grpo.RolloutsPerPrompt} rollouts, policy lr {cfg.Train.Grpo.LearningRate}, " +
        $"Cooper RM lr {cfg.Train.Cooper.LearningRate}{(cfg.Train.Cooper.HardNegatives ? ", hard negatives on" : "")}; " +
        $"validation every {cfg.Train.ValEvery} steps on {cfg.Train.ValPrompts} prompts × {cfg.Train.ValSamples} samples; " +
        $"test: {cfg.TestPrompts} problems × {cfg.TestSamples} samples (T {cfg.Train.ValTemperature}, top-p {cfg.Train.ValTopP})" +
        (minutes is { } mm ? $". Wall time {mm:0.0} min" : "");

    private static Dictionary<string, double> EvaluateStart(TrainConfig cfg, TrainerInputs inputs, Device device)
    {
        using var policy = CausalLM.FromPretrained(cfg.Policy, device);
        policy.eval();
        var tokenizer = TokenizerLoader.Load(cfg.Policy);
        var r = PolicyEvaluator.Evaluate(new RolloutEngine(policy, tokenizer), inputs.Test, new PolicyPrompt(cfg.PromptStyle, tokenizer),
            inputs.TestSamples, cfg.ValTemperature, cfg.ValTopP, cfg.Grpo.MaxNewTokens, seed: 777_000_003);
        return r.ToMetrics("test");
    }

    private static bool IsRmKey(string key) => key.StartsWith("val/rm_", StringComparison.Ordinal);

    private static List<HackExample> ReadHacks(string path)
    {
        if (!File.Exists(path)) return [];
        var list = new List<HackExample>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var d = JsonDocument.Parse(line);
            var o = d.RootElement;
            list.Add(new HackExample(o.GetProperty("step").GetInt64(), o.GetProperty("question").GetString()!, o.GetProperty("reference").GetString()!,
                o.GetProperty("completion").GetString()!, o.GetProperty("rm_score").GetDouble()));
        }
        return list;
    }
}
