using System.CommandLine;

namespace Cooper.Cli.Commands;

/// <summary>All subcommands besides <c>info</c>, in the order <c>cooper --help</c> lists them.</summary>
public static class CommandRegistry
{
    public static IEnumerable<Command> Extra(GlobalOptions g)
    {
        yield return DataCommands.Create(g);
        yield return ServeCommand.Create(g);
        yield return ModelCommands.Create(g);
        yield return RewardModelCommands.Create(g);
        yield return AnnotateCommand.Create(g);
        yield return VerifyCommand.Create(g);
        yield return SftCommand.Create(g);
        yield return EvalCommand.Create(g);
        yield return TrainCommand.Create(g);
        yield return ExperimentCommand.Create(g);
        yield return ExperimentChildCommand.Create(g);
    }
}
