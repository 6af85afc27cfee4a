using System.Diagnostics;
using System.Text.Json;
using Cooper.Annotation;
using Cooper.Data;
using Cooper.Data.Embedded;
using Cooper.Evaluation;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.Rewards;
using Cooper.Rewards.Negatives;
using Cooper.Rollouts;
using Cooper.Runs;
using Cooper.Tokenizers;
using Cooper.Training;
using Cooper.Verify;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.RL;

/// <summary>Everything a run needs that is not a plain setting: data, models, the assistant.</summary>
public sealed record TrainerInputs
{
    public required IReadOnlyList<MathProblem> Train { get; init; }
    public required IReadOnlyList<MathProblem> Validation { get; init; }
    /// <summary>Held-out test problems evaluated once at the end (empty = skip).</summary>
    public IReadOnlyList<MathProblem> Test { get; init; } = [];
    /// <summary>Held-out labelled completions for the RM's accuracy (empty = skip).</summary>
    public IReadOnlyList<LabelledExample> RmValidation { get; init; } = [];
    /// <summary>Cooper's assistant; null = <see cref="EmbeddedRewriter"/>.</summary>
    public INegativeWriter? Assistant { get; init; }
    /// <summary>Test sampling: samples per problem (paper: 8).</summary>
    public int TestSamples { get; init; } = 8;
    /// <summary>
    /// A reward source of the caller's own (a custom verifiable reward, as TRL's reward functions); null =
    /// the one <see cref="TrainConfig.Reward"/> names. The trainer takes ownership and disposes it.
    /// </summary>
    public IRewardSource? Reward { get; init; }
    /// <summary>
    /// The step-0 validation metrics when the caller already has them (the experiment validates its shared
    /// starting policy and reward model once: same problems, same sampling seed, so every run's step 0 is the
    /// same); null = the trainer validates at step 0 itself.
    /// </summary>
    public IReadOnlyDictionary<string, double>? StartValidation { get; init; }
}

/// <summary>
/// GRPO on the policy with any <see cref="IRewardSource"/> (rule verifier, static reward model, Cooper).
/// One step reads top to bottom:
/// <list type="number">
/// <item>rollouts: n samples for each of the step's prompts (T 1.0, top-p 1.0);</item>
/// <item>verification: the rule verifier judges every rollout (always; it is the ground truth we monitor);</item>
/// <item>rewards: the reward source scores the rollouts;</item>
/// <item>advantages: group-relative (GRPO) per prompt;</item>
/// <item>the reward source's update (Cooper's stage 2: pairs from this step's rollouts and one pairwise
/// step of the reward model), before the policy update, so the next step is scored by the updated model;</item>
/// <item>the policy update (<see cref="PolicyUpdate"/>);</item>
/// <item>the rollout backend's sync: inference servers load the updated weights (<see cref="EndpointRollouts"/>; nothing to do in process);</item>
/// <item>metrics, validation, the hacking alarm, checkpoints.</item>
/// </list>
/// Departures from verl are in <see cref="GrpoConfig"/>'s docs. Randomness: every sampling seed is
/// derived from (run seed, step), and the data order from (run seed, epoch), so a resumed run repeats
/// an uninterrupted one exactly on CPU.
/// </summary>
public sealed class GrpoTrainer : IDisposable
{
    private readonly TrainConfig _cfg;
    private readonly TrainerInputs _inputs;
    private readonly DataOrder _order;
    private readonly Device _device;
    private readonly CausalLM _policy;
    private readonly CausalLM? _reference;
    private readonly ITokenizer _tokenizer;
    private readonly PolicyPrompt _prompt;
    private readonly IRewardSource _reward;
    private readonly IRolloutBackend _rollouts;
    private bool _rolloutsSynced;
    private readonly TorchSharp.Modules.AdamW _policyOptim;
    private readonly LrSchedule _schedule;
    private readonly HackingMonitor _monitor;
    private readonly RunFolder _run;
    private readonly int _padId;
    private int _step;
    private bool _alarmOn;

    /// <summary>The run folder.</summary>
    public RunFolder Run => _run;
    /// <summary>Steps completed.</summary>
    public int Step => _step;
    /// <summary>The policy being trained.</summary>
    public CausalLM Policy => _policy;
    /// <summary>The reward source.</summary>
    public IRewardSource Reward => _reward;
    /// <summary>The reward model behind the reward (null for the rule reward).</summary>
    public RewardModel? RewardModel => _reward.Model;
    /// <summary>The frozen reference policy (null when the KL coefficient is 0).</summary>
    public CausalLM? Reference => _reference;

