using Cooper.RL;

namespace Cooper.Experiments;

/// <summary>
/// Runs pieces of a <c>cooper experiment</c> in other processes, so that runs side by side (<see cref="ExperimentConfig.Jobs"/>)
/// never share a process: TorchSharp is not safe for two threads training at once (see <see cref="ExperimentRunner.RunAsync"/>).
/// The <c>cooper</c> command implements it by starting itself.
/// </summary>
public interface IExperimentProcesses
{
    /// <summary>
    /// Trains <paramref name="run"/> into its (already emptied) run folder, as <see cref="GrpoTrainer"/> would here, logging
    /// <paramref name="startValidation"/> as step 0 when given (<see cref="TrainerInputs.StartValidation"/>), on
    /// <paramref name="threads"/> TorchSharp threads; <paramref name="onStep"/> after each step once its metrics are written.
    /// Throws when the run fails; stops it when <paramref name="ct"/> is cancelled.
    /// </summary>
    void Train(TrainConfig run, IReadOnlyDictionary<string, double>? startValidation, int threads, Action<int> onStep, CancellationToken ct);

    /// <summary><see cref="ExperimentRunner.EvaluateStart"/> of <paramref name="config"/>'s policy and test problems, in another process.</summary>
    Dictionary<string, double> EvaluateStart(TrainConfig config, int threads, CancellationToken ct);
}
