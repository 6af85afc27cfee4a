using System.Text.Json.Nodes;
using Cooper.Experiments;

namespace Cooper.Tests.Experiments;

public class ExperimentReportTests
{
    private static Dictionary<string, double> Row(long step, params (string Key, double Value)[] kv)
    {
        var d = new Dictionary<string, double> { ["step"] = step };
        foreach (var (k, v) in kv) d[k] = v;
        return d;
    }

    private static ModeRun Run(string mode, long seed, double reward0, double reward1, double val0, double val1, double test, double seconds) =>
        new(mode, seed,
        [
            Row(0, ("val/accuracy", val0), ("val/rm_accuracy", 0.85)),
            Row(1, ("train/reward_mean", reward0), ("train/hacking_gap", reward0 - 0.4)),
            Row(2, ("train/reward_mean", reward1), ("train/hacking_gap", reward1 - 0.2), ("val/accuracy", val1), ("val/rm_accuracy", 0.8)),
            Row(2, ("test/accuracy", test), ("test/accuracy_level_1", test + 0.1), ("test/accuracy_level_2", test - 0.1)),
        ], seconds, mode == "rm" ? [new HackExample(2, "q", "5", "\\boxed{7}", 0.97)] : []);

    [Fact]
    public void Report_json_scalars_and_series_come_from_the_logged_metrics()
    {
        var runs = new[]
        {
            Run("rule", 1, 0.4, 0.6, 0.40, 0.50, 0.52, 10),
            Run("rm", 1, 0.5, 0.95, 0.40, 0.20, 0.18, 12),
            Run("cooper", 1, 0.5, 0.7, 0.40, 0.55, 0.56, 14),
            Run("cooper", 2, 0.5, 0.9, 0.40, 0.45, 0.50, 16),
        };
        var json = ExperimentReport.BuildJson(runs, 2, new Dictionary<string, double> { ["test/accuracy"] = 0.41 });
        var rm = json["modes"]!["rm"]!;
        Assert.Equal(0.40, rm["initial_val_accuracy"]!.GetValue<double>(), 12);
        Assert.Equal(0.20, rm["final_val_accuracy"]!.GetValue<double>(), 12);
        Assert.Equal(0.18, rm["final_test_accuracy"]!.GetValue<double>(), 12);
        Assert.Equal(0.95, rm["max_train_reward"]!.GetValue<double>(), 12);
        Assert.Equal(12, rm["seconds"]!.GetValue<double>(), 12);
        Assert.Equal(0.28, rm["final_test_accuracy_per_level"]!["1"]!.GetValue<double>(), 12);
        var gap = (JsonArray)rm["hacking_gap"]!;
        Assert.Equal(2, gap.Count);
        Assert.Equal(2, gap[1]![0]!.GetValue<long>());
        Assert.Equal(0.75, gap[1]![1]!.GetValue<double>(), 12);

        // two seeds: scalars are means, per_seed holds each, series average by step
        var cooper = json["modes"]!["cooper"]!;
        Assert.Equal(0.53, cooper["final_test_accuracy"]!.GetValue<double>(), 12);
        Assert.Equal(Math.Sqrt(2 * 0.03 * 0.03), cooper["final_test_accuracy_std"]!.GetValue<double>(), 12);
        Assert.Equal(2, ((JsonArray)cooper["per_seed"]!).Count);
        Assert.Equal(0.8, ((JsonArray)cooper["train_reward"]!)[1]![1]!.GetValue<double>(), 12);
        Assert.Null(json["modes"]!["rule"]!["per_seed"]);
        Assert.Equal([1L, 2L], ((JsonArray)json["seeds"]!).Select(s => s!.GetValue<long>()));
    }

