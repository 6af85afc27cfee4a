using System.Text.Json;
using Cooper.Configuration;

namespace Cooper.Runs;

/// <summary>
/// A run's folder: <c>config.yaml</c> (the resolved config), <c>metrics.jsonl</c> (one JSON object
/// per logged step, namespaced keys), <c>checkpoints/</c>, reports and plots.
/// <para>
/// A trainer starts in two calls so that nothing is written before everything is checked:
/// <see cref="Claim{T}"/> first (a new run never writes into a folder that holds a run; a resumed one
/// must have the run's settings), then — once data, models and tokenizer are loaded and checked —
/// <see cref="Begin"/>, which creates the folder, writes <c>config.yaml</c> and drops the metric lines
/// logged after the checkpoint the run continues from.
/// </para>
/// </summary>
public sealed class RunFolder
{
    /// <summary>The folder's path.</summary>
    public string Path { get; }

    /// <summary>Where checkpoints go.</summary>
    public string Checkpoints => System.IO.Path.Combine(Path, "checkpoints");

    /// <summary>The metrics file.</summary>
    public string MetricsFile => System.IO.Path.Combine(Path, "metrics.jsonl");

    /// <summary>The resolved config file.</summary>
    public string ConfigFile => System.IO.Path.Combine(Path, "config.yaml");

    private RunFolder(string path) { Path = path; }

    /// <summary><paramref name="path"/> as a run folder; nothing is created until a trainer's <see cref="Begin"/>.</summary>
    public static RunFolder At(string path) => new(System.IO.Path.GetFullPath(path));

    /// <summary>Opens (creating if needed) <paramref name="path"/> as a run folder.</summary>
    public static RunFolder Open(string path)
    {
        var run = At(path);
        Directory.CreateDirectory(run.Checkpoints);
        return run;
    }

    /// <summary>True when the folder holds a run: a <c>config.yaml</c>, a <c>metrics.jsonl</c> or a checkpoint.</summary>
    public bool HoldsRun => System.IO.File.Exists(ConfigFile) || System.IO.File.Exists(MetricsFile) || LatestCheckpoint is not null;

    /// <summary>The newest complete checkpoint, or null.</summary>
    public string? LatestCheckpoint => Runs.Checkpoints.Latest(Checkpoints);

    /// <summary>
    /// Checks, before anything is loaded or written, that a run of <paramref name="config"/> may use this folder,
    /// and returns the checkpoint it continues from (null: it starts at step 0).
    /// A new run (<paramref name="resume"/> false) is refused when the folder already holds one. A resumed run is
    /// refused when its config differs from the run's <c>config.yaml</c> in any key but <paramref name="safeKeys"/>
    /// (a key names itself and the keys below it: <c>cooper.assistant</c> covers <c>cooper.assistant.base_url</c>).
    /// </summary>
    public string? Claim<T>(T config, bool resume, IReadOnlyCollection<string> safeKeys) where T : class, new()
    {
        if (!resume)
        {
            if (HoldsRun)
                throw new InvalidOperationException(
                    $"{Path} already holds a run ({Describe()}): continue it with --resume, or give the new run another name (--set name=NEW)");
            return null;
        }
        if (System.IO.File.Exists(ConfigFile))
        {
            T started;
            try { started = ConfigLoader.Load<T>(ConfigFile); }
            catch (ConfigException e) { throw new InvalidOperationException($"cannot resume {Path}: its config.yaml does not load ({e.Message})"); }
            var changed = ConfigLoader.Differences(started, config)
                .Where(d => !safeKeys.Any(k => d.Key == k || d.Key.StartsWith(k + ".", StringComparison.Ordinal)))
                .ToList();
            if (changed.Count > 0)
                throw new InvalidOperationException(
                    $"cannot resume {Path}: it was started with {string.Join(", ", changed.Select(d => $"{d.Key} {d.Before}"))}; " +
                    $"this command has {string.Join(", ", changed.Select(d => $"{d.Key} {d.After}"))}. " +
                    $"Resume with the run's settings (only {string.Join(", ", safeKeys)} may change), or start a new run under another name");
        }
        return LatestCheckpoint;
    }

    /// <summary>
    /// Starts the run once everything is loaded: creates the folder, writes <paramref name="config"/> as
    /// <c>config.yaml</c> and drops the metric lines logged after <paramref name="step"/> (all of them when the
    /// run starts at step 0 without a checkpoint), so a resumed run never logs a step twice.
    /// </summary>
    public RunStart Begin(object config, string? checkpoint, int step)
    {
        bool held = HoldsRun;
        Directory.CreateDirectory(Checkpoints);
        int dropped = MetricsWriter.DropAfter(MetricsFile, checkpoint is null ? -1 : step);
        SaveConfig(config);
        return new RunStart(Path, checkpoint, step, dropped, held);
    }

