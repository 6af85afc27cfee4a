using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Runs;

namespace Cooper.Data;

/// <summary>A row as it came out of a file: its 1-based number and either its fields or why it could not be parsed.</summary>
internal readonly record struct SourceRow(int Number, JsonObject? Fields, string? Error);

/// <summary>
/// JSON Lines: one object per line; blank lines are skipped but still counted, so row numbers are line
/// numbers. A file whose first non-blank character is <c>[</c> is read as one JSON array of objects
/// (rows numbered from 1 in array order).
/// </summary>
internal static class JsonlFile
{
    private static readonly JsonSerializerOptions s_write = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static List<SourceRow> Read(string path)
    {
        var text = File.ReadAllText(path);
        if (text.AsSpan().TrimStart().StartsWith("["))
            return ReadArray(text);
        var rows = new List<SourceRow>();
        int number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line)) continue;
            rows.Add(Parse(number, line));
        }
        return rows;
    }

    private static SourceRow Parse(int number, string line)
    {
        try
        {
            return JsonNode.Parse(line) switch
            {
                JsonObject o => new SourceRow(number, o, null),
                JsonArray => new SourceRow(number, null, "expected a JSON object, got a list"),
                _ => new SourceRow(number, null, "expected a JSON object"),
            };
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return new SourceRow(number, null, $"invalid JSON: {e.Message}");
        }
    }

    private static List<SourceRow> ReadArray(string text)
    {
        JsonArray array;
        try { array = JsonNode.Parse(text) as JsonArray ?? throw new JsonException("not a JSON array"); }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return [new SourceRow(1, null, $"invalid JSON array: {e.Message}")];
        }
        var rows = new List<SourceRow>(array.Count);
        for (int i = 0; i < array.Count; i++)
        {
            var element = array[i];
            array[i] = null; // detach so the object can be used on its own
            rows.Add(element is JsonObject o ? new SourceRow(i + 1, o, null) : new SourceRow(i + 1, null, "expected a JSON object"));
        }
        return rows;
    }

    /// <summary>Writes one compact object per line (null fields dropped, non-ASCII and <c>&lt;</c> kept readable), atomically.</summary>
    public static void Write(string path, IEnumerable<JsonObject> rows)
    {
        var sb = new StringBuilder();
        foreach (var row in rows)
            sb.Append(DropNulls(row).ToJsonString(s_write)).Append('\n');
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>Removes null-valued fields, recursively, in place; returns <paramref name="obj"/>.</summary>
    public static JsonObject DropNulls(JsonObject obj)
    {
        foreach (var key in obj.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList())
            obj.Remove(key);
        foreach (var (_, v) in obj)
        {
            if (v is JsonObject o) DropNulls(o);
            else if (v is JsonArray a) foreach (var e in a) if (e is JsonObject eo) DropNulls(eo);
        }
        return obj;
    }
}
