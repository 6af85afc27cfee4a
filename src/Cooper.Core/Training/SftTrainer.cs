using System.Diagnostics;
using Cooper.Configuration;
using Cooper.Data;
using Cooper.Data.Embedded;
using Cooper.Evaluation;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.Runs;
using Cooper.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Training;

/// <summary>
/// <c>cooper sft</c>: supervised fine-tuning on worked solutions — causal-LM loss on the assistant's
/// tokens only, AdamW, linear warm-up + cosine decay, gradient clipping and accumulation, periodic
/// verifier-judged evaluation, checkpoints and resume. Without <see cref="Init"/> it builds a fresh
/// small Qwen2-style model with a character tokenizer over the training text (the embedded policy).
/// </summary>
public sealed record SftConfig : IValidatable
{
    /// <summary>An HF model folder to fine-tune; null = a fresh character-level model of the shape below.</summary>
    public string? Init { get; init; }
    /// <summary>Fresh model: hidden size.</summary>
    public int HiddenSize { get; init; } = 192;
    /// <summary>Fresh model: layers.</summary>
    public int Layers { get; init; } = 4;
    /// <summary>Fresh model: attention heads.</summary>
    public int Heads { get; init; } = 6;
    /// <summary>Fresh model: key/value heads (grouped-query attention).</summary>
    public int KvHeads { get; init; } = 2;
    /// <summary>Fresh model: MLP width.</summary>
    public int IntermediateSize { get; init; } = 512;
    /// <summary>Fresh model: longest sequence.</summary>
    public int MaxPositions { get; init; } = 640;
    /// <summary>Training data file; null = the embedded task's train split.</summary>
    public string? Data { get; init; }
    /// <summary>
    /// Validation data file; null = a slice held out of <see cref="Data"/> (<see cref="ValFraction"/> of its
    /// questions) when a data file is given, else the embedded task's validation split.
    /// </summary>
    public string? ValData { get; init; }
    /// <summary>Share of <see cref="Data"/>'s questions held out for validation when <see cref="ValData"/> is not set (ours).</summary>
    public double ValFraction { get; init; } = 0.05;
    /// <summary>Embedded task seed; also seeds the validation slice held out of <see cref="Data"/>.</summary>
    public int DataSeed { get; init; } = EmbeddedTask.DefaultSeed;
    /// <summary>
    /// Prompt formatting, as in <c>cooper train</c> and <c>cooper eval</c>: plain (<c>Q: …\nA: </c>, the responses end
    /// with EOS) or chat (the tokenizer's chat template; the responses end with its end-of-turn token).
    /// </summary>
    public PromptStyle PromptStyle { get; init; } = PromptStyle.Plain;
    /// <summary>Optimiser steps.</summary>
    public int Steps { get; init; } = 1000;
    /// <summary>Sequences per micro-batch.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Micro-batches per optimiser step.</summary>
    public int GradAccum { get; init; } = 1;
    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 2e-3;
    /// <summary>Floor of the cosine, as a fraction of the peak.</summary>
    public double MinLrRatio { get; init; } = 0.1;
    /// <summary>Warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 50;
    /// <summary>AdamW weight decay.</summary>
    public double WeightDecay { get; init; } = 0.1;
    /// <summary>Gradient-norm clip.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>Token cap per sequence.</summary>
    public int MaxLength { get; init; } = 640;
    /// <summary>Evaluate every k steps (and at the end); 0 = only at the end.</summary>
    public int EvalEvery { get; init; } = 250;
    /// <summary>Validation problems per evaluation.</summary>
    public int EvalPrompts { get; init; } = 64;
    /// <summary>Samples per validation problem.</summary>
    public int EvalSamples { get; init; } = 4;
    /// <summary>Evaluation temperature (paper 0.7).</summary>
    public double EvalTemperature { get; init; } = 0.7;
    /// <summary>Evaluation top-p (paper 0.95).</summary>
    public double EvalTopP { get; init; } = 0.95;
    /// <summary>Generation cap in evaluation.</summary>
    public int MaxNewTokens { get; init; } = 320;
    /// <summary>Checkpoint every k steps (and at the end).</summary>
    public int CheckpointEvery { get; init; } = 250;
    /// <summary>Checkpoints kept.</summary>
    public int KeepCheckpoints { get; init; } = 2;
    /// <summary>Seed: initialisation and data order.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>Runs root.</summary>
    public string Out { get; init; } = "runs";
    /// <summary>Run name (the folder under <see cref="Out"/>); default <c>sft-s{seed}</c> (<see cref="RunName"/>).</summary>
    public string? Name { get; init; }
    /// <summary>Also write the final model (and tokenizer) to this folder.</summary>
    public string? Export { get; init; }