    /// <summary>Called after each step with (step, metrics).</summary>
    public Action<int, IReadOnlyDictionary<string, double>>? OnStep { get; set; }

    /// <summary>Show the trainer's own progress (a live bar on terminals, periodic lines otherwise); default true.</summary>
    public bool ShowProgress { get; set; } = true;

    /// <summary>How the run started (new, resumed from a checkpoint, or restarted): <see cref="RunStart.Describe"/> says it in a line.</summary>
    public RunStart Start { get; }

    /// <summary>
    /// Sets up a run in <paramref name="run"/>: a new one (refused when the folder already holds a run), or with
    /// <paramref name="resume"/> the run's latest checkpoint (refused when the config differs from the run's in a
    /// key outside <see cref="TrainConfig.ResumeSafeKeys"/>). Everything is loaded and checked — the tokenizer
    /// against the policy's vocabulary, every prompt against its context — before the folder is created or
    /// touched. Problems whose prompt does not fit are skipped and reported via <paramref name="log"/>.
    /// </summary>
    public GrpoTrainer(TrainConfig cfg, TrainerInputs inputs, RunFolder run, Device device, bool resume = false, Action<string>? log = null)
    {
        cfg.Validate();
        cfg = cfg.Resolved();
        _cfg = cfg;
        _run = run;
        _device = device;
        _monitor = new HackingMonitor(cfg.AlarmWindow);
        var latest = run.Claim(cfg, resume, TrainConfig.ResumeSafeKeys);

        _tokenizer = LoadTokenizer(cfg);
        _prompt = new PolicyPrompt(cfg.PromptStyle, _tokenizer);
        _padId = _tokenizer.PadTokenId ?? _tokenizer.EosTokenId ?? 0;
        _policy = CausalLM.FromPretrained(latest is null ? cfg.Policy : Path.Combine(latest, Checkpoints.ModelFolder), device);
        CheckVocabulary(cfg, _tokenizer, _policy.Config);
        _inputs = FitPrompts(cfg, inputs, _prompt, _policy.Config.MaxPositionEmbeddings, log);
        _order = DataOrder.Shuffled(_inputs.Train.Count, cfg.Seed, 0xDA7A);
        if (cfg.Grpo.KlCoef != 0)
        {
            _reference = CausalLM.FromPretrained(cfg.Policy, device);
            _reference.eval();
            foreach (var p in _reference.parameters()) p.requires_grad = false;
        }
        _policyOptim = optim.AdamW(_policy.parameters(), cfg.Grpo.LearningRate, weight_decay: cfg.Grpo.WeightDecay);
        _schedule = new LrSchedule(ScheduleKind.WarmupConstant, cfg.Grpo.LearningRate, cfg.Grpo.WarmupSteps, cfg.Steps);

        _reward = inputs.Reward ?? TrainerSetup.RewardSource(cfg, inputs.Assistant ?? new EmbeddedRewriter(), device, latest);
        _rollouts = cfg.Rollout.Backend == RolloutBackend.Endpoint
            ? new EndpointRollouts(cfg.Rollout, _policy, _tokenizer, run.Path, _tokenizer.Encode(_prompt.Text(_inputs.Train[0])), Console.Error.WriteLine)
            : new LocalRollouts(_policy, _tokenizer);

        if (latest is not null)
        {
            _policyOptim.load_state_dict(Path.Combine(latest, Checkpoints.OptimizerFile));
            (_step, var state) = RunState.Load<GrpoRunState>(latest);
            foreach (var h in state.MonitorHistory) _monitor.Add(h[0], h[1]);
        }
        Start = run.Begin(cfg, latest, _step);
        MetricsWriter.DropAfter(HackExamplesFile, latest is null ? -1 : _step);
    }

