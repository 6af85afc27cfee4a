using System.CommandLine;

namespace Cooper.Cli.Commands;

/// <summary>All subcommands besides <c>info</c>, in the order <c>cooper --help</c> lists them.</summary>
public static class CommandRegistry
{
    public static IEnumerable<Command> Extra(GlobalOptions g)
    {
        yield break;
    }
}