    /// <summary>
    /// Keys <c>--resume</c> lets change: when things are saved or evaluated and where the final model is exported,
    /// not what a step computes. Any other change is refused (<see cref="RunFolder.Claim{T}"/>).
    /// </summary>
    public static IReadOnlyList<string> ResumeSafeKeys { get; } = ["out", "name", "checkpoint_every", "keep_checkpoints", "eval_every", "export"];

    /// <summary>The run folder's name: <see cref="Name"/>, or <c>sft-s{seed}</c>.</summary>
    public string RunName() => Name ?? $"sft-s{Seed}";

    /// <inheritdoc />
    public void Validate()
    {
        if (Steps < 1) throw new ConfigException($"steps must be ≥ 1 (got {Steps})");
        if (BatchSize < 1 || GradAccum < 1) throw new ConfigException($"batch_size and grad_accum must be ≥ 1 (got {BatchSize}, {GradAccum})");
        if (LearningRate is not > 0 || double.IsInfinity(LearningRate)) throw new ConfigException($"learning_rate must be > 0 (got {LearningRate})");
        if (MinLrRatio is not (>= 0 and <= 1)) throw new ConfigException($"min_lr_ratio must be in [0, 1] (got {MinLrRatio})");
        if (WarmupSteps < 0) throw new ConfigException($"warmup_steps must be ≥ 0 (got {WarmupSteps})");
        if (WeightDecay is not >= 0 || !double.IsFinite(WeightDecay)) throw new ConfigException($"weight_decay must be ≥ 0 (got {WeightDecay})");
        if (MaxGradNorm is not > 0) throw new ConfigException($"max_grad_norm must be > 0 (got {MaxGradNorm})");
        if (EvalTemperature is not > 0 || double.IsInfinity(EvalTemperature)) throw new ConfigException($"eval_temperature must be > 0 (got {EvalTemperature})");
        if (EvalTopP is not (> 0 and <= 1)) throw new ConfigException($"eval_top_p must be in (0, 1] (got {EvalTopP})");
        if (ValFraction is not (>= 0 and <= 0.5)) throw new ConfigException($"val_fraction must be in [0, 0.5] (got {ValFraction})");
        if (MaxLength < 2) throw new ConfigException($"max_length must be ≥ 2 (got {MaxLength})");
        if (CheckpointEvery < 0 || EvalEvery < 0) throw new ConfigException("checkpoint_every and eval_every must be ≥ 0 (0 = only at the end)");
        if (KeepCheckpoints < 1) throw new ConfigException($"keep_checkpoints must be ≥ 1 (got {KeepCheckpoints})");
        if (HiddenSize % Heads != 0) throw new ConfigException($"hidden_size ({HiddenSize}) must be divisible by heads ({Heads})");
        if (Heads % KvHeads != 0) throw new ConfigException($"heads ({Heads}) must be divisible by kv_heads ({KvHeads})");
        if (MaxLength > MaxPositions && Init is null) throw new ConfigException($"max_length ({MaxLength}) exceeds max_positions ({MaxPositions})");
    }
}

/// <summary>Runs an <see cref="SftConfig"/>.</summary>
public sealed class SftTrainer : IDisposable
{
    private readonly SftConfig _cfg;
    private readonly RunFolder _run;
    private readonly CausalLM _model;
    private readonly ITokenizer _tokenizer;
    private readonly TorchSharp.Modules.AdamW _optim;
    private readonly LrSchedule _schedule;
    private readonly IReadOnlyList<MathProblem> _train, _val;
    private readonly PolicyPrompt _prompt;
    private readonly DataOrder _order;
    private readonly int _padId;
    private int _step;

    /// <summary>The model being trained.</summary>
    public CausalLM Model => _model;
    /// <summary>Its tokenizer.</summary>
    public ITokenizer Tokenizer => _tokenizer;
    /// <summary>Steps done.</summary>
    public int Step => _step;

    /// <summary>How the run started (new, resumed from a checkpoint, or restarted): <see cref="RunStart.Describe"/> says it in a line.</summary>
    public RunStart Start { get; }

