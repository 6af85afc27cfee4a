using System.Text.Json;
using Cooper.Annotation;
using Cooper.Configuration;
using Cooper.Data.Embedded;
using Cooper.Modeling;
using Cooper.Runs;
using Cooper.Tokenizers;
using Cooper.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Rewards;

/// <summary>
/// VerifyRM training (paper §3.1): binary cross-entropy on labelled (question, reference, completion)
/// rows. Defaults are the paper's recipe (AdamW, lr 2e-5, weight decay 0.01, 3 epochs); where the paper
/// gives no value the default is ours and says so.
/// </summary>
public sealed record RmTrainConfig : IValidatable
{
    /// <summary>Labelled training JSONL (see <see cref="LabelledSet"/>), e.g. <c>cooper annotate</c>'s <c>labelled.jsonl</c>.</summary>
    public string Data { get; init; } = "";
    /// <summary>Held-out labelled JSONL; null = split <see cref="ValFraction"/> of the training rows off (by question).</summary>
    public string? ValData { get; init; }
    /// <summary>Share of training questions held out when <see cref="ValData"/> is null (ours; 0 = no validation).</summary>
    public double ValFraction { get; init; } = 0.05;
    /// <summary>
    /// Initial model folder: a reward model (<c>*ForSequenceClassification</c>) to continue, a policy
    /// (<c>*ForCausalLM</c>; the backbone is copied, the head drawn fresh — the paper starts from an LM), or a
    /// folder with only <c>config.json</c> and tokenizer files (fresh weights: training from scratch).
    /// </summary>
    public string Init { get; init; } = "";
    /// <summary>Run folder: <c>metrics.jsonl</c>, <c>checkpoints/</c>, the final <c>model/</c> and <c>eval.json</c>.</summary>
    public string Out { get; init; } = "runs/rm";
    /// <summary>Token cap per input (0 = the model's <c>max_position_embeddings</c>).</summary>
    public int MaxLength { get; init; }
    /// <summary>Training precision: float32 (default; AdamW updates of lr 2e-5 vanish in bf16 weights) or bfloat16.</summary>
    public string Dtype { get; init; } = "float32";
    /// <summary>AdamW peak learning rate (paper 2e-5).</summary>
    public double LearningRate { get; init; } = 2e-5;
    /// <summary>AdamW weight decay (paper 0.01).</summary>
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Passes over the training rows (paper 3).</summary>
    public int Epochs { get; init; } = 3;
    /// <summary>Rows per optimiser step (ours: the paper does not give its batch size).</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Rows per forward/backward; gradients accumulate up to <see cref="BatchSize"/>.</summary>
    public int MicroBatchSize { get; init; } = 8;
    /// <summary>Linear warm-up over this share of all steps (ours: not given in the paper).</summary>
    public double WarmupRatio { get; init; } = 0.03;
    /// <summary>Shape after warm-up (ours: cosine to 0; HF Trainer's default would be linear).</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.WarmupCosine;
    /// <summary>Global gradient-norm clip.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>Evaluate on the held-out rows every k steps (and at the end); 0 = only at the end.</summary>
    public int EvalEvery { get; init; } = 50;
    /// <summary>Checkpoint every k steps (and at the end); 0 = only at the end.</summary>
    public int CheckpointEvery { get; init; } = 100;
    /// <summary>Checkpoints kept.</summary>
    public int KeepCheckpoints { get; init; } = 2;
    /// <summary>Seed of the head's initialisation, the validation split and the data order.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>
    /// Beyond the paper: add reference-swapped copies of this share of the training rows (0 = off, 1 = every
    /// row), so that only the reference explains the label; see <see cref="ReferenceSwap"/>.
    /// </summary>
    public double ReferenceSwap { get; init; }
    /// <summary>
    /// Beyond the paper: add answer-edited copies of this share of the training rows (only the boxed answer
    /// changes, the label flips; see <see cref="TargetedRows"/>).
    /// </summary>
    public double AnswerEdit { get; init; }
    /// <summary>
    /// Beyond the paper: add step-rewritten copies (wrong answer, consistent-looking steps) of this share of the
    /// correct training rows (see <see cref="TargetedRows"/>).
    /// </summary>
    public double StepRewrite { get; init; }
    /// <summary>
    /// Beyond the paper: add this many answer-row pairs per distinct reference (a one-line completion boxing the
    /// reference or a wrong number, empty question; see <see cref="TargetedRows.AnswerRows"/>). 0 = off.
    /// </summary>
    public int AnswerRows { get; init; }
    /// <summary>
    /// Train on the answer rows alone (the first stage of a curriculum: the data file only supplies references);
    /// needs <see cref="AnswerRows"/> &gt; 0.
    /// </summary>
    public bool AnswerRowsOnly { get; init; }
    /// <summary>Stop once this many steps are done (0 = run all): for testing a kill and resume.</summary>
    public int StopAfter { get; init; }

