using ScottPlot;

namespace Cooper.Experiments;

/// <summary>The report's figures (ScottPlot PNGs): one line per reward mode, mean over seeds.</summary>
public static class Plots
{
    private static readonly string[] s_order = ["rule", "rm", "cooper", "cooper_plus"];
    private static readonly IPalette s_palette = new ScottPlot.Palettes.Category10();

    /// <summary>Writes every figure into <paramref name="dir"/>; returns (file name, caption) pairs.</summary>
    public static IReadOnlyList<(string File, string Caption)> WriteAll(string dir, IReadOnlyList<ModeRun> runs)
    {
        var written = new List<(string, string)>();
        void One(string file, string title, string yLabel, string key, IEnumerable<string>? modes = null)
        {
            var series = (modes ?? s_order)
                .Select(m => (Mode: m, Points: ExperimentReport.MeanSeries(runs.Where(r => r.Mode == m).ToList(), key)))
                .Where(s => s.Points.Count > 0).ToList();
            if (series.Count == 0) return;
            var plt = new Plot();
            foreach (var (mode, points) in series)
            {
                var sc = plt.Add.Scatter(points.Select(p => (double)p.Step).ToArray(), points.Select(p => p.Value).ToArray());
                sc.LegendText = mode switch { "rule" => "rule reward", "rm" => "static RM", "cooper" => "Cooper", "cooper_plus" => "Cooper+", _ => mode };
                sc.Color = s_palette.GetColor(Math.Max(0, Array.IndexOf(s_order, mode))); // one colour per mode in every figure
                sc.MarkerSize = points.Count > 40 ? 0 : 4;
            }
            plt.Title(title);
            plt.XLabel("step");
            plt.YLabel(yLabel);
            plt.ShowLegend(Alignment.LowerLeft);
            plt.SavePng(Path.Combine(dir, file), 720, 420);
            written.Add((file, title));
        }
        One("fig3_train_reward.png", "Training reward (Figure 3 analog)", "mean reward of rollouts", ExperimentReport.Keys.TrainReward);
        One("fig3_val_accuracy.png", "Verified validation accuracy (Figure 3 analog)", "mean@k accuracy", ExperimentReport.Keys.ValAccuracy);
        One("fig4_rm_accuracy.png", "Reward-model accuracy on held-out labelled pairs (Figure 4 analog)", "accuracy", ExperimentReport.Keys.RmAccuracy, ["rm", "cooper", "cooper_plus"]);
        One("fig4_hacking_gap.png", "Hacking gap: mean reward − verified accuracy", "gap", ExperimentReport.Keys.HackingGap);
        return written;
    }
}