    [Fact]
    public void Findings_call_the_static_rm_run_hacked_only_by_the_stated_criterion()
    {
        var runs = new[]
        {
            Run("rule", 1, 0.4, 0.6, 0.40, 0.50, 0.52, 10),
            Run("rm", 1, 0.5, 0.95, 0.40, 0.20, 0.18, 12),
            Run("cooper", 1, 0.5, 0.7, 0.40, 0.55, 0.56, 14),
        };
        var findings = ExperimentReport.Findings(ExperimentReport.BuildJson(runs, 2, new Dictionary<string, double> { ["test/accuracy"] = 0.41 }));
        Assert.Contains(findings, f => f.StartsWith("static reward model:") && f.Contains("This run was hacked"));
        Assert.Contains(findings, f => f.StartsWith("rule reward:") && f.Contains("Not hacked"));
        Assert.Contains(findings, f => f.StartsWith("static reward model:") && f.Contains("reward-model held-out accuracy 85.0% → 80.0% (lowest 80.0%)"));
        Assert.Contains(findings, f => f.StartsWith("Cooper vs rule reward: 56.0% vs 52.0%") && f.Contains("+4.0 points"));
    }

    [Fact]
    public void Write_produces_json_markdown_and_png_plots()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-report-").FullName;
        try
        {
            var runs = new[] { Run("rule", 1, 0.4, 0.6, 0.4, 0.5, 0.52, 10), Run("rm", 1, 0.5, 0.95, 0.4, 0.2, 0.18, 12) };
            ExperimentReport.Write(dir, runs, 2, new Dictionary<string, double> { ["test/accuracy"] = 0.41, ["test/accuracy_level_1"] = 0.5 }, "a test");
            var md = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.Contains("| start (SFT) | 50.0% |", md);
            Assert.Contains("| static reward model | 28.0% | 8.0% | 18.0% |", md);
            Assert.Contains("\\boxed{7}", md); // the hack example
            foreach (var png in new[] { "fig3_train_reward.png", "fig3_val_accuracy.png", "fig4_hacking_gap.png", "fig4_rm_accuracy.png" })
            {
                var bytes = File.ReadAllBytes(Path.Combine(dir, png));
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
                Assert.Contains($"]({png})", md);
            }
            Assert.NotNull(JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "report.json"))));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Markdown_shows_pass_at_k_for_start_and_each_mode_and_a_per_seed_table()
    {
        static ModeRun WithSampling(string mode, long seed, double test, double se, double p2, double distinct) =>
            new(mode, seed,
            [
                Row(0, ("val/accuracy", 0.40), ("val/accuracy_se", 0.02)),
                Row(1, ("train/reward_mean", 0.3)),
                Row(2, ("val/accuracy", 0.45), ("val/accuracy_se", 0.019)),
                Row(2, ("test/accuracy", test), ("test/accuracy_se", se), ("test/pass@1", test), ("test/pass@2", p2), ("test/distinct_rate", distinct)),
            ], 10, []);
        var runs = new[] { WithSampling("rule", 1, 0.50, 0.02, 0.60, 0.40), WithSampling("rule", 2, 0.46, 0.03, 0.58, 0.50) };
        var start = new Dictionary<string, double>
        {
            ["test/accuracy"] = 0.41, ["test/accuracy_se"] = 0.021, ["test/pass@1"] = 0.41, ["test/pass@2"] = 0.55, ["test/distinct_rate"] = 0.7,
        };
        var json = ExperimentReport.BuildJson(runs, 2, start);
        var rule = json["modes"]!["rule"]!;
        Assert.Equal(0.59, rule["final_test_pass@2"]!.GetValue<double>(), 12);      // mean of 0.60 and 0.58
        Assert.Equal(0.45, rule["final_test_distinct_rate"]!.GetValue<double>(), 12);
        Assert.Equal(0.025, rule["final_test_accuracy_se"]!.GetValue<double>(), 12);

        var md = ExperimentReport.Markdown(json, runs, [], "a test");
        Assert.Contains("| policy | mean@k ± se | pass@1 | pass@2 | distinct |", md);
        Assert.Contains("| start (SFT) | 41.0% ± 2.1 | 41.0% | 55.0% | 70.0% |", md);
        Assert.Contains("| rule reward | 48.0% ± 2.5 | 48.0% | 59.0% | 45.0% |", md);
        // per seed: val end ± se, test ± se, and the difference from the start (50.0 − 41.0, 46.0 − 41.0)
        Assert.Contains("| rule reward | 1 | 40.0% | 45.0% ± 1.9 | 50.0% ± 2.0 | +9.0 |", md);
        Assert.Contains("| rule reward | 2 | 40.0% | 45.0% ± 1.9 | 46.0% ± 3.0 | +5.0 |", md);
    }
}
