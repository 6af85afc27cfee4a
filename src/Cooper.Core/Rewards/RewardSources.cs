using Cooper.Data;
using Cooper.Generation;
using Cooper.Rewards.Negatives;
using Cooper.Runs;
using Cooper.Verify;
using static TorchSharp.torch;

namespace Cooper.Rewards;

/// <summary>Where the policy's reward comes from (<c>--reward</c>).</summary>
public enum RewardMode
{
    /// <summary>The rule verifier: 1 when the final answer is equivalent to the reference, else 0 (<see cref="RuleReward"/>).</summary>
    Rule,
    /// <summary>A reward model trained once and then frozen — the setting that gets hacked (<see cref="StaticModelReward"/>).</summary>
    Rm,
    /// <summary>The reward model, updated every step on verifier-positive / assistant-negative pairs (<see cref="CooperReward"/>).</summary>
    Cooper,
    /// <summary>Cooper+ (beyond the paper): Cooper with the <see cref="CooperConfig.Plus"/> preset of its options.</summary>
    CooperPlus,
}

/// <summary>Names of <see cref="RewardMode"/> as configs, folders and reports write them.</summary>
public static class RewardModes
{
    /// <summary>snake_case: <c>rule</c>, <c>rm</c>, <c>cooper</c>, <c>cooper_plus</c> (what configs and <c>--reward</c> accept).</summary>
    public static string Name(this RewardMode mode) => mode switch
    {
        RewardMode.Rule => "rule",
        RewardMode.Rm => "rm",
        RewardMode.Cooper => "cooper",
        RewardMode.CooperPlus => "cooper_plus",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };
}

/// <summary>One step's rollouts as a reward source sees them.</summary>
/// <param name="Step">0-based RL step.</param>
/// <param name="Problems">The step's prompts' problems; <see cref="RolloutSample.PromptIndex"/> indexes them.</param>
/// <param name="Samples">The rollouts, n per problem.</param>
/// <param name="Verified">The rule verifier's verdict per rollout (always computed: the ground truth every run monitors).</param>
public sealed record StepRollouts(int Step, IReadOnlyList<MathProblem> Problems, IReadOnlyList<RolloutSample> Samples, IReadOnlyList<bool> Verified)
{
    /// <summary>The (question, reference, completion) reward-model input of rollout <paramref name="i"/>.</summary>
    public RmInput RmInput(int i) => new(Problems[Samples[i].PromptIndex].Question, Problems[Samples[i].PromptIndex].ReferenceAnswer, Samples[i].Text);
}

/// <summary>
/// A source of rewards for GRPO: it scores a step's rollouts and, where it learns (Cooper), updates
/// itself after scoring and before the policy moves. A new reward source is one implementation plus
/// a <see cref="RewardMode"/> value handled where sources are created (<c>TrainerSetup.RewardSource</c>).
/// </summary>
public interface IRewardSource : IDisposable
{
    /// <summary>The reward model behind the rewards, or null (validation reports its held-out accuracy and AUROC).</summary>
    RewardModel? Model { get; }

    /// <summary>One reward per rollout, in <see cref="StepRollouts.Samples"/> order.</summary>
    double[] Score(StepRollouts step);

    /// <summary>Learns from the scored step (a no-op for sources that do not learn); returns its metrics.</summary>
    Task<Dictionary<string, double>> UpdateAsync(StepRollouts step, IReadOnlyList<double> rewards, CancellationToken ct = default);

    /// <summary>Writes whatever a resumed run needs into checkpoint folder <paramref name="dir"/> (nothing for stateless sources).</summary>
    void Save(string dir);
}

/// <summary>The rule verifier's 0/1 reward (RLVR): precise, but blind to correct answers it cannot parse.</summary>
public sealed class RuleReward : IRewardSource
{
    /// <inheritdoc />
    public RewardModel? Model => null;

    /// <inheritdoc />
    public double[] Score(StepRollouts step) => step.Verified.Select(v => v ? 1.0 : 0.0).ToArray();

    /// <inheritdoc />
    public Task<Dictionary<string, double>> UpdateAsync(StepRollouts step, IReadOnlyList<double> rewards, CancellationToken ct = default) => Task.FromResult(new Dictionary<string, double>());

    /// <inheritdoc />
    public void Save(string dir) { }

