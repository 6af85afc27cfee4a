using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Runs;

namespace Cooper.Experiments;

/// <summary>A completion from late training that the reward model scored high and the verifier rejected.</summary>
public sealed record HackExample(long Step, string Question, string Reference, string Completion, double RewardModelScore);

/// <summary>One finished training run of one reward mode and seed, as the report reads it.</summary>
/// <param name="Metrics">The run's <c>metrics.jsonl</c> rows.</param>
public sealed record ModeRun(string Mode, long Seed, IReadOnlyList<Dictionary<string, double>> Metrics, double Seconds, IReadOnlyList<HackExample> Examples);

/// <summary>
/// The main job's report (paper Table 3 and Figures 3–4, for our task): <c>report.json</c> (a stable
/// format), <c>report.md</c> and PNG plots. Every number is read from the runs' logged metrics, never
/// computed separately, and the findings paragraph states what the numbers show — including when
/// they do not show the paper's effect.
/// </summary>
public static class ExperimentReport
{
    /// <summary>Metric keys the trainer logs and the report reads.</summary>
    public static class Keys
    {
        public const string TrainReward = "train/reward_mean";
        public const string HackingGap = "train/hacking_gap";
        public const string ValAccuracy = "val/accuracy";
        public const string RmAccuracy = "val/rm_accuracy";
        public const string TestAccuracy = "test/accuracy";
        /// <summary>Per difficulty level: <c>test/accuracy_level_{k}</c>.</summary>
        public static string TestLevel(int level) => $"test/accuracy_level_{level}";
    }

    /// <summary>Series of (step, value) for <paramref name="key"/> in a run's metrics.</summary>
    public static List<(long Step, double Value)> Series(IReadOnlyList<Dictionary<string, double>> rows, string key) =>
        rows.Where(r => r.TryGetValue(key, out var v) && double.IsFinite(v) && r.ContainsKey("step"))
            .Select(r => ((long)r["step"], r[key])).ToList();

    private static double? Last(IReadOnlyList<Dictionary<string, double>> rows, string key)
    {
        var s = Series(rows, key);
        return s.Count == 0 ? null : s[^1].Value;
    }

    /// <summary>The per-run scalars of report.json.</summary>
    public static Dictionary<string, double?> Scalars(ModeRun run)
    {
        var val = Series(run.Metrics, Keys.ValAccuracy);
        var reward = Series(run.Metrics, Keys.TrainReward);
        var scalars = new Dictionary<string, double?>
        {
            ["initial_val_accuracy"] = val.Count == 0 ? null : val[0].Value,
            ["final_val_accuracy"] = val.Count == 0 ? null : val[^1].Value,
            ["final_val_accuracy_se"] = Last(run.Metrics, "val/accuracy_se"),
            ["final_test_accuracy"] = Last(run.Metrics, Keys.TestAccuracy),
            ["final_test_accuracy_se"] = Last(run.Metrics, "test/accuracy_se"),
            ["final_test_distinct_rate"] = Last(run.Metrics, "test/distinct_rate"),
            ["max_train_reward"] = reward.Count == 0 ? null : reward.Max(x => x.Value),
            ["seconds"] = run.Seconds,
        };
        foreach (int k in PassKs(run.Metrics.SelectMany(r => r.Keys)))
            scalars[$"final_test_pass@{k}"] = Last(run.Metrics, $"test/pass@{k}");
        return scalars;
    }

