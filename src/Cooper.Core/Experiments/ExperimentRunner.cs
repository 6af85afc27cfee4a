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
    /// <summary>
    /// Runs trained side by side, each in its own process (the <c>cooper</c> command starts itself; see
    /// <see cref="IExperimentProcesses"/>) with its share of the TorchSharp threads (the threads divided by the jobs,
    /// at least 1). On 2 CPU cores two runs at one thread each took 0.82 of the time of one after the other at two
    /// threads (docs/BENCHMARKS.md). 1 = one run at a time, in this process.
    /// </summary>
    public int Jobs { get; init; } = 2;
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
    /// verifying one 1e-4 lowered its held-out accuracy by 2–8 points, 1e-5 keeps it — docs/results). Validation: 600 problems × 2 samples (standard
    /// error ≈ 1.8 points) at the start and the end (every 40 steps), the reward model's held-out accuracy every 10 steps.
    /// Mixed precision (bf16 linear layers, float32 weights: <see cref="TrainConfig.Autocast"/>) for speed on 2 cores.
    /// Everything else is the paper's.
    /// </summary>
    public TrainConfig Train { get; init; } = new()
    {
        Policy = "models/policy",
        RewardModel = "models/reward",
        RmValData = "models/reward/heldout.jsonl",
        ValEvery = 40,
        ValPrompts = 600,
        ValSamples = 2,
        RmValEvery = 10,
        CheckpointEvery = 0,
        Autocast = "bfloat16",
        Grpo = new GrpoConfig
        {
            PromptsPerStep = 8, RolloutsPerPrompt = 16, MaxNewTokens = 200, LearningRate = 3e-5, WarmupSteps = 5, MicroBatchSize = 32,
            DynamicSampling = true, DynamicSamplingMinStd = 0.05,
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
        if (Jobs < 1) throw new ConfigException($"jobs must be ≥ 1 (got {Jobs})");
        if (TestPrompts < 1) throw new ConfigException($"test_prompts must be ≥ 1 (got {TestPrompts})");
        (Train with { Steps = Steps }).Validate();
    }
}

