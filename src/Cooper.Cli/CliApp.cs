using System.CommandLine;
using Cooper.Cli.Commands;

namespace Cooper.Cli;

/// <summary>The whole <c>cooper</c> command tree; Program.cs and the CLI tests both run it.</summary>
public static class CliApp
{
    /// <summary>The root command with every subcommand.</summary>
    public static RootCommand Build()
    {
        var globals = new GlobalOptions();
        var root = new RootCommand("Cooper: co-optimising a policy and its reward model with RL (GRPO) for LLM math reasoning.");
        globals.AddTo(root);
        root.Subcommands.Add(InfoCommand.Create(globals));
        foreach (var c in CommandRegistry.Extra(globals)) root.Subcommands.Add(c);
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code.</summary>
    public static int Run(string[] args) =>
        Build().Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });

    /// <summary>
    /// <see cref="Run"/> for the process entry point: Ctrl+C / SIGTERM cancel the token of asynchronous
    /// commands (<c>annotate</c> stops sending judge requests, <c>serve</c> shuts down), which then get
    /// <see cref="InvocationConfiguration.ProcessTerminationTimeout"/> to finish before the process exits.
    /// </summary>
    public static Task<int> RunAsync(string[] args) =>
        Build().Parse(args).InvokeAsync(new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = TimeSpan.FromSeconds(10),
        });
}
