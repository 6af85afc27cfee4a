using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cooper.Modeling;

/// <summary>
/// Reads the JSON files of a model folder (<c>config.json</c>, <c>tokenizer.json</c>, <c>tokenizer_config.json</c>,
/// the shard index, a parity reference) so that an empty, cut-off or corrupted file is reported as one
/// <see cref="InvalidDataException"/> that starts with the file's path, instead of a bare parser message.
/// </summary>
internal static class CheckpointJson
{
    /// <summary>The file's top-level JSON object.</summary>
    public static JsonObject ReadObject(string path)
    {
        var bytes = ReadNonEmpty(path);
        JsonNode? node;
        try { node = JsonNode.Parse(bytes.Span); }
        catch (JsonException e) { throw Invalid(path, e); }
        return node as JsonObject
            ?? throw new InvalidDataException($"{path}: expected a JSON object at the top level, got {(node is JsonArray ? "an array" : "a single value")}");
    }

    /// <summary>The file as a <see cref="JsonDocument"/> the caller disposes (for large files such as <c>tokenizer.json</c>).</summary>
    public static JsonDocument ReadDocument(string path)
    {
        var bytes = ReadNonEmpty(path);
        try { return JsonDocument.Parse(bytes); }
        catch (JsonException e) { throw Invalid(path, e); }
    }

    /// <summary>The error for a file whose JSON does not parse.</summary>
    public static InvalidDataException Invalid(string path, JsonException e) =>
        new($"{path}: not valid JSON {Where(e)}; is the file cut off or corrupted?", e);

    /// <summary>Where the parser stopped and why, e.g. <c>at line 13, byte 15 (Expected end of string, but instead reached end of data.)</c>.</summary>
    public static string Where(JsonException e)
    {
        // The parser's message ends with " LineNumber: 12 | BytePositionInLine: 14." (0-based; sometimes " Path: $ |" too): say it once, 1-based.
        var reason = e.Message;
        foreach (var marker in new[] { " Path: ", " LineNumber: " })
            if (reason.IndexOf(marker, StringComparison.Ordinal) is var at and >= 0) reason = reason[..at];
        var position = e.LineNumber is { } line ? $"at line {line + 1}, byte {e.BytePositionInLine + 1} " : "";
        return $"{position}({reason.TrimEnd()})";
    }

    private static ReadOnlyMemory<byte> ReadNonEmpty(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0) throw new InvalidDataException($"{path}: the file is empty (0 bytes); expected a JSON object");
        int bom = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        return bytes.AsMemory(bom);
    }
}
