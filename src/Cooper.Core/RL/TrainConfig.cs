using Cooper.Configuration;
using Cooper.Data;
using Cooper.Rewards;

namespace Cooper.RL;

/// <summary>
/// GRPO settings. Defaults are the paper's verl configuration (Cooper §4.1: 16 rollouts, T 1.0,
/// lr 1e-6, clip 0.2, KL 0.001 with k3, token-mean); departures are marked.
/// </summary>
public sealed record GrpoConfig
{
    /// <summary>Prompts per step (the paper uses 256 on 8 GPUs; small default for laptops).</summary>
    public int PromptsPerStep { get; init; } = 8;
    /// <summary>Rollouts per prompt, n (paper 16; default 8 for small runs).</summary>
    public int RolloutsPerPrompt { get; init; } = 8;
    /// <summary>Sampling temperature for training rollouts (paper 1.0); the update's log-probs (policy, old, reference) are taken at the same temperature, as in verl.</summary>
    public double Temperature { get; init; } = 1.0;
    /// <summary>Top-p for training rollouts (paper 1.0).</summary>
    public double TopP { get; init; } = 1.0;
    /// <summary>Maximum new tokens per rollout.</summary>
    public int MaxNewTokens { get; init; } = 256;
    /// <summary>Divide advantages by the group std (GRPO) or not (Dr.GRPO).</summary>
    public bool NormalizeAdvantageByStd { get; init; } = true;
    /// <summary>ε_low of the clipped ratio.</summary>
    public double ClipLow { get; init; } = 0.2;
    /// <summary>ε_high of the clipped ratio (DAPO's clip-higher uses 0.28).</summary>
    public double ClipHigh { get; init; } = 0.2;
    /// <summary>Dual-clip constant c for negative advantages (verl 3.0).</summary>
    public double DualClip { get; init; } = 3.0;
    /// <summary>Loss aggregation (verl default token-mean).</summary>
    public LossAggregation Aggregation { get; init; } = LossAggregation.TokenMean;
    /// <summary>KL-to-reference coefficient (k3 estimator, as a loss term).</summary>
    public double KlCoef { get; init; } = 0.001;
    /// <summary>Entropy bonus coefficient (paper 0).</summary>
    public double EntropyCoef { get; init; } = 0.0;
    /// <summary>Policy AdamW learning rate (paper 1e-6).</summary>
    public double LearningRate { get; init; } = 1e-6;
    /// <summary>AdamW weight decay (verl 0.01).</summary>
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Linear warm-up steps, then constant (verl).</summary>
    public int WarmupSteps { get; init; } = 20;
    /// <summary>Global gradient-norm clip (verl 1.0).</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>Sequences per optimiser step; 0 = all rollouts of the step in one update (on-policy).</summary>
    public int MiniBatchSize { get; init; } = 0;
    /// <summary>Sequences per forward/backward (gradient accumulation inside a mini-batch).</summary>
    public int MicroBatchSize { get; init; } = 16;
    /// <summary>Passes over each step's rollouts (PPO epochs); old log-probs are kept from before the first.</summary>
    public int PpoEpochs { get; init; } = 1;
    /// <summary>Drop groups whose rewards are all equal (DAPO's dynamic sampling, without refilling).</summary>
    public bool DynamicSampling { get; init; }
    /// <summary>
    /// Beyond DAPO: with <see cref="DynamicSampling"/>, also drop groups whose reward standard deviation (N−1) is
    /// at most this. For a reward model's continuous scores: a group it scores all alike (say 0.95–0.99, every
    /// rollout judged right) has no equal rewards, yet the std normalisation turns its score noise into ±1
    /// advantages. A binary reward's smallest non-zero std at 16 rollouts is 0.25, so any value below that
    /// changes nothing for the rule reward. 0 = only groups with all-equal rewards.
    /// </summary>
    public double DynamicSamplingMinStd { get; init; }
    /// <summary>Give truncated (length-limited) responses no loss (DAPO's overlong filtering).</summary>
    public bool MaskTruncated { get; init; }
    /// <summary>
    /// Beyond verl: with one PPO epoch and one mini-batch, forward identical rollouts once with their count as
    /// a weight (<see cref="PolicyUpdate.MergeDuplicates"/>; exact up to float summation order). Ignored otherwise.
    /// </summary>
    public bool MergeDuplicates { get; init; } = true;
}

