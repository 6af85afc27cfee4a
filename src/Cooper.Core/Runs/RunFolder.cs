using System.Text.Json;
using Cooper.Configuration;

namespace Cooper.Runs;

/// <summary>
/// A run's folder: <c>config.yaml</c> (the resolved config), <c>metrics.jsonl</c> (one JSON object
/// per logged step, namespaced keys), <c>checkpoints/</c>, reports and plots.
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

    /// <summary>Opens (creating if needed) <paramref name="path"/> as a run folder.</summary>
    public static RunFolder Open(string path)
    {
        Directory.CreateDirectory(path);
        Directory.CreateDirectory(System.IO.Path.Combine(path, "checkpoints"));
        return new RunFolder(System.IO.Path.GetFullPath(path));
    }

    /// <summary><c>runs/&lt;name&gt;</c> under <paramref name="root"/>, name defaulting to a timestamp.</summary>
    public static RunFolder Create(string root, string? name, string kind)
    {
        name ??= $"{kind}-{DateTime.Now:yyyyMMdd-HHmmss}";
        return Open(System.IO.Path.Combine(root, name));
    }

    /// <summary>Writes the resolved config (atomically) as <c>config.yaml</c>.</summary>
    public void SaveConfig(object config) => AtomicFile.WriteAllText(ConfigFile, ConfigLoader.ToYaml(config));

    /// <summary>A file inside the run folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);
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

    /// <inheritdoc />
    public void Dispose() => _writer.Dispose();
}
