using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Cooper.Runs;

namespace Cooper.Data;

/// <summary>A row as it came out of a file: its 1-based number and either its fields or why it could not be parsed.</summary>
internal readonly record struct SourceRow(int Number, JsonObject? Fields, string? Error);

/// <summary>
/// JSON Lines: one object per line; blank lines are skipped but still counted, so row numbers are line
/// numbers. A file whose first non-blank character is <c>[</c> is read as one JSON array of objects
/// (rows numbered from 1 in array order). The text must be UTF-8 (a byte-order mark is allowed): a line with
/// invalid bytes is a bad row rather than text with U+FFFD in it (in an array file, the one bad row).
/// </summary>
internal static class JsonlFile
{
    private static readonly JsonSerializerOptions s_write = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static List<SourceRow> Read(string path)
    {
        ReadOnlySpan<byte> bytes = File.ReadAllBytes(path);
        if (bytes.StartsWith(Encoding.UTF8.Preamble)) bytes = bytes[Encoding.UTF8.Preamble.Length..];
        if (bytes.TrimStart(" \t\r\n"u8).StartsWith("["u8))
        {
            var lines = bytes.Split((byte)'\n');
            for (int lineNumber = 1; lines.MoveNext(); lineNumber++)
                if (InvalidUtf8(bytes[lines.Current]) is { } bad) return [new SourceRow(lineNumber, null, bad)];
            return ReadArray(Encoding.UTF8.GetString(bytes));
        }
        var rows = new List<SourceRow>();
        int number = 0;
        foreach (var range in bytes.Split((byte)'\n'))
        {
            number++;
            var raw = bytes[range];
            if (InvalidUtf8(raw) is { } bad)
            {
                rows.Add(new SourceRow(number, null, bad));
                continue;
            }
            var line = Encoding.UTF8.GetString(raw).TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line)) continue;
            rows.Add(Parse(number, line));
        }
        return rows;
    }

    /// <summary>Null when <paramref name="line"/> is valid UTF-8, else where it is not (1-based byte in the line) and what to do.</summary>
    private static string? InvalidUtf8(ReadOnlySpan<byte> line)
    {
        if (Utf8.IsValid(line)) return null;
        int column = 1;
        while (Rune.DecodeFromUtf8(line[(column - 1)..], out _, out int used) == System.Buffers.OperationStatus.Done) column += used;
        return $"invalid UTF-8 at byte {column} of the line (0x{line[column - 1]:X2}): save the file as UTF-8";
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