    /// <summary>
    /// Sets up a run in <paramref name="run"/>: a new one (refused when the folder already holds a run), or with
    /// <paramref name="resume"/> the run's latest checkpoint (refused when the config differs from the run's in a key
    /// outside <see cref="SftConfig.ResumeSafeKeys"/>). Data and model are loaded before the folder is created.
    /// <paramref name="train"/> and <paramref name="val"/> replace the config's data when given.
    /// </summary>
    public SftTrainer(SftConfig cfg, RunFolder run, Device device, bool resume = false,
        IReadOnlyList<MathProblem>? train = null, IReadOnlyList<MathProblem>? val = null, Action<string>? log = null)
    {
        cfg.Validate();
        _cfg = cfg;
        _run = run;
        var latest = run.Claim(cfg, resume, SftConfig.ResumeSafeKeys);
        if (train is null || val is null)
        {
            var (t, v) = LoadData(cfg, log);
            (_train, _val) = (train ?? t, val ?? v);
        }
        else (_train, _val) = (train, val);
        if (_train.Count == 0) throw new InvalidDataException("SFT needs at least one training problem with a worked solution");

        if (latest is not null)
        {
            _model = CausalLM.FromPretrained(Path.Combine(latest, Checkpoints.ModelFolder), device);
            _tokenizer = TokenizerLoader.Load(Path.Combine(latest, Checkpoints.ModelFolder));
        }
        else if (cfg.Init is not null)
        {
            _model = CausalLM.FromPretrained(cfg.Init, device);
            _tokenizer = TokenizerLoader.Load(cfg.Init);
        }
        else
        {
            _tokenizer = BuildCharTokenizer(_train.Concat(_val));
            var mc = new ModelConfig
            {
                ModelType = "qwen2", VocabSize = _tokenizer.VocabSize, HiddenSize = cfg.HiddenSize, IntermediateSize = cfg.IntermediateSize,
                NumHiddenLayers = cfg.Layers, NumAttentionHeads = cfg.Heads, NumKeyValueHeads = cfg.KvHeads,
                MaxPositionEmbeddings = cfg.MaxPositions, TieWordEmbeddings = true, AttentionBias = true,
                Rope = new RopeSettings(Theta: 10_000.0),
                BosTokenId = null, EosTokenIds = _tokenizer.EosTokenId is { } e ? [e] : [], PadTokenId = _tokenizer.PadTokenId,
            };
            _model = CausalLM.Create(mc, cfg.Seed, device);
        }
        _prompt = new PolicyPrompt(cfg.PromptStyle, _tokenizer);
        _order = DataOrder.Shuffled(_train.Count, cfg.Seed, 0x5F7);
        _padId = _tokenizer.PadTokenId ?? _tokenizer.EosTokenId ?? 0;
        _optim = optim.AdamW(_model.parameters(), cfg.LearningRate, weight_decay: cfg.WeightDecay);
        _schedule = new LrSchedule(ScheduleKind.WarmupCosine, cfg.LearningRate, cfg.WarmupSteps, cfg.Steps, cfg.MinLrRatio);
        if (latest is not null)
        {
            _optim.load_state_dict(Path.Combine(latest, Checkpoints.OptimizerFile));
            _step = RunState.LoadStep(latest);
        }
        Start = run.Begin(cfg, latest, _step);
    }

    /// <summary>
    /// The config's (train, validation) problems: the data files, or the embedded task's splits. With a training
    /// file and no <see cref="SftConfig.ValData"/>, validation is a slice held out of the training file, said via <paramref name="log"/>.
    /// </summary>
    public static (IReadOnlyList<MathProblem> Train, IReadOnlyList<MathProblem> Validation) LoadData(SftConfig cfg, Action<string>? log = null)
    {
        if (cfg.Data is null)
        {
            var splits = EmbeddedTask.Generate(cfg.DataSeed);
            return (splits.Train, cfg.ValData is null ? splits.Validation : DatasetReader.Load(cfg.ValData).Problems);
        }
        var train = DatasetReader.Load(cfg.Data).Problems;
        if (cfg.ValData is not null) return (train, DatasetReader.Load(cfg.ValData).Problems);
        var (kept, held) = HeldOut.Split(train, cfg.ValFraction, cfg.DataSeed);
        log?.Invoke(held.Count > 0
            ? $"val_data is not set: validating on {held.Count} problems held out of {cfg.Data} (val_fraction {cfg.ValFraction}); training on the other {kept.Count}"
            : $"val_data is not set and nothing was held out of {cfg.Data} (val_fraction {cfg.ValFraction}, {kept.Count} problems): validation has no problems; set val_data or val_fraction");
        return (kept, held);
    }