/// <summary>A <c>cooper train</c> run.</summary>
public sealed record TrainConfig : IValidatable
{
    /// <summary>Policy model folder (HF layout); also the frozen reference policy.</summary>
    public string Policy { get; init; } = "models/policy";
    /// <summary>
    /// Tokenizer folder (<c>tokenizer.json</c>, <c>tokenizer_config.json</c>); null = the policy folder. For a
    /// policy folder without tokenizer files. Its ids must fit the policy's vocabulary (checked before the run starts).
    /// </summary>
    public string? Tokenizer { get; init; }
    /// <summary>Reward model folder (for <c>rm</c> and <c>cooper</c>).</summary>
    public string? RewardModel { get; init; } = "models/reward";
    /// <summary>The reward source.</summary>
    public RewardMode Reward { get; init; } = RewardMode.Rule;
    /// <summary>Training data file; null = the embedded task's train split.</summary>
    public string? Data { get; init; }
    /// <summary>
    /// Validation data file; null = a held-out slice of <see cref="Data"/> (<see cref="ValFraction"/> of its
    /// questions) when a data file is given, else the embedded task's validation split.
    /// </summary>
    public string? ValData { get; init; }
    /// <summary>Share of <see cref="Data"/>'s questions held out for validation when <see cref="ValData"/> is not set (ours).</summary>
    public double ValFraction { get; init; } = 0.05;
    /// <summary>Test data file for the final evaluation; null = the embedded task's test split.</summary>
    public string? TestData { get; init; }
    /// <summary>Test problems evaluated once at the end (first N); 0 = no final test evaluation.</summary>
    public int TestPrompts { get; init; }
    /// <summary>Samples per test problem (paper: 8).</summary>
    public int TestSamples { get; init; } = 8;
    /// <summary>Held-out labelled completions (JSONL: question, reference|answer, completion, label|gold_correct) for the RM's accuracy during training.</summary>
    public string? RmValData { get; init; }
    /// <summary>Seed of the embedded task's splits and of the validation slice held out of <see cref="Data"/>.</summary>
    public int DataSeed { get; init; } = 1234;
    /// <summary>Prompt formatting.</summary>
    public PromptStyle PromptStyle { get; init; } = PromptStyle.Plain;
    /// <summary>
    /// Mixed precision for every forward and backward of the run (rollouts, evaluation, policy update, reward-model
    /// scoring and updates): <c>bfloat16</c> or <c>float16</c> runs the transformer's linear layers in that dtype while
    /// weights, optimiser state and losses stay float32 (<see cref="Modeling.Autocast"/>; TRL's <c>bf16=True</c>);
    /// <c>none</c> (default) keeps everything float32. Worth it on GPUs and on CPUs with AVX512-BF16 or AMX
    /// (docs/BENCHMARKS.md); on CPUs without them bf16 matmuls are emulated and slower.
    /// </summary>
    public string Autocast { get; init; } = "none";
    /// <summary>RL steps.</summary>
    public int Steps { get; init; } = 100;
    /// <summary>Run seed: data order and every sampling seed derive from it.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>Validate every k steps (and at step 0 and the end); 0 = never.</summary>
    public int ValEvery { get; init; } = 10;
    /// <summary>
    /// Also measure the reward model's held-out accuracy and AUROC (<see cref="RmValData"/>) every k steps between
    /// validations (it scores a few hundred rows: seconds, where validating the policy samples hundreds of
    /// completions); 0 = only with validation.
    /// </summary>
    public int RmValEvery { get; init; }
    /// <summary>Validation prompts (first N of the validation split).</summary>
    public int ValPrompts { get; init; } = 100;
    /// <summary>Samples per validation prompt (mean@k).</summary>
    public int ValSamples { get; init; } = 4;
    /// <summary>Validation sampling temperature (paper 0.7).</summary>
    public double ValTemperature { get; init; } = 0.7;
    /// <summary>Validation top-p (paper 0.95).</summary>
    public double ValTopP { get; init; } = 0.95;
    /// <summary>Write a checkpoint every k steps (and at the end); 0 = only at the end.</summary>
    public int CheckpointEvery { get; init; } = 10;
    /// <summary>Checkpoints kept.</summary>
    public int KeepCheckpoints { get; init; } = 2;
    /// <summary>Runs root folder.</summary>
    public string Out { get; init; } = "runs";
    /// <summary>Run name (the folder under <see cref="Out"/>); default <c>train-{reward}-s{seed}</c> (<see cref="RunName"/>).</summary>
    public string? Name { get; init; }
    /// <summary>Window (steps) of the hacking alarm.</summary>
    public int AlarmWindow { get; init; } = 10;
    /// <summary>Stop early after this many steps (testing a kill/resume); 0 = run all.</summary>
    public int StopAfter { get; init; }
    /// <summary>GRPO settings.</summary>
    public GrpoConfig Grpo { get; init; } = new();
    /// <summary>Cooper stage-2 settings.</summary>
    public CooperConfig Cooper { get; init; } = new();
    /// <summary>Where training rollouts are sampled: in process (default) or on inference servers.</summary>
    public Rollouts.RolloutConfig Rollout { get; init; } = new();