    /// <inheritdoc />
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Data)) throw new ConfigException("data is required: the labelled JSONL to train on (--data FILE or data=FILE)");
        if (string.IsNullOrWhiteSpace(Init)) throw new ConfigException("init is required: a reward-model, policy or config-only folder (--init DIR or init=DIR)");
        if (!(LearningRate > 0)) throw new ConfigException($"learning_rate must be > 0 (got {LearningRate})");
        if (WeightDecay < 0) throw new ConfigException($"weight_decay must be ≥ 0 (got {WeightDecay})");
        if (Epochs < 1) throw new ConfigException($"epochs must be ≥ 1 (got {Epochs})");
        if (BatchSize < 1) throw new ConfigException($"batch_size must be ≥ 1 (got {BatchSize})");
        if (MicroBatchSize < 1) throw new ConfigException($"micro_batch_size must be ≥ 1 (got {MicroBatchSize})");
        if (WarmupRatio is < 0 or >= 1) throw new ConfigException($"warmup_ratio must be in [0, 1) (got {WarmupRatio})");
        if (!(MaxGradNorm > 0)) throw new ConfigException($"max_grad_norm must be > 0 (got {MaxGradNorm})");
        if (ValFraction is < 0 or > 0.5) throw new ConfigException($"val_fraction must be in [0, 0.5] (got {ValFraction})");
        if (MaxLength is < 0 or (> 0 and < 8)) throw new ConfigException($"max_length must be 0 (the model's maximum) or ≥ 8 (got {MaxLength})");
        if (Dtype is not ("float32" or "bfloat16")) throw new ConfigException($"dtype must be float32 or bfloat16 (got '{Dtype}')");
        if (EvalEvery < 0 || CheckpointEvery < 0) throw new ConfigException("eval_every and checkpoint_every must be ≥ 0 (0 = only at the end)");
        if (KeepCheckpoints < 1) throw new ConfigException($"keep_checkpoints must be ≥ 1 (got {KeepCheckpoints})");
        if (StopAfter < 0) throw new ConfigException($"stop_after must be ≥ 0 (got {StopAfter})");
        if (ReferenceSwap is < 0 or > 1) throw new ConfigException($"reference_swap must be in [0, 1] (got {ReferenceSwap})");
        if (AnswerEdit is < 0 or > 1) throw new ConfigException($"answer_edit must be in [0, 1] (got {AnswerEdit})");
        if (StepRewrite is < 0 or > 1) throw new ConfigException($"step_rewrite must be in [0, 1] (got {StepRewrite})");
        if (AnswerRows < 0) throw new ConfigException($"answer_rows must be ≥ 0 (got {AnswerRows})");
        if (AnswerRowsOnly && AnswerRows == 0) throw new ConfigException("answer_rows_only needs answer_rows > 0 (pairs per reference)");
        if (AnswerRowsOnly && (AnswerEdit > 0 || StepRewrite > 0 || ReferenceSwap > 0))
            throw new ConfigException("answer_rows_only trains on the answer rows alone: set answer_edit, step_rewrite and reference_swap to 0");
    }
}

/// <summary>The outcome of <see cref="RewardModelTrainer.Train"/>.</summary>
/// <param name="Steps">Optimiser steps done in total (resumed ones included).</param>
/// <param name="TotalSteps">Steps the full run has.</param>
/// <param name="ModelDir">The final model folder (null when stopped early).</param>
/// <param name="Final">The last held-out evaluation (null without validation rows).</param>
/// <param name="FirstLoss">Training loss of the first step run in this call (NaN if none ran).</param>
/// <param name="LastLoss">Training loss of the last step run in this call.</param>
public sealed record RmTrainResult(int Steps, int TotalSteps, string? ModelDir, RmEvalReport? Final, double FirstLoss, double LastLoss);

