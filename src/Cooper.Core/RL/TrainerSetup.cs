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
    /// <summary>Loads everything the config names. Bad rows in data files are skipped and reported via <paramref name="log"/>.</summary>
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
        var assistant = cfg.Cooper.Assistant is null ? null : (INegativeWriter)new LlmRewriter(new LlmClient(cfg.Cooper.Assistant, log));
        return new TrainerInputs
        {
            Train = Load(cfg.Data, s => s.Train),
            Validation = Load(cfg.ValData, s => s.Validation),
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
        RewardMode.Cooper => new CooperReward(
            RewardModel.Load(checkpoint is null ? cfg.RewardModel! : Path.Combine(checkpoint, CooperReward.ModelFolder), device),
            cfg.Cooper, assistant, (ulong)cfg.Seed, checkpoint),
        _ => throw new ArgumentOutOfRangeException(nameof(cfg), cfg.Reward, "reward must be rule, rm or cooper"),
    };
}