    /// <summary>The policy's tokenizer: <see cref="TrainConfig.Tokenizer"/>, or the policy folder's own.</summary>
    private static ITokenizer LoadTokenizer(TrainConfig cfg)
    {
        var dir = cfg.Tokenizer ?? cfg.Policy;
        if (!File.Exists(Path.Combine(dir, "tokenizer.json")))
            throw new FileNotFoundException(cfg.Tokenizer is null
                ? $"{cfg.Policy} has no tokenizer.json: set tokenizer=DIR to the folder holding the policy's tokenizer"
                : $"tokenizer {cfg.Tokenizer} has no tokenizer.json: set tokenizer to a folder with tokenizer.json (and tokenizer_config.json)");
        return TokenizerLoader.Load(dir);
    }

    /// <summary>Refuses a tokenizer whose ids (or special tokens) lie outside the policy's embedding table.</summary>
    private static void CheckVocabulary(TrainConfig cfg, ITokenizer tokenizer, ModelConfig model)
    {
        int highest = new[] { tokenizer.VocabSize - 1, tokenizer.EosTokenId ?? 0, tokenizer.PadTokenId ?? 0, tokenizer.BosTokenId ?? 0 }.Max();
        if (highest >= model.VocabSize)
            throw new InvalidDataException(
                $"the tokenizer in {cfg.Tokenizer ?? cfg.Policy} has ids up to {highest} but the policy {cfg.Policy} has a vocabulary of {model.VocabSize}: " +
                "set tokenizer to the folder of the tokenizer the policy was trained with");
    }

    /// <summary>The inputs without the problems whose prompt leaves no room for <see cref="GrpoConfig.MaxNewTokens"/> within the context.</summary>
    private static TrainerInputs FitPrompts(TrainConfig cfg, TrainerInputs inputs, PolicyPrompt prompt, int context, Action<string>? log)
    {
        int budget = cfg.Grpo.MaxNewTokens;
        IReadOnlyList<MathProblem> Fit(IReadOnlyList<MathProblem> problems, string what)
        {
            var fit = prompt.Fit(problems, context, budget);
            if (fit.Skipped > 0) log?.Invoke(fit.Message(what));
            return fit.Skipped == 0 ? problems : fit.Kept;
        }
        var train = Fit(inputs.Train, cfg.Data is null ? "training problems" : $"training problems of {cfg.Data}");
        if (train.Count == 0)
            throw new InvalidDataException($"no training problem fits the policy's context of {context} positions with max_new_tokens {budget}: " +
                "shorten the questions, lower grpo.max_new_tokens or use a policy with a longer context");
        return inputs with
        {
            Train = train,
            Validation = Fit(inputs.Validation, "validation problems"),
            Test = Fit(inputs.Test, "test problems"),
        };
    }

    private string HackExamplesFile => Path.Combine(_run.Path, "hack_examples.jsonl");

    /// <summary>Runs until <see cref="TrainConfig.Steps"/> (or <see cref="TrainConfig.StopAfter"/>) steps are done.</summary>
    public async Task TrainAsync(CancellationToken ct = default)
    {
        using var autocast = Autocast.Enable(Autocast.Parse(_cfg.Autocast));   // flows into every await below
        using var metrics = new MetricsWriter(_run.MetricsFile);
        using var tb = new TensorBoardLog(Path.Combine(_run.Path, "tensorboard"), purgeFrom: _step == 0 ? 0 : _step + 1);
        using var progress = ShowProgress ? new ProgressReporter($"train:{_cfg.Reward.Name()}", _cfg.Steps, _step) : null;
        bool finishedBefore = _step >= _cfg.Steps;   // resumed from the last checkpoint: its final test is already logged
        if (_step == 0 && _cfg.ValEvery > 0)
        {
            var v0 = _inputs.StartValidation is { } given ? new Dictionary<string, double>(given) : Validate();
            metrics.Write(0, v0);
            tb.Write(0, v0);
        }
        int stopAt = _cfg.StopAfter > 0 ? Math.Min(_cfg.Steps, _cfg.StopAfter) : _cfg.Steps;
        while (_step < stopAt)
        {
            ct.ThrowIfCancellationRequested();
            var m = await TrainStepAsync(_step, ct).ConfigureAwait(false);
            _step++;
            if (_cfg.ValEvery > 0 && (_step % _cfg.ValEvery == 0 || _step == _cfg.Steps))
                foreach (var (k, v) in Validate()) m[k] = v;
            else if (_cfg.RmValEvery > 0 && _step % _cfg.RmValEvery == 0)
                foreach (var (k, v) in ValidateRewardModel()) m[k] = v;
            metrics.Write(_step, m);
            tb.Write(_step, m);
            OnStep?.Invoke(_step, m);
            progress?.Report(_step, $"reward={m["train/reward_mean"]:0.000} acc={m["train/verified_accuracy"]:0.000}{(m.GetValueOrDefault("alarm/hacking") > 0 ? " HACKING?" : "")}");
            if ((_cfg.CheckpointEvery > 0 && _step % _cfg.CheckpointEvery == 0) || _step == _cfg.Steps)
                SaveCheckpoint();
        }
        if (_step == _cfg.Steps && _inputs.Test.Count > 0 && !finishedBefore)
        {
            var test = Evaluate(_inputs.Test, _inputs.TestSamples, seed: 777_000_003);
            var tm = test.ToMetrics("test");
            metrics.Write(_step, tm);
            WriteSamples(Path.Combine(_run.Path, "test_samples.jsonl"), _inputs.Test, test);
        }
    }