/// <summary>
/// Trains a reward model with BCE, one step reading top to bottom: the step's rows (a fixed shuffle per
/// epoch) → micro-batched logits and BCE, gradients accumulated with weight rows/batch → clip →
/// AdamW step (skipped when the gradient norm is not finite) → metrics → held-out evaluation →
/// checkpoint. A checkpoint (model, optimizer state, step) is written to a temp folder and renamed;
/// a rerun on the same run folder resumes from the newest one, and because the data order is a pure
/// function of (seed, epoch) the step number alone says where in the data to continue.
/// </summary>
public static class RewardModelTrainer
{
    /// <summary>
    /// What a reward-model checkpoint's <see cref="RunState"/> holds besides the step. The data position
    /// (epoch, batch) follows from the step; the fingerprint makes a resume on other rows fail.
    /// </summary>
    /// <param name="SkippedSteps">Steps skipped for a non-finite gradient norm so far.</param>
    /// <param name="TrainFingerprint">The training rows' fingerprint (<see cref="LabelledSet.Fingerprint"/>).</param>
    public sealed record RmRunState(int SkippedSteps, string TrainFingerprint);

    /// <summary>
    /// Keys a rerun into the same run folder may change: when things are saved, evaluated or where training stops.
    /// Any other change is refused (<see cref="RunFolder.Claim{T}"/>).
    /// </summary>
    public static IReadOnlyList<string> ResumeSafeKeys { get; } = ["out", "stop_after", "checkpoint_every", "keep_checkpoints", "eval_every"];

    /// <summary>The reward model <see cref="RmTrainConfig.Init"/> names, in the training dtype on <paramref name="device"/>.</summary>
    public static RewardModel Initialise(RmTrainConfig cfg, Device? device = null)
    {
        var dir = cfg.Init;
        if (!File.Exists(Path.Combine(dir, "config.json"))) throw new FileNotFoundException($"{dir}: no config.json (init must be a model folder)");
        var config = ModelConfig.Load(dir);
        var dtype = HfCheckpoint.ParseDtype(cfg.Dtype);
        var tokenizer = TokenizerLoader.Load(dir);
        bool hasWeights = File.Exists(Path.Combine(dir, HfCheckpoint.SingleFile)) || File.Exists(Path.Combine(dir, HfCheckpoint.IndexFile));
        bool isClassifier = config.Architectures.Any(a => a.EndsWith("ForSequenceClassification", StringComparison.Ordinal));
        SequenceClassifier model;
        if (!hasWeights)
        {
            var rmConfig = config with
            {
                Architectures = [config.ModelType == "llama" ? "LlamaForSequenceClassification" : "Qwen2ForSequenceClassification"],
                Labels = ["LABEL_0"],
                PadTokenId = config.PadTokenId ?? tokenizer.PadTokenId,
            };
            model = SequenceClassifier.Create(rmConfig, cfg.Seed, device, dtype);
        }
        else if (isClassifier)
            model = SequenceClassifier.FromPretrained(dir, device, dtype);
        else
        {
            using var policy = CausalLM.FromPretrained(dir, device, dtype);
            model = RewardModel.FromPolicy(policy, tokenizer, cfg.Seed).Model;   // that wrapper owns nothing else
        }
        return new RewardModel(model, tokenizer) { MaxLength = cfg.MaxLength };
    }

    /// <summary>
    /// Splits rows into (train, validation) by question, so no question is on both sides:
    /// questions are shuffled with <paramref name="seed"/> and the first ⌈fraction·questions⌉ held out.
    /// </summary>
    public static (List<LabelledExample> Train, List<LabelledExample> Val) Split(IReadOnlyList<LabelledExample> rows, double fraction, long seed)
    {
        if (fraction <= 0) return (rows.ToList(), []);
        var questions = rows.Select(r => r.Question).Distinct(StringComparer.Ordinal).ToArray();
        Shuffle(questions, SplitMix64.Derive((ulong)seed, 0x5EED_5917UL));
        int nVal = Math.Min(questions.Length - 1, (int)Math.Ceiling(fraction * questions.Length));
        var held = questions.Take(Math.Max(0, nVal)).ToHashSet(StringComparer.Ordinal);
        return (rows.Where(r => !held.Contains(r.Question)).ToList(), rows.Where(r => held.Contains(r.Question)).ToList());
    }

