using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Runs;
using Parquet.Schema;
using Parquet.Serialization;

namespace Cooper.Data;

/// <summary>
/// Parquet rows as JSON objects, through Parquet.Net's untyped serializer, so nested columns (verl's
/// <c>prompt: list&lt;struct&lt;role, content&gt;&gt;</c>, <c>reward_model: struct</c>) map onto the same
/// objects a JSONL row has and one set of format readers serves both.
/// </summary>
internal static class ParquetFile
{
    /// <summary>Reads every row (1-based numbers) and the top-level column names.</summary>
    public static (List<SourceRow> Rows, List<string> Columns) Read(string path)
    {
        DeserializationResult<Dictionary<string, object>> result;
        using var stream = File.OpenRead(path);
        try { result = ParquetSerializer.DeserializeUntypedAsync(stream).GetAwaiter().GetResult(); }
        catch (Exception e) // Parquet.Net reports a bad file as IOException, NotSupportedException, ParquetException…
        {
            throw new DatasetException($"{path}: cannot read as parquet: {e.Message}");
        }
        var columns = result.Schema.Fields.Select(f => f.Name).ToList();
        var rows = new List<SourceRow>(result.Data.Count);
        for (int i = 0; i < result.Data.Count; i++)
        {
            try { rows.Add(new SourceRow(i + 1, (JsonObject)ToNode(result.Data[i])!, null)); }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
            {
                rows.Add(new SourceRow(i + 1, null, $"cannot convert the row: {e.Message}"));
            }
        }
        return (rows, columns);
    }

    /// <summary>
    /// Writes <paramref name="rows"/> with a schema inferred from them: text → string, integers → int64,
    /// other numbers → double, objects → struct (union of keys, missing → null), lists of objects →
    /// list&lt;struct&gt;, anything else (mixed types, lists of scalars) → JSON text.
    /// <paramref name="schemaRows"/> (default: the rows) fixes the schema, e.g. when there are no rows.
    /// </summary>
    public static void Write(string path, IReadOnlyList<JsonObject> rows, IReadOnlyList<JsonObject>? schemaRows = null)
    {
        var shape = schemaRows ?? rows;
        var keys = shape.SelectMany(r => r.Select(kv => kv.Key)).Distinct().ToList();
        var fields = keys.Select(k => Infer(k, shape.Select(r => r[k]).ToList())).ToList();
        var schema = new ParquetSchema(fields);
        var data = rows.Select(r => (IDictionary<string, object?>)ToStruct(r, fields)).ToList();
        using var ms = new MemoryStream();
        ParquetSerializer.SerializeUntypedAsync(data, schema, ms).GetAwaiter().GetResult();
        AtomicFile.WriteAllBytes(path, ms.ToArray());
    }

    private static Field Infer(string name, IReadOnlyList<JsonNode?> values)
    {
        var present = values.Where(v => v is not null).Select(v => v!).ToList();
        if (present.Count == 0) return new DataField<string>(name);
        if (present.All(v => v is JsonObject))
        {
            var objects = present.Cast<JsonObject>().ToList();
            var keys = objects.SelectMany(o => o.Select(kv => kv.Key)).Distinct().ToList();
            return new StructField(name, keys.Select(k => Infer(k, objects.Select(o => o[k]).ToList())).ToArray());
        }
        if (present.All(v => v is JsonArray a && a.All(e => e is JsonObject)))
        {
            var elements = present.SelectMany(v => (JsonArray)v).ToList();
            if (elements.Count > 0 && Infer("element", elements) is StructField element)
                return new ListField(name, element);
        }
        if (present.All(v => Kind(v) == JsonValueKind.String)) return new DataField<string>(name);
        if (present.All(v => Kind(v) == JsonValueKind.Number))
            return present.All(v => long.TryParse(v.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
                ? new DataField<long?>(name) : new DataField<double?>(name);
        if (present.All(v => Kind(v) is JsonValueKind.True or JsonValueKind.False)) return new DataField<bool?>(name);
        return new DataField<string>(name);
    }

    private static JsonValueKind Kind(JsonNode node) => node is JsonValue v ? v.GetValueKind() : JsonValueKind.Undefined;

    private static Dictionary<string, object?> ToStruct(JsonObject obj, IEnumerable<Field> fields) =>
        fields.ToDictionary(f => f.Name, f => ToClr(obj[f.Name], f));

    private static object? ToClr(JsonNode? node, Field field) => (node, field) switch
    {
        (null, _) => null,
        (JsonObject o, StructField s) => ToStruct(o, s.Fields),
        (JsonArray a, ListField l) => a.Select(e => ToStruct((JsonObject)e!, ((StructField)l.Item).Fields)).ToList(),
        (_, DataField d) when d.ClrType == typeof(long) => long.Parse(node.ToJsonString(), CultureInfo.InvariantCulture),
        (_, DataField d) when d.ClrType == typeof(double) => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture),
        (_, DataField d) when d.ClrType == typeof(bool) => node.GetValue<bool>(),
        (JsonValue v, _) when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };

    /// <summary>Converts a value from Parquet.Net's untyped reader to JSON.</summary>
    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        sbyte or byte or short or ushort or int or uint or long => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        ulong u => JsonValue.Create(u),
        float or double => double.IsFinite(Convert.ToDouble(value, CultureInfo.InvariantCulture))
            ? JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture))
            : JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
        decimal m => JsonValue.Create(m),
        DateTime t => JsonValue.Create(t.ToString("o", CultureInfo.InvariantCulture)),
        DateTimeOffset t => JsonValue.Create(t.ToString("o", CultureInfo.InvariantCulture)),
        byte[] bytes => JsonValue.Create(Encoding.UTF8.GetString(bytes)),
        ReadOnlyMemory<char> chars => JsonValue.Create(chars.ToString()),
        IDictionary<string, object> d => new JsonObject(d.Select(kv => KeyValuePair.Create(kv.Key, ToNode(kv.Value)))),
        IDictionary d => new JsonObject(d.Keys.Cast<object>().Select(k => KeyValuePair.Create(Convert.ToString(k, CultureInfo.InvariantCulture) ?? "", ToNode(d[k])))),
        IEnumerable e => new JsonArray(e.Cast<object?>().Select(ToNode).ToArray()),
        IFormattable f => JsonValue.Create(f.ToString(null, CultureInfo.InvariantCulture)),
        _ => JsonValue.Create(value.ToString()),
    };
}
