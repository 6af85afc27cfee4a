using System.Globalization;

namespace Cooper.Runs;

/// <summary>
/// Checkpoint folders <c>step-000010/</c> under a run's <c>checkpoints/</c>, laid out the same way by
/// every trainer (<c>cooper train</c>, <c>cooper sft</c>, <c>cooper rm train</c>):
/// <code>
/// step-000010/
///   model/              the trained model (HF folder with its tokenizer)
///   optimizer.bin       its AdamW state
///   state.json          the step and the trainer's extra state (<see cref="RunState"/>)
///   reward_model/       a second trained model, named by its part (Cooper's reward model) …
///   reward_optimizer.bin  … and its optimizer
/// </code>
/// A checkpoint is written into <c>step-000010.tmp/</c> and renamed when complete, so a crash never
/// leaves a half checkpoint that looks whole; only the newest <c>keep</c> are kept.
/// </summary>
public static class Checkpoints
{
    /// <summary>The trained model's folder in a checkpoint.</summary>
    public const string ModelFolder = "model";
    /// <summary>The trained model's optimizer state in a checkpoint.</summary>
    public const string OptimizerFile = "optimizer.bin";
    /// <summary>The run state (<see cref="RunState"/>) in a checkpoint.</summary>
    public const string StateFile = "state.json";

    private const string Prefix = "step-";

    /// <summary>The folder name of step <paramref name="step"/>.</summary>
    public static string Name(int step) => Prefix + step.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Writes a checkpoint with <paramref name="write"/> (given the temp folder), publishes it, prunes old ones.</summary>
    public static string Save(string root, int step, int keep, Action<string> write)
    {
        Directory.CreateDirectory(root);
        var final = Path.Combine(root, Name(step));
        var tmp = final + ".tmp";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        write(tmp);
        if (Directory.Exists(final)) Directory.Delete(final, true);
        Directory.Move(tmp, final);
        foreach (var old in Complete(root).SkipLast(Math.Max(1, keep))) Directory.Delete(old.Path, true);
        return final;
    }

    /// <summary>The newest complete checkpoint folder, or null.</summary>
    public static string? Latest(string root) => Complete(root).LastOrDefault().Path;

    private static List<(int Step, string Path)> Complete(string root)
    {
        if (!Directory.Exists(root)) return [];
        var list = new List<(int, string)>();
        foreach (var d in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(d);
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && !name.EndsWith(".tmp", StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int s))
                list.Add((s, d));
        }
        return list.OrderBy(x => x.Item1).ToList();
    }
}