    /// <summary>
    /// The order of training rows in <paramref name="epoch"/>: a permutation fixed by (seed, epoch). It is drawn
    /// differently from <see cref="DataOrder.Shuffled"/> (a multiply-high draw, the epoch before the stream)
    /// and kept so, so the shipped reward model's recipe (models/README.md) reproduces.
    /// </summary>
    public static int[] EpochOrder(int count, long seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        Shuffle(order, SplitMix64.Derive((ulong)seed, (ulong)epoch, 0xDA7A_0DE5UL));
        return order;
    }

    /// <summary>
    /// Runs (or resumes) training in <paramref name="run"/>. <paramref name="initialise"/> is called only
    /// when the run has no checkpoint; otherwise the newest checkpoint's model and optimizer are loaded.
    /// The trainer owns the model it trains and disposes it; the result points at the saved folder.
    /// </summary>
    public static RmTrainResult Train(RmTrainConfig cfg, IReadOnlyList<LabelledExample> train, IReadOnlyList<LabelledExample> val,
        RunFolder run, Func<RewardModel> initialise, Device? device = null, Action<string>? log = null)
    {
        cfg.Validate();
        if (train.Count == 0) throw new ArgumentException("no training rows");
        int stepsPerEpoch = (train.Count + cfg.BatchSize - 1) / cfg.BatchSize;
        int total = cfg.Epochs * stepsPerEpoch;
        var schedule = new LrSchedule(cfg.Schedule, cfg.LearningRate, (int)Math.Round(cfg.WarmupRatio * total), total);
        string fingerprint = LabelledSet.Fingerprint(train);

        // A rerun into the same folder resumes it; its settings must be the run's (batch size and seed fix the order).
        var latest = run.Claim(cfg, resume: true, ResumeSafeKeys);
        int step = 0, skipped = 0;
        if (latest is not null)
        {
            var (savedStep, state) = RunState.Load<RmRunState>(latest);
            if (state.TrainFingerprint != fingerprint)
                throw new InvalidOperationException($"the training rows differ from those of the checkpoint in {latest} ({fingerprint} vs {state.TrainFingerprint}): " +
                    "resume with the same data, or train into a new --out folder");
            (step, skipped) = (savedStep, state.SkippedSteps);
        }
        using var rm = latest is null ? initialise() : RewardModel.Load(Path.Combine(latest, Checkpoints.ModelFolder), device, cfg.MaxLength);
        if (latest is not null) rm.Model.to(HfCheckpoint.ParseDtype(cfg.Dtype));
        using var opt = optim.AdamW(rm.Model.parameters(), cfg.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: cfg.WeightDecay);
        if (latest is not null) opt.load_state_dict(Path.Combine(latest, Checkpoints.OptimizerFile));
        var start = run.Begin(cfg, latest, step);
        if (start.Checkpoint is not null || start.FolderHeldRun) log?.Invoke(start.Describe(total));

        using var metrics = new MetricsWriter(run.MetricsFile);
        using var progress = new ProgressReporter("rm", total, step);
        int stopAt = cfg.StopAfter > 0 ? Math.Min(total, cfg.StopAfter) : total;
        var order = new DataOrder(train.Count, epoch => EpochOrder(train.Count, cfg.Seed, (int)epoch));
        double firstLoss = double.NaN, lastLoss = double.NaN;
        RmEvalReport? report = null;
        Training.Optimizers.ZeroGrad(opt);

        while (step < stopAt)
        {
            // 1. the step's rows
            // Batches do not cross epochs: an epoch's last batch may be short.
            int epoch = step / stepsPerEpoch, batchInEpoch = step % stepsPerEpoch;
            var rows = order.Epoch(epoch).Skip(batchInEpoch * cfg.BatchSize).Take(cfg.BatchSize).Select(i => train[i]).ToList();

            // 2. forward/backward over micro-batches; 3. clip and step
            double lr = schedule.At(step);
            foreach (var g in opt.ParamGroups) g.LearningRate = lr;
            var (loss, accuracy) = AccumulateBce(rm, rows, cfg.MicroBatchSize);
            double gradNorm = torch.nn.utils.clip_grad_norm_(rm.Model.parameters(), cfg.MaxGradNorm);
            if (double.IsFinite(gradNorm)) opt.step();
            else skipped++;
            Training.Optimizers.ZeroGrad(opt);
            step++;
            if (double.IsNaN(firstLoss)) firstLoss = loss;
            lastLoss = loss;

            // 4. metrics, evaluation, checkpoint
            var m = new Dictionary<string, double>
            {
                ["rm/loss"] = loss,
                ["rm/accuracy"] = accuracy,
                ["rm/grad_norm"] = gradNorm,
                ["rm/lr"] = lr,
                ["rm/epoch"] = (double)step / stepsPerEpoch,
                ["rm/skipped_steps"] = skipped,
            };
            bool last = step == total;
            if (val.Count > 0 && (last || (cfg.EvalEvery > 0 && step % cfg.EvalEvery == 0)))
            {
                rm.Model.eval();
                report = RmEvaluation.Evaluate(val, batch => rm.Scores(batch, cfg.MicroBatchSize));
                foreach (var (k, v) in report.ToMetrics("rm/val_")) m[k] = v;
            }
            metrics.Write(step, m);
            if (last || step == stopAt || (cfg.CheckpointEvery > 0 && step % cfg.CheckpointEvery == 0))
            {
                Checkpoints.Save(run.Checkpoints, step, cfg.KeepCheckpoints, dir =>
                {
                    rm.Save(Path.Combine(dir, Checkpoints.ModelFolder));
                    opt.save_state_dict(Path.Combine(dir, Checkpoints.OptimizerFile));
                    RunState.Save(dir, step, new RmRunState(skipped, fingerprint));
                });
            }
            progress.Report(step, $"loss={loss:0.0000}" + (m.TryGetValue("rm/val_accuracy", out var va) ? $" val_acc={va:0.000}" : ""));
        }

        if (step < total) return new RmTrainResult(step, total, null, report, firstLoss, lastLoss);

        // The finished model, published atomically, and its held-out report.
        var modelDir = run.File("model");
        var tmp = modelDir + ".tmp";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        rm.Save(tmp);
        if (Directory.Exists(modelDir)) Directory.Delete(modelDir, true);
        Directory.Move(tmp, modelDir);
        if (val.Count > 0)
        {
            report ??= RmEvaluation.Evaluate(val, batch => rm.Scores(batch, cfg.MicroBatchSize));
            AtomicFile.WriteAllText(run.File("eval.json"), RmEvaluation.ToJson(report).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        return new RmTrainResult(step, total, modelDir, report, firstLoss, lastLoss);
    }

    /// <summary>
    /// BCE over <paramref name="rows"/> with gradients accumulated over micro-batches: each micro-batch's
    /// mean loss is weighted by its share of the rows, so the gradient equals the full batch's mean BCE.
    /// Returns the batch's loss and its accuracy at logit 0 (p = 0.5).
    /// </summary>
    public static (double Loss, double Accuracy) AccumulateBce(RewardModel rm, IReadOnlyList<LabelledExample> rows, int microBatch)
    {
        rm.Model.train();
        double loss = 0;
        double hits = 0;
        for (int start = 0; start < rows.Count; start += microBatch)
        {
            var chunk = rows.Skip(start).Take(microBatch).ToList();
            using var scope = torch.NewDisposeScope();
            var z = rm.Logits(chunk.Select(r => r.ToInput()).ToList()).to(ScalarType.Float32);        // (b,)
            var y = torch.tensor(chunk.Select(r => r.Label ? 1f : 0f).ToArray(), device: z.device);   // (b,)
            var part = RewardModelLoss.BinaryCrossEntropy(z, y) * ((double)chunk.Count / rows.Count);
            part.backward();
            var hit = z.gt(0).to(ScalarType.Float32).eq(y).sum().to(ScalarType.Float32);
            var host = torch.stack([part.detach(), hit]).cpu().data<float>().ToArray();              // one sync per micro-batch
            loss += host[0];
            hits += host[1];
        }
        return (loss, hits / rows.Count);
    }

    private static void Shuffle<T>(T[] items, ulong seed)
    {
        var rng = new SplitMix64(seed);
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = rng.Range(0, i);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