    /// <summary>One RL step; returns its metrics.</summary>
    public async Task<Dictionary<string, double>> TrainStepAsync(int step, CancellationToken ct = default)
    {
        using var autocast = Autocast.Enable(Autocast.Parse(_cfg.Autocast));
        var m = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        var problems = BatchProblems(step);
        int n = _cfg.Grpo.RolloutsPerPrompt;

        // 1. rollouts (in process, or on servers holding this policy's weights)
        if (!_rolloutsSynced)
        {
            await _rollouts.SyncAsync(step, ct).ConfigureAwait(false);
            _rolloutsSynced = true;
        }
        var promptIds = problems.Select(p => _tokenizer.Encode(_prompt.Text(p))).ToList();
        var samples = await _rollouts.GenerateAsync(promptIds, new SamplingParams
        {
            Temperature = _cfg.Grpo.Temperature, TopP = _cfg.Grpo.TopP, MaxNewTokens = _cfg.Grpo.MaxNewTokens, N = n,
            StopTokenIds = _prompt.StopTokenIds,
            Seed = (long)(SplitMix64.Derive((ulong)_cfg.Seed, 0x5EED, (ulong)step) & 0x7FFFFFFFFFFFFFFF),
        }, ct).ConfigureAwait(false);
        double tRollout = clock.Elapsed.TotalSeconds;
        long generated = samples.Sum(s => (long)s.TokenIds.Length);

        // 2. verification (always) and 3. rewards
        clock.Restart();
        var verified = new bool[samples.Count];
        Parallel.For(0, samples.Count, i => verified[i] = MathVerifier.Score(samples[i].Text, problems[samples[i].PromptIndex].ReferenceAnswer));
        var rollouts = new StepRollouts(step, problems, samples, verified);
        var rewards = _reward.Score(rollouts);
        double tScore = clock.Elapsed.TotalSeconds;

        // 4. advantages
        var groups = samples.Select(s => s.PromptIndex).ToArray();
        var adv = Advantages.GroupRelative(rewards, groups, _cfg.Grpo.NormalizeAdvantageByStd);
        var zeroStd = Enumerable.Range(0, samples.Count).GroupBy(i => groups[i])
            .Where(g => Advantages.IsZeroStdGroup(g.Select(i => rewards[i]), _cfg.Grpo.DynamicSampling ? _cfg.Grpo.DynamicSamplingMinStd : 0)).Select(g => g.Key).ToHashSet();

        // 5. the reward source learns from this step's rollouts before the policy moves (Cooper's stage 2).
        clock.Restart();
        foreach (var (k, v) in await _reward.UpdateAsync(rollouts, rewards, ct).ConfigureAwait(false)) m[k] = v;
        double tRm = clock.Elapsed.TotalSeconds;

        // 6. policy update
        clock.Restart();
        double lr = _schedule.At(step);
        foreach (var g in _policyOptim.ParamGroups) g.LearningRate = lr;
        var seqs = new List<PolicySequence>();
        for (int i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            if (_cfg.Grpo.DynamicSampling && zeroStd.Contains(s.PromptIndex)) continue;
            if (s.TokenIds.Length == 0) continue;
            double w = _cfg.Grpo.MaskTruncated && s.FinishReason == FinishReason.Length ? 0.0 : 1.0;
            seqs.Add(new PolicySequence(promptIds[s.PromptIndex], s.TokenIds, adv[i], w, SampledLogProbs: s.LogProbs));
        }
        var u = PolicyUpdate.Run(_policy, _reference, _policyOptim, seqs, _cfg.Grpo, _padId, (long)SplitMix64.Derive((ulong)_cfg.Seed, 0xB0B, (ulong)step));
        double tPolicy = clock.Elapsed.TotalSeconds;

        // 7. the next step samples from the updated policy (servers reload it; in process nothing to do)
        clock.Restart();
        foreach (var (k, v) in await _rollouts.SyncAsync(step + 1, ct).ConfigureAwait(false)) m[k] = v;
        double tSync = clock.Elapsed.TotalSeconds;

        // 8. metrics
        double rewardMean = rewards.Average(), acc = verified.Count(v => v) / (double)verified.Length;
        m["train/reward_mean"] = rewardMean;
        m["train/reward_std"] = Std(rewards);
        m["train/verified_accuracy"] = acc;
        m["train/hacking_gap"] = rewardMean - acc;
        if (_reward.Model is not null)
            m["train/rm_agreement"] = Enumerable.Range(0, samples.Count).Count(i => (rewards[i] >= 0.5) == verified[i]) / (double)samples.Count;
        m["train/response_length"] = samples.Average(s => (double)s.TokenIds.Length);
        m["train/truncated_frac"] = samples.Count(s => s.FinishReason == FinishReason.Length) / (double)samples.Count;
        m["train/zero_std_frac"] = zeroStd.Count / (double)problems.Count;
        m["policy/loss"] = u.Loss;
        m["policy/pg_loss"] = u.PgLoss;
        m["policy/kl"] = u.Kl;
        m["policy/clip_frac"] = u.ClipFraction;
        m["policy/clip_frac_lower"] = u.ClipFractionLower;
        m["policy/approx_kl"] = u.ApproxKl;
        m["policy/entropy"] = u.Entropy;
        m["policy/grad_norm"] = u.GradNorm;
        m["policy/lr"] = lr;
        m["policy/rows"] = u.Rows;   // forwarded rows: fewer than the rollouts when identical ones were merged
        if (!double.IsNaN(u.LogProbGap)) m["rollout/logprob_gap"] = u.LogProbGap;   // sampler vs trainer, per token
        m["time/rollout_s"] = tRollout;
        m["time/scoring_s"] = tScore;
        m["time/rm_update_s"] = tRm;
        m["time/policy_update_s"] = tPolicy;
        if (_cfg.Rollout.Backend != RolloutBackend.Local) m["time/sync_s"] = tSync;
        m["time/step_s"] = tRollout + tScore + tRm + tPolicy + tSync;
        m["perf/rollout_tokens_per_s"] = generated / Math.Max(1e-9, tRollout);
        bool alarm = _monitor.Add(rewardMean, acc);
        m["alarm/hacking"] = alarm ? 1 : 0;
        bool raised = alarm && !_alarmOn;   // warn when the alarm turns on, not at every step it stays on
        _alarmOn = alarm;
        if (raised)
            Console.Error.WriteLine($"warning: step {step + 1}: reward rising ({_monitor.RewardSlope:+0.000}/step) while verified accuracy falls ({_monitor.AccuracySlope:0.000}/step): the reward may be hacked");
        RecordHackExamples(rollouts, rewards);
        return m;
    }

