using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Cooper.Configuration;
using Cooper.Experiments;
using Cooper.RL;
using Cooper.Runs;
using Cooper.Runtime;

namespace Cooper.Cli.Commands;

/// <summary>
/// <c>cooper experiment-child train|start</c> (hidden): one run, or the starting policy's evaluation, of a
/// <c>cooper experiment</c> whose runs go side by side, each in its own process (<see cref="ChildProcesses"/>).
/// </summary>
public static class ExperimentChildCommand
{
    /// <summary>What the child prints on stdout after each step, followed by the step number.</summary>
    public const string StepMarker = "@step ";

    public static Command Create(GlobalOptions g)
    {
        var config = new Option<string>("--config") { Description = "the run's TrainConfig (YAML)", Required = true };
        var start = new Option<string?>("--start-validation") { Description = "JSON metrics of step 0 measured by another run" };
        var train = new Command("train", "train one run of an experiment");
        train.Options.Add(config);
        train.Options.Add(start);
        train.SetAction((pr, ct) => g.RunAsync(pr, async () =>
        {
            var device = g.InitTorch(pr);
            var tc = ConfigLoader.Load<TrainConfig>(pr.GetValue(config));
            var inputs = TrainerSetup.Inputs(tc, m => Console.Error.WriteLine("warning: " + m));
            if (pr.GetValue(start) is { } path)
                inputs = inputs with { StartValidation = JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(path)) };
            using var trainer = new GrpoTrainer(tc, inputs, RunFolder.At(Path.Combine(tc.Out, tc.RunName())), device,
                log: m => Console.Error.WriteLine("warning: " + m)) { ShowProgress = false };
            trainer.OnStep = (step, _) => Console.Out.WriteLine(StepMarker + step);
            await trainer.TrainAsync(ct);
            return 0;
        }, ct));

        var output = new Option<string>("--out") { Description = "JSON file for the start's test metrics", Required = true };
        var startEval = new Command("start", "evaluate an experiment's starting policy on its test problems");
        startEval.Options.Add(config);
        startEval.Options.Add(output);
        startEval.SetAction(pr => g.Run(pr, () =>
        {
            var device = g.InitTorch(pr);
            var tc = ConfigLoader.Load<TrainConfig>(pr.GetValue(config));
            var metrics = ExperimentRunner.EvaluateStart(tc, TrainerSetup.Inputs(tc), device);
            AtomicFile.WriteAllText(pr.GetValue(output)!, JsonSerializer.Serialize(metrics));
            return 0;
        }));

        var cmd = new Command("experiment-child", "one piece of `cooper experiment` run in its own process (internal)") { Hidden = true };
        cmd.Subcommands.Add(train);
        cmd.Subcommands.Add(startEval);
        return cmd;
    }
}

/// <summary>
/// <see cref="IExperimentProcesses"/> by starting this <c>cooper</c> again (<c>experiment-child</c>) with the parent's
/// device and libtorch. The child's warnings pass through to stderr; a failure ends in an error with its last lines.
/// </summary>
public sealed class ChildProcesses(string device) : IExperimentProcesses
{
    /// <inheritdoc />
    public void Train(TrainConfig run, IReadOnlyDictionary<string, double>? startValidation, int threads, Action<int> onStep, CancellationToken ct)
    {
        var dir = Path.Combine(run.Out, run.RunName());
        Directory.CreateDirectory(dir);
        var configPath = Path.Combine(dir, "experiment-run.yaml");
        AtomicFile.WriteAllText(configPath, ConfigLoader.ToYaml(run));
        var args = new List<string> { "train", "--config", configPath };
        if (startValidation is not null)
        {
            var startPath = Path.Combine(dir, "start-validation.json");
            AtomicFile.WriteAllText(startPath, JsonSerializer.Serialize(startValidation));
            args.AddRange(["--start-validation", startPath]);
        }
        Run(args, threads, run.RunName(), line =>
        {
            if (line.StartsWith(ExperimentChildCommand.StepMarker, StringComparison.Ordinal) && int.TryParse(line.AsSpan(ExperimentChildCommand.StepMarker.Length), out int step))
                onStep(step);
        }, ct);
    }

    /// <inheritdoc />
    public Dictionary<string, double> EvaluateStart(TrainConfig config, int threads, CancellationToken ct)
    {
        Directory.CreateDirectory(config.Out);
        var configPath = Path.Combine(config.Out, "experiment-start.yaml");
        var outPath = Path.Combine(config.Out, "experiment-start.json");
        AtomicFile.WriteAllText(configPath, ConfigLoader.ToYaml(config));
        Run(["start", "--config", configPath, "--out", outPath], threads, "start", _ => { }, ct);
        return JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(outPath))
            ?? throw new InvalidOperationException($"{outPath}: no metrics");
    }

    private void Run(List<string> args, int threads, string name, Action<string> onLine, CancellationToken ct)
    {
        var psi = Self();
        psi.ArgumentList.Add("--threads");
        psi.ArgumentList.Add(threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--device");
        psi.ArgumentList.Add(device);
        if (TorchRuntime.LibTorchDir is { } lib)
        {
            psi.ArgumentList.Add("--libtorch");
            psi.ArgumentList.Add(lib);
        }
        psi.ArgumentList.Add("experiment-child");
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}");
        var tail = new Queue<string>();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (tail)
            {
                tail.Enqueue(e.Data);
                if (tail.Count > 20) tail.Dequeue();
            }
            if (!e.Data.StartsWith("error:", StringComparison.Ordinal)) Console.Error.WriteLine($"[{name}] {e.Data}");
        };
        p.BeginErrorReadLine();
        using (ct.Register(() => { try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
        {
            while (p.StandardOutput.ReadLine() is { } line) onLine(line);
            p.WaitForExit();
        }
        ct.ThrowIfCancellationRequested();
        if (p.ExitCode != 0)
        {
            string last;
            lock (tail) last = string.Join('\n', tail);
            throw new InvalidOperationException($"{name} (its own process) exited with code {p.ExitCode}:\n{last}");
        }
    }

    /// <summary>How to start this cooper again: its apphost, or the dotnet host with cooper.dll (dotnet run, tests).</summary>
    private static ProcessStartInfo Self()
    {
        var exe = Environment.ProcessPath ?? "dotnet";
        var dll = typeof(ChildProcesses).Assembly.Location;
        if (Path.GetFileNameWithoutExtension(exe) == Path.GetFileNameWithoutExtension(dll)) return new ProcessStartInfo(exe);
        var host = Path.GetFileNameWithoutExtension(exe) == "dotnet" ? exe : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var psi = new ProcessStartInfo(host);
        psi.ArgumentList.Add(dll);
        return psi;
    }
}
