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

    [Fact]
    public async Task Runs_side_by_side_in_their_own_processes_log_what_they_log_one_at_a_time()
    {
        // Two jobs give each run one thread in its own process (the cooper command's ChildProcesses); one job at one
        // thread is the same arithmetic one run after another in this process. A config key lost on the way to the child,
        // or anything shared by mistake, would change the metrics.
        var root = Directory.CreateTempSubdirectory("cooper-jobs-").FullName;
        int threads = TorchSharp.torch.get_num_threads();
        try
        {
            var baseCfg = new ExperimentConfig().Quick() with
            {
                Seeds = [1, 2],
                Modes = [Cooper.Rewards.RewardMode.CooperPlus, Cooper.Rewards.RewardMode.Rule],
            };
            baseCfg = baseCfg with
            {
                Train = baseCfg.Train with
                {
                    Policy = ShippedModels.Policy, RewardModel = ShippedModels.Reward,
                    RmValData = Path.Combine(ShippedModels.Reward, "heldout.jsonl"),
                },
            };
            TorchSharp.torch.set_num_threads(2);
            var side = await ExperimentRunner.RunAsync(baseCfg with { Out = Path.Combine(root, "two"), Jobs = 2 }, TorchSharp.torch.CPU, log: _ => { },
                processes: new Cooper.Cli.Commands.ChildProcesses("cpu"));
            Assert.Equal(2, side["settings"]!["jobs"]!.GetValue<int>());
            Assert.Equal(1, side["settings"]!["threads"]!.GetValue<int>());
            Assert.True(File.Exists(Path.Combine(root, "two", "runs", "rule-s2", "experiment-run.yaml")));   // trained by a child
            TorchSharp.torch.set_num_threads(1);
            // Without other processes, jobs > 1 falls back to one run at a time in this process (threads are not safe).
            var alone = await ExperimentRunner.RunAsync(baseCfg with { Out = Path.Combine(root, "one"), Jobs = 2 }, TorchSharp.torch.CPU, log: _ => { });
            Assert.Equal(1, alone["settings"]!["jobs"]!.GetValue<int>());
            Assert.False(File.Exists(Path.Combine(root, "one", "runs", "rule-s2", "experiment-run.yaml")));
            Assert.Equal(side["start"]!.ToJsonString(), alone["start"]!.ToJsonString());   // the start, evaluated by a child, too
            foreach (var run in new[] { "cooper_plus-s1", "cooper_plus-s2", "rule-s1", "rule-s2" })
            {
                var a = MetricsWriter.Read(Path.Combine(root, "two", "runs", run, "metrics.jsonl"));
                var b = MetricsWriter.Read(Path.Combine(root, "one", "runs", run, "metrics.jsonl"));
                Assert.Equal(b.Count, a.Count);
                for (int i = 0; i < a.Count; i++)
                {
                    var keys = b[i].Keys.Where(k => !k.StartsWith("time/", StringComparison.Ordinal) && !k.StartsWith("perf/", StringComparison.Ordinal)).ToList();
                    Assert.Equal(keys.OrderBy(k => k, StringComparer.Ordinal), a[i].Keys.Where(keys.Contains).OrderBy(k => k, StringComparer.Ordinal));
                    foreach (var k in keys)
                        Assert.True(a[i][k].Equals(b[i][k]), $"{run} row {i} {k}: {a[i][k]} side by side, {b[i][k]} alone");
                }
            }
            // the two seeds really differ (the comparison above is not between copies of one run)
            static List<double> Lengths(string f) => MetricsWriter.Read(f).Where(r => r.ContainsKey("train/response_length")).Select(r => r["train/response_length"]).ToList();
            Assert.NotEqual(Lengths(Path.Combine(root, "two", "runs", "rule-s1", "metrics.jsonl")), Lengths(Path.Combine(root, "two", "runs", "rule-s2", "metrics.jsonl")));
        }
        finally
        {
            TorchSharp.torch.set_num_threads(threads);
            Directory.Delete(root, true);
        }
    }
}
