using System.Text.Json;

namespace Cooper.Serving;

/// <summary>
/// Reads typed fields of a request body; a field of the wrong type throws a 400 <see cref="OpenAiError"/>
/// naming it. A JSON <c>null</c> reads as "not set", as OpenAI's and vLLM's servers read it.
/// </summary>
internal static class RequestFields
{
    /// <summary>Parses <paramref name="json"/> and reads it with <paramref name="read"/>; malformed JSON is a 400.</summary>
    public static T Parse<T>(string json, Func<JsonElement, T> read)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return read(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw OpenAiError.BadRequest($"The body is not valid JSON: {e.Message}");
        }
    }

    public static bool Present(JsonElement o, string name, out JsonElement v) =>
        o.TryGetProperty(name, out v) && v.ValueKind != JsonValueKind.Null;

    /// <summary>A string field; with <paramref name="where"/> set it is required and errors name it so.</summary>
    public static string? String(JsonElement o, string name, string? where = null)
    {
        if (!Present(o, name, out var v)) return where is null ? null : throw OpenAiError.BadRequest($"{where} is missing", where);
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw OpenAiError.BadRequest($"{where ?? name} must be a string, got {v.ValueKind}", where ?? name);
    }

    public static double? Number(JsonElement o, string name)
    {
        if (!Present(o, name, out var v)) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) ? d
            : throw OpenAiError.BadRequest($"{name} must be a number, got {v.GetRawText()}", name);
    }

    public static int? Integer(JsonElement o, string name)
    {
        if (!Present(o, name, out var v)) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i
            : throw OpenAiError.BadRequest($"{name} must be an integer, got {v.GetRawText()}", name);
    }

    public static long? Long(JsonElement o, string name)
    {
        if (!Present(o, name, out var v)) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var i) ? i
            : throw OpenAiError.BadRequest($"{name} must be an integer, got {v.GetRawText()}", name);
    }

    public static bool? Bool(JsonElement o, string name)
    {
        if (!Present(o, name, out var v)) return null;
        return v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
            : throw OpenAiError.BadRequest($"{name} must be true or false, got {v.GetRawText()}", name);
    }

    /// <summary>A JSON array of 32-bit integers; an element that is not one is a 400 naming <c>{where}[i]</c>.</summary>
    public static int[] Integers(JsonElement list, string where)
    {
        var ids = new int[list.GetArrayLength()];
        int i = 0;
        foreach (var x in list.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number || !x.TryGetInt32(out ids[i]))
                throw OpenAiError.BadRequest($"{where}[{i}] must be an integer, got {x.GetRawText()}", $"{where}[{i}]");
            i++;
        }
        return ids;
    }
}
