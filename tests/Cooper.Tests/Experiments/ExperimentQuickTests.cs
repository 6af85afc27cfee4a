using System.Text.Json.Nodes;
using Cooper.Cli;
using Cooper.Experiments;
using Cooper.Runs;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Experiments;

/// <summary>`cooper experiment --quick` end to end on the shipped models (the CI smoke run of the main job).</summary>
[Collection("NonParallel")]
public class ExperimentQuickTests
{
    [Fact]
    public void Quick_experiment_writes_a_report_whose_numbers_come_from_the_logged_metrics()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-exp-").FullName;
        try
        {
            int rc = CliApp.Run(["experiment", "--quick", "--out", dir, "--device", "cpu",
                "--set", $"train.policy={ShippedModels.Policy}", "--set", $"train.reward_model={ShippedModels.Reward}",
                "--set", $"train.rm_val_data={Path.Combine(ShippedModels.Reward, "heldout.jsonl")}"]);
            Assert.Equal(0, rc);
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "report.json")))!;
            Assert.Equal(3, json["steps"]!.GetValue<long>());
            Assert.Equal([1L], ((JsonArray)json["seeds"]!).Select(s => s!.GetValue<long>()));
            Assert.True(File.Exists(Path.Combine(dir, "report.md")));
            Assert.True(File.Exists(Path.Combine(dir, "fig3_train_reward.png")));
            foreach (var mode in new[] { "rule", "rm", "cooper" })
            {
                var m = json["modes"]![mode]!;
                var rows = MetricsWriter.Read(Path.Combine(dir, "runs", $"{mode}-s1", "metrics.jsonl"));
                // recompute the report's numbers independently from the run's metrics.jsonl
                var rewards = rows.Where(r => r.ContainsKey("train/reward_mean")).Select(r => r["train/reward_mean"]).ToList();
                var val = rows.Where(r => r.ContainsKey("val/accuracy")).Select(r => r["val/accuracy"]).ToList();
                var test = rows.Last(r => r.ContainsKey("test/accuracy"))["test/accuracy"];
                Assert.Equal(3, rewards.Count);
                Assert.Equal(rewards.Max(), m["max_train_reward"]!.GetValue<double>(), 12);
                Assert.Equal(val[0], m["initial_val_accuracy"]!.GetValue<double>(), 12);
                Assert.Equal(val[^1], m["final_val_accuracy"]!.GetValue<double>(), 12);
                Assert.Equal(test, m["final_test_accuracy"]!.GetValue<double>(), 12);
                Assert.Equal(rewards.Count, ((JsonArray)m["train_reward"]!).Count);
            }
            // step 0 is validated once and shared: the same start in every run, the RM's numbers in every RM mode
            var step0 = new[] { "rule", "rm", "cooper" }.Select(mode => MetricsWriter.Read(Path.Combine(dir, "runs", $"{mode}-s1", "metrics.jsonl"))[0]).ToList();
            Assert.All(step0, r => Assert.Equal(step0[0]["val/accuracy"], r["val/accuracy"]));
            Assert.False(step0[0].ContainsKey("val/rm_accuracy"));
            Assert.Equal(step0[1]["val/rm_accuracy"], step0[2]["val/rm_accuracy"]);
        }
        finally { Directory.Delete(dir, true); }
    }
}
