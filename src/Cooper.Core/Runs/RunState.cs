using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cooper.Runs;

/// <summary>
/// What a checkpoint stores besides tensors, in <c>state.json</c>: the steps done and whatever else a
/// trainer needs to continue exactly (GRPO: the hacking monitor's history; the reward-model trainer: the
/// data fingerprint), as <c>{"step": 40, "extra": {...}}</c>. Extra state is a record serialised with
/// snake_case names.
/// </summary>
public static class RunState
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Writes <c>state.json</c> with <paramref name="step"/> and no extra state into checkpoint folder <paramref name="dir"/>.</summary>
    public static void Save(string dir, int step) => Write(dir, step, null);

    /// <summary>Writes <c>state.json</c> with <paramref name="step"/> and <paramref name="extra"/> into checkpoint folder <paramref name="dir"/>.</summary>
    public static void Save<TExtra>(string dir, int step, TExtra extra) where TExtra : class =>
        Write(dir, step, JsonSerializer.SerializeToNode(extra, s_json));

    /// <summary>The step stored in checkpoint folder <paramref name="dir"/>.</summary>
    public static int LoadStep(string dir) => Read(dir).Step;

    /// <summary>The step and extra state stored in checkpoint folder <paramref name="dir"/>.</summary>
    public static (int Step, TExtra Extra) Load<TExtra>(string dir) where TExtra : class
    {
        var (step, extra, path) = Read(dir);
        if (extra is null) throw new InvalidDataException($"{path}: no \"extra\" state; the checkpoint was written by another trainer");
        try
        {
            return (step, extra.Deserialize<TExtra>(s_json) ?? throw new InvalidDataException($"{path}: \"extra\" is null"));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: \"extra\" is not the state of this trainer ({e.Message}); the checkpoint was written by another trainer or version");
        }
    }

    private static void Write(string dir, int step, JsonNode? extra)
    {
        var o = new JsonObject { ["step"] = step };
        if (extra is not null) o["extra"] = extra;
        AtomicFile.WriteAllText(Path.Combine(dir, Checkpoints.StateFile), o.ToJsonString() + "\n");
    }

    private static (int Step, JsonNode? Extra, string Path) Read(string dir)
    {
        var path = Path.Combine(dir, Checkpoints.StateFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{dir}: no {Checkpoints.StateFile}; the checkpoint is incomplete or from an older version: delete it to resume from the one before", path);
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message}); is the file cut off?"); }
        if (root is not JsonObject o || o["step"] is not JsonValue v || !v.TryGetValue<int>(out int step) || step < 0)
            throw new InvalidDataException($"{path}: expected {{\"step\": N, ...}} with N ≥ 0");
        return (step, o["extra"], path);
    }
}
