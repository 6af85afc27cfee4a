using System.CommandLine;
using Cooper.Data;
using Cooper.Data.Embedded;

namespace Cooper.Cli.Commands;

/// <summary>
/// <c>cooper data generate</c>: writes the embedded arithmetic task's train/val/test splits.
/// <c>cooper data inspect FILE</c>: counts, columns, a few rows and the malformed rows of a dataset file.
/// </summary>
public static class DataCommands
{
    public static Command Create(GlobalOptions g)
    {
        var data = new Command("data", "Datasets: generate the embedded arithmetic task, inspect dataset files");
        data.Subcommands.Add(CreateGenerate(g));
        data.Subcommands.Add(CreateInspect(g));
        return data;
    }

    private static Command CreateGenerate(GlobalOptions g)
    {
        var output = new Option<string>("--out") { Description = "folder for train/val/test files and manifest.json", Required = true };
        var train = new Option<int>("--train") { Description = "training problems", DefaultValueFactory = _ => EmbeddedTask.Default.Train };
        var val = new Option<int>("--val") { Description = "validation problems", DefaultValueFactory = _ => EmbeddedTask.Default.Validation };
        var test = new Option<int>("--test") { Description = "test problems", DefaultValueFactory = _ => EmbeddedTask.Default.Test };
        var format = new Option<string>("--format")
        {
            Description = "jsonl/parquet (plain rows, every field), verl-jsonl/verl-parquet (verl RL layout), gsm8k-jsonl, math-jsonl",
            DefaultValueFactory = _ => "jsonl",
        };
        format.AcceptOnlyFromAmong([.. DatasetFormats.Outputs.Keys]);

        var cmd = new Command("generate", $"Write the embedded arithmetic task (seeded; --seed, default {EmbeddedTask.DefaultSeed})")
        {
            output, train, val, test, format,
        };
        cmd.SetAction(pr => g.Run(pr, () =>
        {
            long seed = pr.GetValue(g.Seed) ?? EmbeddedTask.DefaultSeed;
            if (seed is < int.MinValue or > int.MaxValue)
                throw new ArgumentException($"--seed {seed} is out of range for the embedded task: use a 32-bit integer");
            var (rowFormat, kind) = DatasetFormats.ParseOutput(pr.GetValue(format)!);
            var splits = EmbeddedTask.Generate((int)seed, pr.GetValue(train), pr.GetValue(val), pr.GetValue(test));
            var paths = EmbeddedTaskFiles.Write(pr.GetValue(output)!, splits, rowFormat, kind);
            foreach (var ((name, problems), path) in splits.All.Zip(paths))
                Console.WriteLine($"{name,-6} {problems.Count,6} problems  {path}");
            var all = splits.All.SelectMany(s => s.Problems).ToList();
            if (all.Count > 0)
            {
                var mix = all.GroupBy(p => DatasetSummary.Classify(p.ReferenceAnswer))
                    .OrderBy(x => x.Key).Select(x => $"{x.Key.ToString().ToLowerInvariant()} {100.0 * x.Count() / all.Count:F1}%");
                Console.WriteLine($"seed {seed}; {EmbeddedTask.TemplateNames.Count} templates; answers: {string.Join(", ", mix)}");
            }
            return 0;
        }));
        return cmd;
    }

    private static Command CreateInspect(GlobalOptions g)
    {
        var file = new Argument<string>("file") { Description = "a .jsonl or .parquet dataset file" };
        var format = new Option<string>("--format") { Description = "auto, verl, gsm8k, math or plain", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong("auto", "verl", "gsm8k", "math", "plain");
        var rows = new Option<int>("--rows") { Description = "problems to print", DefaultValueFactory = _ => 3 };
        var strict = new Option<bool>("--strict") { Description = "fail on the first malformed row instead of skipping it" };
        var cmd = new Command("inspect", "Print a dataset's format, columns, counts, a few rows and its malformed rows") { file, format, rows, strict };
        cmd.SetAction(pr => g.Run(pr, () =>
        {
            var result = DatasetReader.Load(pr.GetValue(file)!, new DatasetReadOptions
            {
                Format = DatasetFormats.Parse(pr.GetValue(format)!),
                Strict = pr.GetValue(strict),
            });
            Console.Write(DatasetSummary.Describe(result, pr.GetValue(rows)));
            return 0;
        }));
        return cmd;
    }
}
