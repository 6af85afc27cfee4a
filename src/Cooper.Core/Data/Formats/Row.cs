using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cooper.Data.Formats;

/// <summary>A field of a row that is missing, empty or of the wrong type; the loader turns it into a <see cref="RowError"/>.</summary>
internal sealed class RowFieldException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// One dataset row as a JSON object (JSONL rows as parsed, parquet rows converted), plus where it came
/// from. Typed accessors throw <see cref="RowFieldException"/> naming the field on a missing, empty or
/// wrongly typed value. Numbers are accepted where text is expected (an answer of <c>18</c>);
/// objects, arrays and booleans are not.
/// </summary>
internal sealed class Row(JsonObject fields, int number, string fileStem, string defaultDataSource)
{
    public JsonObject Fields { get; } = fields;

    /// <summary>1-based row (JSONL: line) number.</summary>
    public int Number { get; } = number;

    /// <summary>The id used when the row has none: <c>{file stem}-{row}</c>.</summary>
    public string FallbackId => $"{fileStem}-{Number}";

    public string DefaultDataSource { get; } = defaultDataSource;

    public bool Has(string name) => Fields[name] is not null;

    /// <summary>A non-empty text field.</summary>
    public string RequiredString(string name) => RequiredString(Fields, name, name);

    /// <summary>A text field, or null when absent or null; empty text is returned as null.</summary>
    public string? OptionalString(string name) => OptionalString(Fields, name, name);

    /// <summary>An integer field; also accepts its text form and MATH's <c>"Level 3"</c>. Null when absent or unknown (<c>"Level ?"</c>).</summary>
    public int? OptionalLevel(string name) => OptionalLevel(Fields, name, name);

    public static string RequiredString(JsonObject obj, string name, string path) =>
        OptionalString(obj, name, path) ?? throw new RowFieldException(path, obj[name] is null ? "missing" : "empty");

    public static string? OptionalString(JsonObject obj, string name, string path)
    {
        var node = obj[name];
        if (node is null) return null;
        if (node is not JsonValue v) throw new RowFieldException(path, $"expected text, got {Describe(node)}");
        string text = v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number => v.ToJsonString(),
            _ => throw new RowFieldException(path, $"expected text, got {Describe(node)}"),
        };
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    public static int? OptionalLevel(JsonObject obj, string name, string path)
    {
        var node = obj[name];
        if (node is null) return null;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
            return v.TryGetValue<int>(out var i) ? i
                : decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue ? (int)d
                : throw new RowFieldException(path, $"expected an integer, got {v.ToJsonString()}");
        if (node is JsonValue s && s.GetValueKind() == JsonValueKind.String)
        {
            var text = s.GetValue<string>().Trim();
            if (text.StartsWith("Level", StringComparison.OrdinalIgnoreCase)) text = text[5..].Trim();
            if (text is "" or "?") return null;
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
                : throw new RowFieldException(path, $"expected an integer or 'Level N', got '{s.GetValue<string>()}'");
        }
        throw new RowFieldException(path, $"expected an integer, got {Describe(node)}");
    }

    /// <summary>
    /// A nested object. Also accepts text holding a JSON object, the flattened layout some tools write
    /// for struct columns.
    /// </summary>
    public static JsonObject? OptionalObject(JsonObject obj, string name, string path)
    {
        var node = obj[name];
        return node switch
        {
            null => null,
            JsonObject o => o,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => ParseEmbedded(v.GetValue<string>()) as JsonObject
                ?? throw new RowFieldException(path, "expected an object, got text that is not a JSON object"),
            _ => throw new RowFieldException(path, $"expected an object, got {Describe(node)}"),
        };
    }

    /// <summary>A nested array; also accepts text holding a JSON array.</summary>
    public static JsonArray? OptionalArray(JsonObject obj, string name, string path)
    {
        var node = obj[name];
        return node switch
        {
            null => null,
            JsonArray a => a,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => ParseEmbedded(v.GetValue<string>()) as JsonArray
                ?? throw new RowFieldException(path, "expected a list, got text that is not a JSON list"),
            _ => throw new RowFieldException(path, $"expected a list, got {Describe(node)}"),
        };
    }

    /// <summary>Any scalar as text (numbers and booleans as JSON writes them); objects and arrays as JSON.</summary>
    public static string? AsText(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };

    /// <summary>Copies the fields not in <paramref name="known"/> into a dictionary of strings (nulls dropped).</summary>
    public static Dictionary<string, string>? Leftovers(JsonObject obj, IReadOnlySet<string> known)
    {
        Dictionary<string, string>? extra = null;
        foreach (var (k, v) in obj)
        {
            if (known.Contains(k) || AsText(v) is not { } text) continue;
            (extra ??= new())[k] = text;
        }
        return extra;
    }

    /// <summary>Text that holds JSON (a flattened struct or list column), parsed; null when it is not JSON.</summary>
    private static JsonNode? ParseEmbedded(string text)
    {
        try { return JsonNode.Parse(text); }
        catch (JsonException) { return null; }
    }

    private static string Describe(JsonNode node) => node switch
    {
        JsonObject => "an object",
        JsonArray => "a list",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Number => "a number",
            _ => "text",
        },
        _ => "a value",
    };
}
