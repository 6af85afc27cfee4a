// Benchmarks: `dotnet run -c Release --project bench/Cooper.Bench -- <name> [options]`.
// Each benchmark prints a Markdown block for docs/BENCHMARKS.md with the command, machine and date.
// The process starts as `cooper` does: glibc malloc tuned (COOPER_MALLOC_TUNING=0 measures without it).
using Cooper.Bench;

Cooper.Runtime.Allocator.Tune();
return BenchRegistry.Run(args);