    /// <summary>A character tokenizer over every character of the problems' prompts and solutions.</summary>
    public static CharTokenizer BuildCharTokenizer(IEnumerable<MathProblem> problems)
    {
        var chars = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in problems)
            foreach (var text in new[] { ChatPrompt.ForCharModel(p.Question), p.Solution ?? "", p.ReferenceAnswer })
                foreach (var r in text.EnumerateRunes()) chars.Add(r.ToString());
        // Digits, operators and common punctuation always, so unseen numbers never map to <unk>.
        foreach (var c in "0123456789+-*/=.,%$()\\{}[] :\n?abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") chars.Add(c.ToString());
        return CharTokenizer.Create(string.Concat(chars));
    }

    /// <summary>
    /// The token ids of a problem's worked solution: the prompt (<see cref="PolicyPrompt"/>, the one rollouts and
    /// evaluation use) and the solution followed by the id that ends a response (EOS, or the chat template's end of turn).
    /// </summary>
    public SftExample Example(MathProblem p)
    {
        var prompt = _tokenizer.Encode(_prompt.Text(p));
        var completion = _tokenizer.Encode(p.Solution ?? throw new InvalidDataException($"problem {p.Id} has no worked solution to train on"));
        var end = _prompt.ResponseEndId ?? throw new InvalidOperationException("the tokenizer has no end-of-sequence token to end a response with");
        return new SftExample(prompt, [.. completion, end]);
    }

    /// <summary>Trains to <see cref="SftConfig.Steps"/>; returns the final evaluation.</summary>
    public EvalResult Train()
    {
        using var metrics = new MetricsWriter(_run.MetricsFile);
        using var progress = new ProgressReporter("sft", _cfg.Steps, _step);
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        EvalResult? last = null;
        while (_step < _cfg.Steps)
        {
            double lr = _schedule.At(_step);
            foreach (var g in _optim.ParamGroups) g.LearningRate = lr;
            _model.train();
            Optimizers.ZeroGrad(_optim);
            double lossSum = 0;
            long stepTokens = 0;
            for (int a = 0; a < _cfg.GradAccum; a++)
            {
                using var scope = NewDisposeScope();
                var examples = Batch(_step * _cfg.GradAccum + a).Select(Example).ToList();
                using var batch = Sft.Collate(examples, _padId, _cfg.MaxLength, _model.Device);
                var logits = _model.forward(batch.InputIds);
                var loss = Sft.Loss(logits, batch) / _cfg.GradAccum;
                loss.backward();
                lossSum += loss.item<float>();
                stepTokens += batch.AttentionMask.sum().item<long>();
            }
            double norm = torch.nn.utils.clip_grad_norm_(_model.parameters(), _cfg.MaxGradNorm);
            _optim.step();
            _step++;
            tokens += stepTokens;
            var m = new Dictionary<string, double>
            {
                ["sft/loss"] = lossSum, ["sft/lr"] = lr, ["sft/grad_norm"] = norm,
                ["perf/tokens_per_s"] = tokens / Math.Max(1e-9, clock.Elapsed.TotalSeconds),
            };
            if ((_cfg.EvalEvery > 0 && _step % _cfg.EvalEvery == 0) || _step == _cfg.Steps)
            {
                last = Evaluate(_val.Take(_cfg.EvalPrompts).ToList(), _cfg.EvalSamples, seed: 4242);
                foreach (var (k, v) in last.ToMetrics("val")) m[k] = v;
            }
            metrics.Write(_step, m);
            progress.Report(_step, $"loss={lossSum:0.000}{(m.TryGetValue("val/accuracy", out var acc) ? $" val_acc={acc:0.000}" : "")}");
            if ((_cfg.CheckpointEvery > 0 && _step % _cfg.CheckpointEvery == 0) || _step == _cfg.Steps) SaveCheckpoint();
        }
        if (_cfg.Export is not null) Save(_cfg.Export);
        return last ?? Evaluate(_val.Take(_cfg.EvalPrompts).ToList(), _cfg.EvalSamples, seed: 4242);
    }

    /// <summary>Verifier-judged mean@k accuracy of the current model.</summary>
    public EvalResult Evaluate(IReadOnlyList<MathProblem> problems, int samples, long seed)
    {
        _model.eval();
        return PolicyEvaluator.Evaluate(new RolloutEngine(_model, _tokenizer), problems, _prompt,
            samples, _cfg.EvalTemperature, _cfg.EvalTopP, _cfg.MaxNewTokens, seed);
    }

    /// <summary>Saves model + tokenizer as an HF folder.</summary>
    public void Save(string dir)
    {
        _model.SavePretrained(dir);
        _tokenizer.Save(dir);
    }

    /// <summary>Micro-step k's problems: a fixed shuffle of the training set per epoch, read in order (<see cref="DataOrder"/>).</summary>
    private IEnumerable<MathProblem> Batch(long microStep) =>
        _order.Range(microStep * _cfg.BatchSize, _cfg.BatchSize).Select(i => _train[i]);

    private void SaveCheckpoint() => Checkpoints.Save(_run.Checkpoints, _step, _cfg.KeepCheckpoints, dir =>
    {
        Save(Path.Combine(dir, Checkpoints.ModelFolder));
        _optim.save_state_dict(Path.Combine(dir, Checkpoints.OptimizerFile));
        RunState.Save(dir, _step);
    });

    /// <inheritdoc />
    public void Dispose()
    {
        _optim.Dispose();
        _model.Dispose();
    }
}