    /// <summary>
    /// Keys <c>--resume</c> lets change: they decide when things are saved, measured at the end or reached
    /// over the network, not what a step computes. Any other change is refused (<see cref="Runs.RunFolder.Claim{T}"/>).
    /// </summary>
    public static IReadOnlyList<string> ResumeSafeKeys { get; } =
    [
        "out", "name", "stop_after", "checkpoint_every", "keep_checkpoints", "val_every", "rm_val_every", "test_data", "test_prompts", "test_samples",
        "cooper.assistant.base_url", "cooper.assistant.api_key_env", "cooper.assistant.max_concurrency",
        "cooper.assistant.timeout_seconds", "cooper.assistant.max_retries",
        "rollout.urls", "rollout.model", "rollout.sync_dir", "rollout.requests_per_server", "rollout.timeout_seconds",
        "rollout.api_key_env", "rollout.probe", "rollout.probe_tolerance",
    ];

    /// <summary>The run folder's name: <see cref="Name"/>, or <c>train-{reward}-s{seed}</c>.</summary>
    public string RunName() => Name ?? $"train-{Reward.Name()}-s{Seed}";

    /// <summary>
    /// The config a run actually uses: with <see cref="RewardMode.CooperPlus"/> the Cooper+ preset applied to
    /// <see cref="Cooper"/> (<see cref="CooperConfig.Plus"/>), so that the run's <c>config.yaml</c> shows the values it trains with.
    /// </summary>
    public TrainConfig Resolved() => Reward == RewardMode.CooperPlus ? this with { Cooper = Cooper.Plus() } : this;