    /// <summary>Validation: mean@k verified accuracy and the RM's accuracy on held-out labelled completions.</summary>
    public Dictionary<string, double> Validate()
    {
        var probs = _inputs.Validation.Take(_cfg.ValPrompts).ToList();
        var m = new Dictionary<string, double>();
        if (probs.Count > 0)
        {
            var r = Evaluate(probs, _cfg.ValSamples, seed: 424_242);
            m["val/accuracy"] = r.Accuracy;
            if (!double.IsNaN(r.AccuracyStdError)) m["val/accuracy_se"] = r.AccuracyStdError;
        }
        foreach (var (k, v) in ValidateRewardModel()) m[k] = v;
        return m;
    }

    /// <summary>The reward model's accuracy and AUROC on the held-out labelled rows (empty without either).</summary>
    public Dictionary<string, double> ValidateRewardModel()
    {
        var m = new Dictionary<string, double>();
        if (_reward.Model is { } rm && _inputs.RmValidation.Count > 0)
        {
            var rows = _inputs.RmValidation;
            var scores = rm.Scores(rows.Select(r => new RmInput(r.Question, r.Reference, r.Completion)).ToList());
            var p = scores.Select(x => (double)x).ToList();
            var y = rows.Select(r => r.Label).ToList();
            m["val/rm_accuracy"] = ClassificationMetrics.Accuracy(p, y);
            // Pairwise updates constrain only score differences, so accuracy at 0.5 can fall while the
            // ranking holds: AUROC measures the ranking.
            m["val/rm_auroc"] = ClassificationMetrics.Auroc(p, y);
        }
        return m;
    }

