using Cooper.Annotation;
using Cooper.Data;
using Cooper.Data.Embedded;
using Cooper.Endpoints;
using Cooper.Rewards;
using Cooper.Rewards.Negatives;
using static TorchSharp.torch;

namespace Cooper.RL;

/// <summary>Builds a run's <see cref="TrainerInputs"/> from its config: data files or the embedded task, labelled RM data, the assistant.</summary>
public static class TrainerSetup
{
    /// <summary>
    /// Loads everything the config names. Bad rows in data files are skipped and reported via <paramref name="log"/>.
    /// With a training file and no <see cref="TrainConfig.ValData"/>, validation is a slice held out of the
    /// training file (<see cref="TrainConfig.ValFraction"/> of its questions), said via <paramref name="log"/>.
    /// </summary>
    public static TrainerInputs Inputs(TrainConfig cfg, Action<string>? log = null)
    {
        EmbeddedSplits? embedded = null;
        EmbeddedSplits Embedded() => embedded ??= EmbeddedTask.Generate(cfg.DataSeed);
        IReadOnlyList<MathProblem> Load(string? path, Func<EmbeddedSplits, IReadOnlyList<MathProblem>> fallback)
        {
            if (path is null) return fallback(Embedded());
            var r = DatasetReader.Load(path);
            if (r.Skipped > 0) log?.Invoke($"{path}: skipped {r.Skipped} malformed row(s); first: {r.Errors.FirstOrDefault()}");
            return r.Problems;
        }
        var train = Load(cfg.Data, s => s.Train);
        IReadOnlyList<MathProblem> validation;
        if (cfg.Data is not null && cfg.ValData is null)
        {
            (train, validation) = HeldOut.Split(train, cfg.ValFraction, cfg.DataSeed);
            log?.Invoke(validation.Count > 0
                ? $"val_data is not set: validating on {validation.Count} problems held out of {cfg.Data} (val_fraction {cfg.ValFraction}); training on the other {train.Count}"
                : $"val_data is not set and nothing was held out of {cfg.Data} (val_fraction {cfg.ValFraction}, {train.Count} problems): the run has no validation; set val_data or val_fraction");
        }
        else validation = Load(cfg.ValData, s => s.Validation);
        if (cfg.Data is not null && cfg.TestData is null && cfg.TestPrompts > 0)
            log?.Invoke($"test_data is not set: the final test runs on the embedded task's test split, not on problems like {cfg.Data}'s");
        var assistant = cfg.Cooper.Assistant is null ? null : (INegativeWriter)new LlmRewriter(new LlmClient(cfg.Cooper.Assistant, log));
        return new TrainerInputs
        {
            Train = train,
            Validation = validation,
            Test = cfg.TestPrompts <= 0 ? [] : Load(cfg.TestData, s => s.Test).Take(cfg.TestPrompts).ToList(),
            RmValidation = cfg.RmValData is null ? [] : LabelledSet.Read(cfg.RmValData),
            Assistant = assistant,
            TestSamples = cfg.TestSamples,
        };
    }

    /// <summary>
    /// The run's reward source — the one place a <see cref="RewardMode"/> becomes code. A learning source
    /// (Cooper) resumes its model and optimiser from <paramref name="checkpoint"/> when one is given.
    /// </summary>
    public static IRewardSource RewardSource(TrainConfig cfg, INegativeWriter assistant, Device device, string? checkpoint = null) => cfg.Reward switch
    {
        RewardMode.Rule => new RuleReward(),
        RewardMode.Rm => new StaticModelReward(RewardModel.Load(cfg.RewardModel!, device)),
        RewardMode.Cooper or RewardMode.CooperPlus => new CooperReward(
            RewardModel.Load(checkpoint is null ? cfg.RewardModel! : Path.Combine(checkpoint, CooperReward.ModelFolder), device),
            cfg.Reward == RewardMode.CooperPlus ? cfg.Cooper.Plus() : cfg.Cooper, assistant, (ulong)cfg.Seed, checkpoint),
        _ => throw new ArgumentOutOfRangeException(nameof(cfg), cfg.Reward, "reward must be rule, rm, cooper or cooper_plus"),
    };
}