    /// <inheritdoc />
    public void Validate()
    {
        if (Steps < 1) throw new ConfigException($"steps must be ≥ 1 (got {Steps})");
        if (StopAfter < 0) throw new ConfigException($"stop_after must be ≥ 0 (got {StopAfter})");
        if (CheckpointEvery < 0) throw new ConfigException($"checkpoint_every must be ≥ 0 (0 = only at the end; got {CheckpointEvery})");
        if (KeepCheckpoints < 1) throw new ConfigException($"keep_checkpoints must be ≥ 1 (got {KeepCheckpoints})");
        if (ValEvery < 0) throw new ConfigException($"val_every must be ≥ 0 (0 = never; got {ValEvery})");
        if (RmValEvery < 0) throw new ConfigException($"rm_val_every must be ≥ 0 (0 = only with validation; got {RmValEvery})");
        if (ValFraction is not (>= 0 and <= 0.5)) throw new ConfigException($"val_fraction must be in [0, 0.5] (got {ValFraction})");
        if (ValTemperature is not > 0) throw new ConfigException($"val_temperature must be > 0 (got {ValTemperature})");
        if (ValTopP is not (> 0 and <= 1)) throw new ConfigException($"val_top_p must be in (0, 1] (got {ValTopP})");
        if (Grpo.TopP is not (> 0 and <= 1)) throw new ConfigException($"grpo.top_p must be in (0, 1] (got {Grpo.TopP})");
        if (Grpo.MaxNewTokens < 1) throw new ConfigException($"grpo.max_new_tokens must be ≥ 1 (got {Grpo.MaxNewTokens})");
        if (!double.IsFinite(Grpo.KlCoef) || Grpo.KlCoef < 0) throw new ConfigException($"grpo.kl_coef must be ≥ 0 (got {Grpo.KlCoef})");
        if (!double.IsFinite(Grpo.EntropyCoef)) throw new ConfigException($"grpo.entropy_coef must be a finite number (got {Grpo.EntropyCoef})");
        if (Grpo.WeightDecay is not >= 0 || !double.IsFinite(Grpo.WeightDecay)) throw new ConfigException($"grpo.weight_decay must be ≥ 0 (got {Grpo.WeightDecay})");
        if (Grpo.MaxGradNorm is not > 0) throw new ConfigException($"grpo.max_grad_norm must be > 0 (got {Grpo.MaxGradNorm})");
        if (Grpo.RolloutsPerPrompt < 2) throw new ConfigException($"grpo.rollouts_per_prompt must be ≥ 2 for group-relative advantages (got {Grpo.RolloutsPerPrompt})");
        if (Grpo.PromptsPerStep < 1) throw new ConfigException($"grpo.prompts_per_step must be ≥ 1 (got {Grpo.PromptsPerStep})");
        if (Grpo.DynamicSamplingMinStd is not >= 0 || !double.IsFinite(Grpo.DynamicSamplingMinStd))
            throw new ConfigException($"grpo.dynamic_sampling_min_std must be ≥ 0 (got {Grpo.DynamicSamplingMinStd})");
        if (Grpo.LearningRate is not > 0 || double.IsInfinity(Grpo.LearningRate)) throw new ConfigException($"grpo.learning_rate must be > 0 (got {Grpo.LearningRate})");
        if (Grpo.ClipLow is not (> 0 and < 1)) throw new ConfigException($"grpo.clip_low must be in (0, 1) (got {Grpo.ClipLow})");
        if (Grpo.ClipHigh is not > 0 || double.IsInfinity(Grpo.ClipHigh)) throw new ConfigException($"grpo.clip_high must be > 0 (got {Grpo.ClipHigh})");
        if (Grpo.DualClip is not > 1) throw new ConfigException($"grpo.dual_clip must be > 1 (got {Grpo.DualClip})");
        if (Grpo.PpoEpochs < 1) throw new ConfigException($"grpo.ppo_epochs must be ≥ 1 (got {Grpo.PpoEpochs})");
        if (Grpo.MicroBatchSize < 1) throw new ConfigException($"grpo.micro_batch_size must be ≥ 1 (got {Grpo.MicroBatchSize})");
        if (Grpo.Temperature is not > 0 || double.IsInfinity(Grpo.Temperature)) throw new ConfigException($"grpo.temperature must be > 0 (got {Grpo.Temperature})");
        if (Reward != RewardMode.Rule && string.IsNullOrWhiteSpace(RewardModel))
            throw new ConfigException($"reward {Reward.Name()} needs reward_model: set it to a reward-model folder, or use --reward rule");
        if (Cooper.LearningRate is not > 0 || double.IsInfinity(Cooper.LearningRate)) throw new ConfigException($"cooper.learning_rate must be > 0 (got {Cooper.LearningRate})");
        if (Cooper.WeightDecay is not >= 0 || !double.IsFinite(Cooper.WeightDecay)) throw new ConfigException($"cooper.weight_decay must be ≥ 0 (got {Cooper.WeightDecay})");
        if (Cooper.MaxGradNorm is not > 0) throw new ConfigException($"cooper.max_grad_norm must be > 0 (got {Cooper.MaxGradNorm})");
        if (Cooper.MaxNegativeAttempts < 1) throw new ConfigException($"cooper.max_negative_attempts must be ≥ 1 (got {Cooper.MaxNegativeAttempts})");
        if (Cooper.PositivesPerPrompt < 0) throw new ConfigException($"cooper.positives_per_prompt must be ≥ 0 (0 = all; got {Cooper.PositivesPerPrompt})");
        if (Cooper.NegativesPerPositive < 1) throw new ConfigException($"cooper.negatives_per_positive must be ≥ 1 (got {Cooper.NegativesPerPositive})");
        if (Cooper.AnchorWeight is not >= 0 || !double.IsFinite(Cooper.AnchorWeight)) throw new ConfigException($"cooper.anchor_weight must be a finite number ≥ 0 (got {Cooper.AnchorWeight})");
        if (Cooper.UpdatesPerStep < 1) throw new ConfigException($"cooper.updates_per_step must be ≥ 1 (got {Cooper.UpdatesPerStep})");
        if (Cooper.RolloutLabelWeight is not >= 0 || !double.IsFinite(Cooper.RolloutLabelWeight)) throw new ConfigException($"cooper.rollout_label_weight must be a finite number ≥ 0 (got {Cooper.RolloutLabelWeight})");
        if (Cooper.RolloutLabelMinError is not (>= 0 and <= 1)) throw new ConfigException($"cooper.rollout_label_min_error must be in [0, 1] (got {Cooper.RolloutLabelMinError})");
        if (ValSamples < 1) throw new ConfigException($"val_samples must be ≥ 1 (got {ValSamples})");
        try { Modeling.Autocast.Parse(Autocast); }
        catch (ArgumentException) { throw new ConfigException($"autocast must be none, bfloat16 or float16 (got '{Autocast}')"); }
        Rollout.Validate();
    }
}