/// <summary>Runs an <see cref="ExperimentConfig"/> and writes the report.</summary>
public static class ExperimentRunner
{
    /// <summary>Runs every (seed, mode), evaluates the start policy once, writes report.json/report.md/plots into <see cref="ExperimentConfig.Out"/>.</summary>
    /// <param name="processes">
    /// Where runs go when <see cref="ExperimentConfig.Jobs"/> &gt; 1: each run (and the start evaluation) in its own
    /// process. Without it, runs go one at a time in this process whatever <c>jobs</c> says: TorchSharp's ops that take
    /// a <c>Scalar</c> (<c>a + b</c> passes alpha = 1 as a temporary) do not keep it alive during the native call, so
    /// a garbage collection started by another thread can free it while libtorch reads it (<c>Cooper.Bench
    /// scalar-race</c>: 5 failures in 2.3 million additions on two threads); two runs on threads of one process
    /// crashed that way (2026-12-02).
    /// </param>
    public static async Task<JsonObject> RunAsync(ExperimentConfig cfg, Device device, Action<string>? log = null, CancellationToken ct = default,
        IExperimentProcesses? processes = null)
    {
        cfg.Validate();
        log ??= Console.WriteLine;
        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(cfg.Out);
        AtomicFile.WriteAllText(Path.Combine(cfg.Out, "experiment.yaml"), ConfigLoader.ToYaml(cfg));
        var baseTrain = cfg.Train with { Steps = cfg.Steps, TestPrompts = cfg.TestPrompts, TestSamples = cfg.TestSamples, Out = Path.Combine(cfg.Out, "runs") };
        var inputs = TrainerSetup.Inputs(baseTrain, m => log("warning: " + m));

        // Runs go to `jobs` workers, each starting its runs in a child process with its share of the TorchSharp threads
        // (one thread per run in one process is not safe with TorchSharp, see `processes`): not every op uses more
        // threads well (the rollouts' small matrices least), so runs side by side finish sooner than one after
        // another (1.2× on 2 cores, docs/BENCHMARKS.md). A run's randomness is its own (seeded generators), so its result does
        // not depend on what runs beside it; only the thread count changes float summation order.
        var plan = cfg.Seeds.SelectMany(seed => cfg.Modes.Select(mode => (Seed: seed, Mode: mode))).ToList();
        // Longest runs first, so that the last ones to start are short and the jobs finish close together. Second
        // (index plan.Count) the starting policy's test accuracy, measured once (every mode starts from it): with
        // two jobs it runs beside the first run while that one measures step 0's validation, so the runs after
        // both reuse that validation instead of measuring it again.
        var order = Enumerable.Range(0, plan.Count).OrderByDescending(i => plan[i].Mode switch
        {
            RewardMode.CooperPlus => 3, RewardMode.Cooper => 2, RewardMode.Rm => 1, _ => 0,
        }).ThenBy(i => i).ToList();
        order.Insert(Math.Min(1, order.Count), plan.Count);
        Dictionary<string, double>? start = null;
        int totalRuns = plan.Count, jobs = processes is null ? 1 : Math.Min(cfg.Jobs, totalRuns + 1);
        if (processes is null && cfg.Jobs > 1)
            log($"jobs: {cfg.Jobs} needs runs in separate processes (the cooper command); running them one at a time in this process");
        var children = jobs > 1 ? processes : null;   // where runs go: other processes, or this one
        int threadsBefore = torch.get_num_threads(), threadsPerJob = Math.Max(1, threadsBefore / jobs);
        var results = new ModeRun?[totalRuns];
        var progress = new double[totalRuns];   // fraction of each run done, for the ETA
        var gate = new Lock();
        int next = 0;
        Exception? failure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Every run starts from the same policy and reward model and validates the same problems with the same
        // sampling seed, so step 0's validation is measured once (by the first run that has it) and reused.
        Dictionary<string, double>? startVal = null;

        void RunOne(int index, int position)
        {
            var (seed, mode) = plan[index];
            string name = $"{mode.Name()}-s{seed}";
            var tc = baseTrain with { Reward = mode, Seed = seed, Name = name };
            // The experiment reuses its run folders: each run replaces what an earlier experiment left there.
            var folder = RunFolder.At(Path.Combine(tc.Out, name));
            folder.Clear();
            var hackFile = Path.Combine(folder.Path, "hack_examples.jsonl");
            var clock = Stopwatch.StartNew();
            var runInputs = inputs;
            bool hasModel = mode != RewardMode.Rule;
            lock (gate)
                if (startVal is not null && (!hasModel || startVal.Keys.Any(IsRmKey)))
                    runInputs = inputs with { StartValidation = hasModel ? startVal : startVal.Where(kv => !IsRmKey(kv.Key)).ToDictionary() };
            bool measuresStart = runInputs.StartValidation is null;
            if (children is not null)
                children.Train(tc, runInputs.StartValidation, threadsPerJob, step =>
                {
                    if (step == 1 && measuresStart) ShareStart(folder, hasModel);
                    var row = MetricsWriter.Read(folder.MetricsFile).LastOrDefault(r => r.TryGetValue("step", out var st) && st == step && r.ContainsKey("train/reward_mean"));
                    if (row is not null) LogStep(step, row);
                }, stop.Token);
            else
                TrainHere();
            AtomicFile.WriteAllText(Path.Combine(folder.Path, "seconds.txt"), clock.Elapsed.TotalSeconds.ToString("R", CultureInfo.InvariantCulture));
            results[index] = new ModeRun(mode.Name(), seed, MetricsWriter.Read(folder.MetricsFile), clock.Elapsed.TotalSeconds, ReadHacks(hackFile));

            void TrainHere()
            {
                using var trainer = new GrpoTrainer(tc, runInputs, folder, device, log: m => log("warning: " + m));
                // On a terminal with one job the trainer's live progress bar shows the run; for pipes and CI one log
                // line per step (with the whole experiment's ETA) replaces it.
                bool lines = Console.IsOutputRedirected || jobs > 1;
                trainer.ShowProgress = !lines;
                trainer.OnStep = (step, m) =>
                {
                    if (step == 1 && measuresStart) ShareStart(folder, hasModel);
                    if (lines) LogStep(step, m);
                };
                trainer.TrainAsync(stop.Token).GetAwaiter().GetResult();
            }

            void LogStep(int step, IReadOnlyDictionary<string, double> m)
            {
                double fraction, elapsed = total.Elapsed.TotalSeconds;
                lock (gate)
                {
                    progress[index] = step / (double)tc.Steps;
                    fraction = progress.Sum() / totalRuns;
                }
                double eta = fraction <= 0 ? 0 : elapsed / fraction - elapsed;
                log(string.Create(CultureInfo.InvariantCulture,
                    $"[{position + 1}/{totalRuns} {name}] step {step}/{tc.Steps} reward {m["train/reward_mean"]:0.000} verified {m["train/verified_accuracy"]:0.000} " +
                    $"{m["time/step_s"]:0.0}s/step ETA {(int)(eta / 60)}:{(int)eta % 60:00}"));   // minutes may exceed 59
            }
        }

        // Publishes a run's step-0 validation for the runs that start after it (a rule run's lacks the RM's numbers).
        void ShareStart(RunFolder folder, bool hasModel)
        {
            if (MetricsWriter.Read(folder.MetricsFile).FirstOrDefault(r => r.TryGetValue("step", out var st) && st == 0 && r.ContainsKey(ExperimentReport.Keys.ValAccuracy)) is not { } row0)
                return;
            lock (gate)
                if (startVal is null || (hasModel && !startVal.Keys.Any(IsRmKey)))
                    startVal = row0.Where(kv => kv.Key != "step").ToDictionary();
        }

        void Worker()
        {
            torch.set_num_threads(threadsPerJob);   // per thread for libtorch's OpenMP pool
            while (true)
            {
                int index, position;
                lock (gate)
                {
                    if (failure is not null || next >= order.Count || stop.IsCancellationRequested) return;
                    position = next++;
                    index = order[position];
                }
                try
                {
                    if (index < totalRuns) RunOne(index, position);
                    else
                    {
                        log($"evaluating the starting policy on {inputs.Test.Count} test problems × {cfg.TestSamples} samples");
                        start = children is not null
                            ? children.EvaluateStart(baseTrain, threadsPerJob, stop.Token)
                            : EvaluateStart(baseTrain, inputs, device);
                        AtomicFile.WriteAllText(Path.Combine(cfg.Out, "start.json"), JsonSerializer.Serialize(start));
                    }
                }
                catch (Exception e)
                {
                    lock (gate) failure ??= e;
                    stop.Cancel();   // the runs beside it stop at their next step
                    return;
                }
            }
        }

        if (jobs > 1) log($"{totalRuns} runs, {jobs} at a time, {threadsPerJob} thread{(threadsPerJob == 1 ? "" : "s")} each");
        var workers = Enumerable.Range(0, jobs).Select(j => new Thread(Worker) { Name = $"experiment-job-{j}", IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        await Task.Run(() => workers.ForEach(w => w.Join()), CancellationToken.None).ConfigureAwait(false);
        torch.set_num_threads(threadsBefore);
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        ct.ThrowIfCancellationRequested();
        var runs = results.Select(r => r!).ToList();
        if (start is null) throw new InvalidOperationException("the starting policy was not evaluated");

        var settings = new JsonObject
        {
            ["total_seconds"] = total.Elapsed.TotalSeconds,
            ["threads"] = threadsPerJob,
            ["jobs"] = jobs,
            ["autocast"] = cfg.Train.Autocast,
            ["device"] = device.ToString(),
            ["prompts_per_step"] = cfg.Train.Grpo.PromptsPerStep,
            ["rollouts_per_prompt"] = cfg.Train.Grpo.RolloutsPerPrompt,
            ["learning_rate"] = cfg.Train.Grpo.LearningRate,
            ["rm_learning_rate"] = cfg.Train.Cooper.LearningRate,
            ["test_prompts"] = cfg.TestPrompts,
            ["test_samples"] = cfg.TestSamples,
        };
        string what = WhatWasRun(cfg, total.Elapsed.TotalMinutes) + $" on {threadsPerJob} thread{(threadsPerJob == 1 ? "" : "s")} per run, {jobs} run{(jobs == 1 ? "" : "s")} at a time ({device}).";
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

    /// <summary>The starting policy's test metrics (<c>test/*</c>) on <paramref name="inputs"/>' test problems, as the runs evaluate.</summary>
    public static Dictionary<string, double> EvaluateStart(TrainConfig cfg, TrainerInputs inputs, Device device)
    {
        using var autocast = Autocast.Enable(Autocast.Parse(cfg.Autocast));   // as the runs evaluate
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
