using System.Diagnostics;
using Cooper.Cli;
using Cooper.Tests.RL;

namespace Cooper.Tests.Runs;

/// <summary>
/// Runs <c>cooper</c> for the run-folder tests: in this process (<see cref="Run"/>, capturing stdout and
/// stderr, so its callers belong to the NonParallel collection) or as a child process of the built
/// <c>cooper.dll</c> next to the test assembly (<see cref="Start"/>), which a test can kill.
/// </summary>
internal static class CooperCli
{
    /// <summary><c>cooper ARGS</c> in this process: (exit code, stdout, stderr).</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (previousOut, previousErr) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try { return (CliApp.Run(args), stdout.ToString(), stderr.ToString()); }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousErr);
        }
    }

    /// <summary><c>dotnet cooper.dll ARGS</c> as a child process with stdout and stderr read into buffers.</summary>
    public static ChildRun Start(params string[] args)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cooper.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return new ChildRun(Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>
    /// <c>cooper train</c> settings small enough for a test: the shipped policy, rule reward, one prompt × two
    /// rollouts of at most 16 tokens per step, no validation.
    /// </summary>
    public static string[] TinyTrain(string outDir, string name, params string[] more) =>
    [
        "train", "--device", "cpu", "--threads", "1",
        "--set", "reward=rule", "--set", $"policy={ShippedModels.Policy}", "--set", $"out={outDir}", "--set", $"name={name}",
        "--set", "val_every=0", "--set", "grpo.prompts_per_step=1", "--set", "grpo.rollouts_per_prompt=2",
        "--set", "grpo.max_new_tokens=16", "--set", "grpo.micro_batch_size=2", "--set", "grpo.warmup_steps=0",
        .. more.SelectMany(m => new[] { "--set", m }),
    ];

    /// <summary><c>cooper sft</c> settings for a fresh one-layer character model that trains in milliseconds a step.</summary>
    public static string[] TinySft(string outDir, string name, params string[] more) =>
    [
        "sft", "--device", "cpu", "--threads", "1",
        "--set", $"out={outDir}", "--set", $"name={name}",
        "--set", "hidden_size=32", "--set", "layers=1", "--set", "heads=2", "--set", "kv_heads=1", "--set", "intermediate_size=64",
        "--set", "max_positions=400", "--set", "max_length=400", "--set", "batch_size=4", "--set", "warmup_steps=2",
        "--set", "eval_every=0", "--set", "eval_prompts=1", "--set", "eval_samples=1", "--set", "max_new_tokens=4",
        .. more.SelectMany(m => new[] { "--set", m }),
    ];

    /// <summary>The steps of a metrics file's lines, in order.</summary>
    public static List<int> Steps(string metricsFile) =>
        File.ReadAllLines(metricsFile).Where(l => l.Length > 0)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()).ToList();
}

/// <summary>A running <c>cooper</c> child process.</summary>
internal sealed class ChildRun : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout, _stderr;

    public ChildRun(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits until <paramref name="condition"/> holds (polled every 10 ms); false if the process exited first or time ran out.</summary>
    public bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition()) return true;
            if (_process.HasExited) return condition();
            Thread.Sleep(10);
        }
        return false;
    }

    /// <summary>SIGKILL, as an out-of-memory killer or a pre-empted machine would: no handler runs.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Waits for the exit: (exit code, stdout, stderr).</summary>
    public (int Code, string Out, string Err) Wait(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) { Kill(); throw new TimeoutException($"cooper did not finish within {timeout}"); }
        _process.WaitForExit();
        return (_process.ExitCode, _stdout.Result, _stderr.Result);
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}
