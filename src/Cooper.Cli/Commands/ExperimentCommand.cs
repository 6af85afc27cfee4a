using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Cooper.Configuration;
using Cooper.Experiments;
using Spectre.Console;

namespace Cooper.Cli.Commands;

/// <summary><c>cooper experiment</c>: rule vs static RM vs Cooper on the shipped models, with a report.</summary>
public static class ExperimentCommand
{
    public static Command Create(GlobalOptions g)
    {
        var config = new Option<string?>("--config") { Description = "YAML/JSON ExperimentConfig (default: the embedded experiment)" };
        var out_ = new Option<string?>("--out") { Description = "output folder (default runs/experiment)" };
        var seeds = new Option<string?>("--seeds") { Description = "comma-separated seeds, e.g. 1,2,3" };
        var steps = new Option<int?>("--steps") { Description = "RL steps per run" };
        var quick = new Option<bool>("--quick") { Description = "a CI-sized smoke run (a few steps and prompts)" };
        var set = new Option<string[]>("--set") { Description = "key=value override (repeatable), e.g. --set train.grpo.learning_rate=1e-4" };
        var reportOnly = new Option<bool>("--report-only") { Description = "rebuild report.md/report.json/plots from a finished --out folder without training" };
        var cmd = new Command("experiment", "Train rule / static-RM / Cooper side by side and write report.md, report.json and plots");
        foreach (var o in new Option[] { config, out_, seeds, steps, quick, set, reportOnly }) cmd.Options.Add(o);
        cmd.SetAction((pr, ct) => g.RunAsync(pr, async () =>
        {
            var overrides = (pr.GetValue(set) ?? []).ToList();
            if (pr.GetValue(out_) is { } o) overrides.Add($"out={o}");
            if (pr.GetValue(seeds) is { } s) overrides.Add($"seeds={s}");
            if (pr.GetValue(steps) is { } n) overrides.Add($"steps={n}");
            var cfg = ConfigLoader.Load<ExperimentConfig>(pr.GetValue(config), overrides);
            if (pr.GetValue(quick)) cfg = cfg.Quick() with { Steps = pr.GetValue(steps) ?? 3 };
            if (pr.GetValue(reportOnly))
            {
                PrintSummary(ExperimentRunner.Rebuild(cfg));
                Console.WriteLine($"report: {Path.Combine(cfg.Out, "report.md")}");
                return 0;
            }
            var device = g.InitTorch(pr);
            // Runs side by side each get their own process (TorchSharp is not safe for two training threads).
            var json = await ExperimentRunner.RunAsync(cfg, device, ct: ct, processes: new ChildProcesses(device.type == TorchSharp.DeviceType.CUDA ? "cuda" : "cpu"));
            PrintSummary(json);
            Console.WriteLine($"report: {Path.Combine(cfg.Out, "report.md")}");
            return 0;
        }, ct));
        return cmd;
    }

    private static void PrintSummary(JsonObject json)
    {
        var table = new Table().AddColumn("mode").AddColumn("final test acc").AddColumn("initial val").AddColumn("final val").AddColumn("max train reward").AddColumn("seconds");
        string P(JsonNode? n) => n is null ? "–" : (100 * n.GetValue<double>()).ToString("0.0", CultureInfo.InvariantCulture) + "%";
        string F(JsonNode? n, string f) => n is null ? "–" : n.GetValue<double>().ToString(f, CultureInfo.InvariantCulture);
        table.AddRow("start", P(json["start"]?["test/accuracy"]), "", "", "", "");
        foreach (var (name, m) in (JsonObject)json["modes"]!)
            table.AddRow(name, P(m!["final_test_accuracy"]), P(m["initial_val_accuracy"]), P(m["final_val_accuracy"]), F(m["max_train_reward"], "0.000"), F(m["seconds"], "0"));
        AnsiConsole.Write(table);
    }
}