    /// <summary>The k of every <c>test/pass@k</c> key among <paramref name="keys"/>, ascending.</summary>
    private static List<int> PassKs(IEnumerable<string> keys) =>
        keys.Where(k => k.StartsWith("test/pass@", StringComparison.Ordinal))
            .Select(k => int.TryParse(k["test/pass@".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : -1)
            .Where(v => v > 0).Distinct().Order().ToList();

    /// <summary>Mean over seeds of a series, by step (steps present in every seed).</summary>
    public static List<(long Step, double Value)> MeanSeries(IReadOnlyList<ModeRun> runs, string key)
    {
        var perSeed = runs.Select(r => Series(r.Metrics, key).GroupBy(x => x.Step).ToDictionary(g => g.Key, g => g.Last().Value)).ToList();
        if (perSeed.Count == 0) return [];
        var steps = perSeed.Select(d => d.Keys.ToHashSet()).Aggregate((a, b) => { a.IntersectWith(b); return a; });
        return steps.OrderBy(s => s).Select(s => (s, perSeed.Average(d => d[s]))).ToList();
    }

    /// <summary>Builds report.json's object.</summary>
    /// <param name="startTest">The starting policy's test metrics (<c>test/accuracy</c>, per level), evaluated once.</param>
    public static JsonObject BuildJson(IReadOnlyList<ModeRun> runs, long steps, IReadOnlyDictionary<string, double> startTest, JsonObject? settings = null)
    {
        var seeds = runs.Select(r => r.Seed).Distinct().OrderBy(s => s).ToList();
        var modes = new JsonObject();
        foreach (var group in runs.GroupBy(r => r.Mode))
        {
            var list = group.OrderBy(r => r.Seed).ToList();
            var scalars = list.Select(Scalars).ToList();
            var mode = new JsonObject();
            foreach (var key in scalars[0].Keys)
            {
                var values = scalars.Select(s => s[key]).Where(v => v is not null).Select(v => v!.Value).ToList();
                mode[key] = values.Count == 0 ? null : values.Average();
            }
            mode["final_test_accuracy_std"] = Std(scalars.Select(s => s["final_test_accuracy"]));
            var levels = new JsonObject();
            for (int level = 1; level <= 8; level++)
            {
                var v = list.Select(r => Last(r.Metrics, Keys.TestLevel(level))).Where(x => x is not null).Select(x => x!.Value).ToList();
                if (v.Count > 0) levels[level.ToString(CultureInfo.InvariantCulture)] = v.Average();
            }
            mode["final_test_accuracy_per_level"] = levels;
            mode["val_accuracy"] = Pairs(MeanSeries(list, Keys.ValAccuracy));
            mode["train_reward"] = Pairs(MeanSeries(list, Keys.TrainReward));
            mode["rm_accuracy"] = Pairs(MeanSeries(list, Keys.RmAccuracy));
            mode["hacking_gap"] = Pairs(MeanSeries(list, Keys.HackingGap));
            if (list.Count > 1)
            {
                var perSeed = new JsonArray();
                for (int i = 0; i < list.Count; i++)
                {
                    var o = new JsonObject { ["seed"] = list[i].Seed };
                    foreach (var (k, v) in scalars[i]) o[k] = v;
                    perSeed.Add(o);
                }
                mode["per_seed"] = perSeed;
            }
            modes[group.Key] = mode;
        }
        var start = new JsonObject();
        foreach (var (k, v) in startTest.OrderBy(kv => kv.Key, StringComparer.Ordinal)) start[k] = v;
        var root = new JsonObject
        {
            ["seeds"] = new JsonArray(seeds.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
            ["steps"] = steps,
            ["start"] = start,
            ["modes"] = modes,
        };
        if (settings is not null) root["settings"] = settings;
        return root;
    }

    private static double? Std(IEnumerable<double?> values)
    {
        var v = values.Where(x => x is not null).Select(x => x!.Value).ToList();
        if (v.Count < 2) return v.Count == 1 ? 0 : null;
        double m = v.Average();
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Count - 1));
    }

    private static JsonArray Pairs(List<(long Step, double Value)> s) =>
        new(s.Select(p => (JsonNode?)new JsonArray(p.Step, p.Value)).ToArray());

    /// <summary>Writes report.json, the plots and report.md into <paramref name="dir"/>; returns report.json's object.</summary>
    public static JsonObject Write(string dir, IReadOnlyList<ModeRun> runs, long steps, IReadOnlyDictionary<string, double> startTest,
        string whatWasRun, JsonObject? settings = null)
    {
        Directory.CreateDirectory(dir);
        var json = BuildJson(runs, steps, startTest, settings);
        AtomicFile.WriteAllText(Path.Combine(dir, "report.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var plots = Plots.WriteAll(dir, runs);
        AtomicFile.WriteAllText(Path.Combine(dir, "report.md"), Markdown(json, runs, plots, whatWasRun));
        return json;
    }

    /// <summary>The report's Markdown: what was run, the table, the plots, findings, examples.</summary>
    public static string Markdown(JsonObject json, IReadOnlyList<ModeRun> runs, IReadOnlyList<(string File, string Caption)> plots, string whatWasRun)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var modes = (JsonObject)json["modes"]!;
        var start = (JsonObject)json["start"]!;
        var seeds = ((JsonArray)json["seeds"]!).Select(s => s!.GetValue<long>()).ToList();
        sb.AppendLine("# Cooper experiment: rule vs static reward model vs Cooper").AppendLine();
        sb.AppendLine("## What was run").AppendLine().AppendLine(whatWasRun).AppendLine();
        sb.AppendLine($"Seeds: {string.Join(", ", seeds)}; steps per run: {json["steps"]}.").AppendLine();

        // Table 3 analog
        var levels = modes.SelectMany(m => ((JsonObject)m.Value!["final_test_accuracy_per_level"]!).Select(kv => kv.Key))
            .Concat(start.Where(kv => kv.Key.StartsWith("test/accuracy_level_", StringComparison.Ordinal)).Select(kv => kv.Key["test/accuracy_level_".Length..]))
            .Distinct().OrderBy(x => int.Parse(x, inv)).ToList();
        sb.AppendLine("## Verified test accuracy (mean@k, T 0.7, top-p 0.95)").AppendLine();
        sb.Append("| policy |");
        foreach (var l in levels) sb.Append($" level {l} |");
        sb.AppendLine(" average |");
        sb.Append("| --- |").Append(string.Concat(levels.Select(_ => " ---: |"))).AppendLine(" ---: |");
        sb.Append("| start (SFT) |");
        foreach (var l in levels) sb.Append($" {Pct(start[$"test/accuracy_level_{l}"])} |");
        sb.AppendLine($" {Pct(start["test/accuracy"])} |");
        foreach (var (name, node) in modes)
        {
            var m = (JsonObject)node!;
            var per = (JsonObject)m["final_test_accuracy_per_level"]!;
            sb.Append($"| {Label(name)} |");
            foreach (var l in levels) sb.Append($" {Pct(per[l])} |");
            string std = seeds.Count > 1 && m["final_test_accuracy_std"] is { } s ? $" ± {100 * s.GetValue<double>():0.0}" : "";
            sb.AppendLine($" {Pct(m["final_test_accuracy"])}{std} |");
        }
        sb.AppendLine();

        // Sampling diversity: how far mean@1 is from pass@k, and how many completions differ.
        var ks = PassKs(start.Select(kv => kv.Key).Concat(modes.SelectMany(m => ((JsonObject)m.Value!).Select(kv => kv.Key.Replace("final_test_", "test/", StringComparison.Ordinal)))));
        if (ks.Count > 0)
        {
            sb.AppendLine("## pass@k and distinct completions (test)").AppendLine();
            sb.AppendLine("pass@k is the unbiased estimator from the test samples (Chen et al. 2021); distinct is the share of a problem's samples that differ from each other, averaged; ± is the standard error over problems.").AppendLine();
            sb.Append("| policy | mean@k ± se |").Append(string.Concat(ks.Select(k => $" pass@{k} |"))).AppendLine(" distinct |");
            sb.Append("| --- | ---: |").Append(string.Concat(ks.Select(_ => " ---: |"))).AppendLine(" ---: |");
            sb.Append($"| start (SFT) | {Pct(start["test/accuracy"])}{Se(start["test/accuracy_se"])} |").Append(string.Concat(ks.Select(k => $" {Pct(start[$"test/pass@{k}"])} |")))
                .AppendLine($" {Pct(start["test/distinct_rate"])} |");
            foreach (var (name, node) in modes)
                sb.Append($"| {Label(name)} | {Pct(node!["final_test_accuracy"])}{Se(node["final_test_accuracy_se"])} |").Append(string.Concat(ks.Select(k => $" {Pct(node[$"final_test_pass@{k}"])} |")))
                    .AppendLine($" {Pct(node["final_test_distinct_rate"])} |");
            sb.AppendLine();
            if (seeds.Count > 1) sb.AppendLine("With several seeds each cell is the mean over seeds (of accuracies and of standard errors).").AppendLine();
        }

        // Per-seed results: what the mean ± sd above is made of.
        if (seeds.Count > 1)
        {
            double? s0 = start["test/accuracy"]?.GetValue<double>();
            sb.AppendLine("## Per seed").AppendLine();
            sb.AppendLine("| mode | seed | val start | val end | test ± se | test − start |").AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var (name, node) in modes)
            {
                if (node!["per_seed"] is not JsonArray per) continue;
                foreach (var row in per)
                {
                    double? t = row!["final_test_accuracy"]?.GetValue<double>();
                    string delta = t is null || s0 is null ? "–" : (t - s0 >= 0 ? "+" : "") + (100 * (t - s0)!.Value).ToString("0.0", inv);
                    sb.AppendLine($"| {Label(name)} | {row["seed"]} | {Pct(row["initial_val_accuracy"])} | {Pct(row["final_val_accuracy"])}{Se(row["final_val_accuracy_se"])} | " +
                        $"{Pct(row["final_test_accuracy"])}{Se(row["final_test_accuracy_se"])} | {delta} |");
                }
            }
            sb.AppendLine();
        }

        sb.AppendLine("## Training dynamics").AppendLine();
        sb.AppendLine("| mode | initial val acc | final val acc | max train reward | seconds |").AppendLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var (name, node) in modes)
            sb.AppendLine($"| {Label(name)} | {Pct(node!["initial_val_accuracy"])} | {Pct(node["final_val_accuracy"])} | {Num(node["max_train_reward"])} | {Num(node["seconds"], "0")} |");
        sb.AppendLine();
        foreach (var (file, caption) in plots) sb.AppendLine($"![{caption}]({file})").AppendLine();

        sb.AppendLine("## What the results show").AppendLine();
        foreach (var line in Findings(json)) sb.AppendLine("- " + line);
        sb.AppendLine();

        var examples = runs.Where(r => r.Mode == "rm").SelectMany(r => r.Examples).OrderByDescending(e => e.Step).Take(3).ToList();
        sb.AppendLine("## What a hack looks like (static RM run, late training)").AppendLine();
        if (examples.Count == 0) sb.AppendLine("No completion scored high by the reward model was rejected by the verifier late in the static-RM run.");
        foreach (var e in examples)
        {
            sb.AppendLine($"Step {e.Step}, RM score {e.RewardModelScore.ToString("0.000", inv)}, reference `{e.Reference}`:").AppendLine();
            sb.AppendLine("```text").AppendLine($"Q: {e.Question}").AppendLine($"A: {e.Completion}").AppendLine("```").AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>
    /// Plain statements derived from the numbers, with the criteria stated. "Hacked" means the mean
    /// training reward of the last quarter of steps is at least 0.1 above that of the first quarter
    /// while verified validation accuracy ended at least 5 points below where it started.
    /// </summary>
    public static List<string> Findings(JsonObject json)
    {
        var inv = CultureInfo.InvariantCulture;
        var modes = (JsonObject)json["modes"]!;
        var start = (JsonObject)json["start"]!;
        double? startTest = start["test/accuracy"]?.GetValue<double>();
        var lines = new List<string>();
        foreach (var (name, node) in modes)
        {
            var m = (JsonObject)node!;
            double? v0 = m["initial_val_accuracy"]?.GetValue<double>(), v1 = m["final_val_accuracy"]?.GetValue<double>();
            double? test = m["final_test_accuracy"]?.GetValue<double>();
            var rewards = ((JsonArray)m["train_reward"]!).Select(p => p![1]!.GetValue<double>()).ToList();
            string rewardText = rewards.Count == 0 ? "no training reward logged" :
                $"training reward went from {rewards[0].ToString("0.00", inv)} to {rewards[^1].ToString("0.00", inv)} (max {rewards.Max().ToString("0.00", inv)})";
            string valText = v0 is null || v1 is null ? "no validation logged" : $"verified validation accuracy from {Pct(v0)} to {Pct(v1)}";
            string testText = test is null || startTest is null ? "" :
                $"; test accuracy {Pct(test)} vs {Pct(startTest)} at the start ({(test - startTest >= 0 ? "+" : "")}{(100 * (test - startTest))!.Value.ToString("0.0", inv)} points)";
            int q = Math.Max(1, (rewards.Count + 3) / 4);
            double early = rewards.Count == 0 ? 0 : rewards.Take(q).Average(), late = rewards.Count == 0 ? 0 : rewards.TakeLast(q).Average();
            bool hacked = rewards.Count > 0 && v0 is not null && v1 is not null && late - early >= 0.1 && v1 <= v0 - 0.05;
            var rmAcc = ((JsonArray)m["rm_accuracy"]!).Select(p => p![1]!.GetValue<double>()).ToList();
            string rmText = rmAcc.Count < 2 ? "" :
                $"; reward-model held-out accuracy {Pct(rmAcc[0])} → {Pct(rmAcc[^1])} (lowest {Pct(rmAcc.Min())})";
            lines.Add($"{Label(name)}: {rewardText}; {valText}{testText}{rmText}. {(hacked ? "This run was hacked by the criterion below." : "Not hacked by the criterion below.")}");
        }
        double? Test(string mode) => modes[mode]?["final_test_accuracy"]?.GetValue<double>();
        if (Test("cooper") is { } c && Test("rule") is { } r)
            lines.Add($"Cooper vs rule reward: {Pct(c)} vs {Pct(r)} final test accuracy ({(c - r >= 0 ? "+" : "")}{(100 * (c - r)).ToString("0.0", inv)} points).");
        if (Test("cooper") is { } c2 && Test("rm") is { } s)
            lines.Add($"Cooper vs static reward model: {Pct(c2)} vs {Pct(s)} ({(c2 - s >= 0 ? "+" : "")}{(100 * (c2 - s)).ToString("0.0", inv)} points).");
        if (Test("cooper_plus") is { } c3 && Test("rule") is { } r3)
            lines.Add($"Cooper+ vs rule reward: {Pct(c3)} vs {Pct(r3)} final test accuracy ({(c3 - r3 >= 0 ? "+" : "")}{(100 * (c3 - r3)).ToString("0.0", inv)} points).");
        int nSeeds = ((JsonArray)json["seeds"]!).Count;
        lines.Add(nSeeds < 3
            ? $"With {nSeeds} seed(s) these differences carry no error bars worth the name; treat small gaps (a few points) as noise."
            : "Differences smaller than about two standard deviations over seeds are not evidence of an effect.");
        lines.Add("Criterion for \"hacked\": mean training reward over the last quarter of steps ≥ 0.10 above the first quarter's, while verified validation accuracy ended ≥ 5 points below its start.");
        return lines;
    }

    private static string Label(string mode) => mode switch { "rule" => "rule reward", "rm" => "static reward model", "cooper" => "Cooper", "cooper_plus" => "Cooper+", _ => mode };

    private static string Pct(JsonNode? n) => n is null ? "–" : Pct(n.GetValue<double>());
    private static string Pct(double? v) => v is null || !double.IsFinite(v.Value) ? "–" : (100 * v.Value).ToString("0.0", CultureInfo.InvariantCulture) + "%";
    private static string Se(JsonNode? n) => n is null ? "" : " ± " + (100 * n.GetValue<double>()).ToString("0.0", CultureInfo.InvariantCulture);
    private static string Num(JsonNode? n, string format = "0.000") => n is null ? "–" : n.GetValue<double>().ToString(format, CultureInfo.InvariantCulture);
}
