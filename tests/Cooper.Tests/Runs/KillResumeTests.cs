using Cooper.Tests.Modeling;

namespace Cooper.Tests.Runs;

/// <summary>
/// Real kills: <c>cooper train</c> and <c>cooper sft</c> run as child processes, are killed (SIGKILL) after a
/// metrics line, and <c>--resume</c> then logs every step exactly once.
/// </summary>
[Collection("NonParallel")]
public class KillResumeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    /// <summary>Starts <paramref name="args"/>, kills it once the metrics file has a line with a step ≥ <paramref name="step"/>.</summary>
    private static void KillAfterMetricsLine(string metricsFile, int step, string[] args)
    {
        using var child = CooperCli.Start(args);
        bool logged = child.WaitUntil(() => File.Exists(metricsFile) && StepsSoFar(metricsFile).Any(s => s >= step), Patience);
        Assert.True(logged && !child.HasExited, $"the run should still be going after logging step {step}; raise its step count if it finished first");
        child.Kill();
    }

    private static List<int> StepsSoFar(string metricsFile)
    {
        try
        {
            using var reader = new StreamReader(new FileStream(metricsFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            return reader.ReadToEnd().Split('\n').Where(l => l.EndsWith('}'))
                .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()).ToList();
        }
        catch (IOException) { return []; }
    }

    [Fact]
    public void A_train_run_killed_before_its_first_checkpoint_resumes_from_step_0_without_the_old_lines()
    {
        using var tmp = new TempDir();
        var args = CooperCli.TinyTrain(tmp.Path, "killed", "steps=30", "checkpoint_every=0");
        var run = Path.Combine(tmp.Path, "killed");
        KillAfterMetricsLine(Path.Combine(run, "metrics.jsonl"), 1, args);
        Assert.Empty(Directory.GetDirectories(Path.Combine(run, "checkpoints"), "step-*"));

        using var resumed = CooperCli.Start([.. args, "--resume"]);
        var (code, stdout, stderr) = resumed.Wait(Patience);

        Assert.True(code == 0, stderr);
        Assert.Contains("has no checkpoint yet: starting it again from step 0 (dropped", stdout);
        Assert.Equal(Enumerable.Range(1, 30), CooperCli.Steps(Path.Combine(run, "metrics.jsonl")));
    }

    [Fact]
    public void A_train_run_killed_between_checkpoints_resumes_from_the_last_one_and_logs_each_step_once()
    {
        using var tmp = new TempDir();
        var args = CooperCli.TinyTrain(tmp.Path, "killed", "steps=30", "checkpoint_every=2");
        var run = Path.Combine(tmp.Path, "killed");
        KillAfterMetricsLine(Path.Combine(run, "metrics.jsonl"), 3, args);

        using var resumed = CooperCli.Start([.. args, "--resume"]);
        var (code, stdout, stderr) = resumed.Wait(Patience);

        Assert.True(code == 0, stderr);
        Assert.Matches(@"resuming .*killed from checkpoint step-0000\d\d \(step \d+ of 30\)", stdout);
        Assert.Equal(Enumerable.Range(1, 30), CooperCli.Steps(Path.Combine(run, "metrics.jsonl")));
    }

    [Fact]
    public void An_sft_run_killed_after_a_metrics_line_resumes_and_logs_each_step_once()
    {
        using var tmp = new TempDir();
        var args = CooperCli.TinySft(tmp.Path, "killed", "steps=300", "checkpoint_every=100");
        var run = Path.Combine(tmp.Path, "killed");
        KillAfterMetricsLine(Path.Combine(run, "metrics.jsonl"), 1, args);

        using var resumed = CooperCli.Start([.. args, "--resume"]);
        var (code, _, stderr) = resumed.Wait(Patience);

        Assert.True(code == 0, stderr);
        Assert.Equal(Enumerable.Range(1, 300), CooperCli.Steps(Path.Combine(run, "metrics.jsonl")));
    }
}
