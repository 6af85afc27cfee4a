// Benchmarks: `dotnet run -c Release --project bench/Cooper.Bench -- <name> [options]`.
// Each benchmark prints a Markdown block for docs/BENCHMARKS.md with the command, machine and date.
using Cooper.Bench;

return BenchRegistry.Run(args);