    /// <summary>Deletes everything the folder holds, so a new run can start in it (the experiment runner reuses its folders).</summary>
    public void Clear()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }

    /// <summary>Writes the resolved config (atomically) as <c>config.yaml</c>.</summary>
    public void SaveConfig(object config) => AtomicFile.WriteAllText(ConfigFile, ConfigLoader.ToYaml(config));

    /// <summary>A file inside the run folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    private string Describe()
    {
        var parts = new List<string>();
        if (System.IO.File.Exists(ConfigFile)) parts.Add("config.yaml");
        if (System.IO.File.Exists(MetricsFile)) parts.Add("metrics.jsonl");
        if (LatestCheckpoint is { } c) parts.Add("checkpoint " + System.IO.Path.GetFileName(c));
        return string.Join(", ", parts);
    }
}

/// <summary>How a run started (<see cref="RunFolder.Begin"/>): what the user is told.</summary>
/// <param name="Folder">The run folder.</param>
/// <param name="Checkpoint">The checkpoint continued from, or null.</param>
/// <param name="Step">Steps already done.</param>
/// <param name="DroppedMetricLines">Metric lines dropped because they were logged after <paramref name="Checkpoint"/> (or with none).</param>
/// <param name="FolderHeldRun">Whether the folder held a run before.</param>
public sealed record RunStart(string Folder, string? Checkpoint, int Step, int DroppedMetricLines, bool FolderHeldRun)
{
    /// <summary>One line for the user, e.g. <c>resuming runs/x from checkpoint step-000040 (step 40 of 100); dropped 3 metric lines logged after it</c>.</summary>
    public string Describe(int totalSteps)
    {
        string dropped = DroppedMetricLines == 0 ? "" : $"; dropped {DroppedMetricLines} metric line{(DroppedMetricLines == 1 ? "" : "s")} logged after it";
        if (Checkpoint is not null)
            return $"resuming {Folder} from checkpoint {System.IO.Path.GetFileName(Checkpoint)} (step {Step} of {totalSteps}){dropped}";
        if (FolderHeldRun)
            return $"{Folder} has no checkpoint yet: starting it again from step 0{(DroppedMetricLines == 0 ? "" : $" (dropped {DroppedMetricLines} metric line{(DroppedMetricLines == 1 ? "" : "s")})")}";
        return $"new run in {Folder}";
    }
}

/// <summary>Writes files so a crash never leaves a half-written one: temp file, flush, rename.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text)
    {
        var tmp = path + ".tmp";
        System.IO.File.WriteAllText(tmp, text);
        System.IO.File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        var tmp = path + ".tmp";
        System.IO.File.WriteAllBytes(tmp, bytes);
        System.IO.File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>
/// Appends one JSON object per step to <c>metrics.jsonl</c>. Keys are namespaced
/// (<c>train/reward_mean</c>, <c>time/rollout_s</c>); each line also carries <c>step</c>.
/// Lines are flushed as written so a killed run keeps everything logged before it.
/// </summary>
public sealed class MetricsWriter : IDisposable
{
    private readonly StreamWriter _writer;
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = false };

    /// <summary>Opens <paramref name="path"/> for appending.</summary>
    public MetricsWriter(string path, bool append = true)
    {
        _writer = new StreamWriter(path, append) { AutoFlush = true };
    }

    /// <summary>Writes one line: <c>{"step": step, ...metrics}</c>. Non-finite values are written as null.</summary>
    public void Write(long step, IReadOnlyDictionary<string, double> metrics)
    {
        var row = new Dictionary<string, object?> { ["step"] = step };
        foreach (var (k, v) in metrics) row[k] = double.IsFinite(v) ? v : null;
        _writer.WriteLine(JsonSerializer.Serialize(row, s_json));
    }

    /// <summary>Reads a metrics file back: one dictionary per line (nulls become NaN).</summary>
    public static List<Dictionary<string, double>> Read(string path)
    {
        var rows = new List<Dictionary<string, double>>();
        foreach (var line in System.IO.File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var row = new Dictionary<string, double>();
            foreach (var p in doc.RootElement.EnumerateObject())
                row[p.Name] = p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : double.NaN;
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// Drops the lines of <paramref name="path"/> logged after <paramref name="step"/> (a negative step drops
    /// every line), and lines that are not a JSON object with a numeric <c>step</c> (a line cut off by a kill);
    /// returns how many non-blank lines were dropped. Every trainer's resume goes through this.
    /// </summary>
    public static int DropAfter(string path, long step)
    {
        if (!System.IO.File.Exists(path)) return 0;
        var lines = System.IO.File.ReadAllLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
        var keep = lines.Where(l => StepOf(l) is { } s && s <= step).ToList();
        if (keep.Count == lines.Count) return 0;
        AtomicFile.WriteAllText(path, keep.Count == 0 ? "" : string.Join('\n', keep) + "\n");
        return lines.Count - keep.Count;
    }

    private static long? StepOf(string line)
    {
        try
        {
            using var d = JsonDocument.Parse(line);
            return d.RootElement.ValueKind == JsonValueKind.Object && d.RootElement.TryGetProperty("step", out var s)
                && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out long v) ? v : null;
        }
        catch (JsonException) { return null; }
    }

    /// <inheritdoc />
    public void Dispose() => _writer.Dispose();
}
