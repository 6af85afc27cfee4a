using System.CommandLine;
using Cooper.Cli;
using Cooper.Cli.Commands;

// The `cooper` command. Each subcommand lives in Commands/ and only maps options onto config
// records and library calls; the work itself is in src/Cooper and src/Cooper.Verify.
var globals = new GlobalOptions();
var root = new RootCommand("Cooper: co-optimising a policy and its reward model with RL (GRPO) for LLM math reasoning.");
globals.AddTo(root);
root.Subcommands.Add(InfoCommand.Create(globals));
foreach (var c in CommandRegistry.Extra(globals)) root.Subcommands.Add(c);
return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