    /// <inheritdoc />
    public void Dispose() { }
}

/// <summary>A frozen reward model's P(correct | question, reference, completion): the setting that gets hacked.</summary>
public sealed class StaticModelReward : IRewardSource
{
    private readonly RewardModel _rm;

    /// <summary>Takes ownership of <paramref name="rm"/> and freezes it.</summary>
    public StaticModelReward(RewardModel rm)
    {
        _rm = rm;
        foreach (var p in _rm.Model.parameters()) p.requires_grad = false;
    }

    /// <inheritdoc />
    public RewardModel? Model => _rm;

    /// <inheritdoc />
    public double[] Score(StepRollouts step) =>
        _rm.Scores(Enumerable.Range(0, step.Samples.Count).Select(step.RmInput).ToList()).Select(s => (double)s).ToArray();

    /// <inheritdoc />
    public Task<Dictionary<string, double>> UpdateAsync(StepRollouts step, IReadOnlyList<double> rewards, CancellationToken ct = default) => Task.FromResult(new Dictionary<string, double>());

    /// <inheritdoc />
    public void Save(string dir) { }

    /// <inheritdoc />
    public void Dispose() => _rm.Dispose();
}

/// <summary>
/// Cooper (paper §3): the reward model scores the rollouts (stage 1's reward), then learns from them
/// in <see cref="CooperStage"/> (stage 2) before the policy update, so the next step is scored by the
/// updated model. Checkpoints hold the reward model (<c>reward_model/</c>) and its optimiser (<c>reward_optimizer.bin</c>),
/// the run's second trained model named as <see cref="Checkpoints"/> lays it out.
/// </summary>
public sealed class CooperReward : IRewardSource
{
    /// <summary>Checkpoint sub-folder of the reward model.</summary>
    public const string ModelFolder = "reward_" + Checkpoints.ModelFolder;
    /// <summary>Checkpoint file of the reward model's optimiser.</summary>
    public const string OptimizerFile = "reward_" + Checkpoints.OptimizerFile;

    private readonly RewardModel _rm;
    private readonly TorchSharp.Modules.AdamW _optim;
    private readonly CooperStage _stage;
    private readonly ulong _seed;

    /// <summary>Takes ownership of <paramref name="rm"/>; restores the optimiser from <paramref name="resumeDir"/> when given.</summary>
    /// <param name="seed">Run seed; the assistant's seed for step t derives from (seed, t).</param>
    public CooperReward(RewardModel rm, CooperConfig cfg, INegativeWriter assistant, ulong seed, string? resumeDir = null)
    {
        _rm = rm;
        _seed = seed;
        _optim = optim.AdamW(_rm.Model.parameters(), cfg.LearningRate, weight_decay: cfg.WeightDecay);
        if (resumeDir is not null) _optim.load_state_dict(Path.Combine(resumeDir, OptimizerFile));
        _stage = new CooperStage(_rm, _optim, cfg, assistant, MathVerifier.Score);
    }

    /// <inheritdoc />
    public RewardModel? Model => _rm;

    /// <inheritdoc />
    public double[] Score(StepRollouts step) =>
        _rm.Scores(Enumerable.Range(0, step.Samples.Count).Select(step.RmInput).ToList()).Select(s => (double)s).ToArray();

    /// <inheritdoc />
    public Task<Dictionary<string, double>> UpdateAsync(StepRollouts step, IReadOnlyList<double> rewards, CancellationToken ct = default)
    {
        var rollouts = step.Samples.Select((s, i) => new StageRollout(s.PromptIndex, step.Problems[s.PromptIndex].Question,
            step.Problems[s.PromptIndex].ReferenceAnswer, s.Text, step.Verified[i], rewards[i])).ToList();
        return _stage.UpdateAsync(rollouts, SplitMix64Seed(step.Step), ct);
    }

    private ulong SplitMix64Seed(int step) => Data.Embedded.SplitMix64.Derive(_seed, 0xC00, (ulong)step);

    /// <inheritdoc />
    public void Save(string dir)
    {
        _rm.Save(Path.Combine(dir, ModelFolder));
        _optim.save_state_dict(Path.Combine(dir, OptimizerFile));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optim.Dispose();
        _rm.Dispose();
    }
}
