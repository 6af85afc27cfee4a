// The `cooper` command. Each subcommand lives in Commands/ and only maps options onto config
// records and library calls; the work itself is in src/Cooper.Core and src/Cooper.Verify.
return await Cooper.Cli.CliApp.RunAsync(args);