    private EvalResult Evaluate(IReadOnlyList<MathProblem> problems, int samples, long seed)
    {
        _policy.eval();
        return PolicyEvaluator.Evaluate(new RolloutEngine(_policy, _tokenizer), problems, _prompt, samples,
            _cfg.ValTemperature, _cfg.ValTopP, _cfg.Grpo.MaxNewTokens, seed);
    }

    /// <summary>The policy's prompts (text and stop ids).</summary>
    public PolicyPrompt Prompt => _prompt;

    /// <summary>The step's prompts: a fixed shuffle of the training set per epoch, read in order (<see cref="DataOrder"/>).</summary>
    public IReadOnlyList<MathProblem> BatchProblems(int step) =>
        _order.Range((long)step * _cfg.Grpo.PromptsPerStep, _cfg.Grpo.PromptsPerStep).Select(i => _inputs.Train[i]).ToList();

    /// <summary>
    /// In the last quarter of the run, the rollouts the verifier rejects but the reward scores ≥ 0.8 —
    /// what a hacked reward pays for (never written for the rule reward, which pays only verified answers).
    /// </summary>
    private void RecordHackExamples(StepRollouts step, IReadOnlyList<double> rewards)
    {
        if (step.Step < _cfg.Steps * 3 / 4) return;
        var hacks = Enumerable.Range(0, step.Samples.Count).Where(i => !step.Verified[i] && rewards[i] >= 0.8).ToList();
        if (hacks.Count == 0) return;
        using var w = new StreamWriter(Path.Combine(_run.Path, "hack_examples.jsonl"), append: true);
        foreach (int i in hacks)
        {
            var p = step.Problems[step.Samples[i].PromptIndex];
            w.WriteLine(JsonSerializer.Serialize(new { step = step.Step + 1, question = p.Question, reference = p.ReferenceAnswer, completion = step.Samples[i].Text, rm_score = (float)rewards[i] }));
        }
    }

    private static void WriteSamples(string path, IReadOnlyList<MathProblem> problems, EvalResult r)
    {
        using var w = new StreamWriter(path);
        foreach (var s in r.Samples)
            w.WriteLine(JsonSerializer.Serialize(new { id = s.ProblemId, sample = s.SampleIndex, reference = problems[s.ProblemIndex].ReferenceAnswer, completion = s.Completion, correct = s.Correct, finish = s.FinishReason }));
    }

    private void SaveCheckpoint()
    {
        Checkpoints.Save(_run.Checkpoints, _step, _cfg.KeepCheckpoints, dir =>
        {
            var model = Path.Combine(dir, Checkpoints.ModelFolder);
            _policy.SavePretrained(model);
            _tokenizer.Save(model);
            _policyOptim.save_state_dict(Path.Combine(dir, Checkpoints.OptimizerFile));
            _reward.Save(dir);
            RunState.Save(dir, _step, new GrpoRunState(MonitorHistory()));
        });
    }

    private List<double[]> MonitorHistory() => _monitor.History.Select(h => new[] { h.Reward, h.Accuracy }).ToList();

    private static double Std(IReadOnlyList<double> x)
    {
        if (x.Count < 2) return 0;
        double m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Count - 1));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _rollouts.Dispose();
        _policyOptim.Dispose();
        _policy.Dispose();
        _reference?.Dispose();
        _reward.Dispose();
    }
}

/// <summary>What a GRPO checkpoint's <see cref="RunState"/> holds besides the step.</summary>
/// <param name="MonitorHistory">The hacking monitor's (reward, accuracy) per step.</param>
public sealed record GrpoRunState(List<double[]> MonitorHistory);
