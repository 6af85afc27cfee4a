using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Modeling;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">State-dict key.</param>
/// <param name="Dtype">Safetensors dtype name (<c>F32</c>, <c>BF16</c>, …).</param>
/// <param name="Shape">Dimensions.</param>
/// <param name="Begin">Byte offset of the data, relative to the end of the header.</param>
/// <param name="End">Byte offset one past the data.</param>
public sealed record SafetensorsEntry(string Name, string Dtype, long[] Shape, long Begin, long End);

/// <summary>
/// The safetensors format (an 8-byte little-endian header length, a JSON header, then raw little-endian
/// tensor bytes), read and written without a full in-memory copy of the file.
/// </summary>
public static class Safetensors
{
    private static readonly Dictionary<string, ScalarType> s_dtypes = new()
    {
        ["F64"] = ScalarType.Float64,
        ["F32"] = ScalarType.Float32,
        ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64,
        ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16,
        ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte,
        ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>The TorchSharp dtype for a safetensors dtype name.</summary>
    public static ScalarType ToScalarType(string dtype) =>
        s_dtypes.TryGetValue(dtype, out var t) ? t : throw new InvalidDataException($"safetensors dtype '{dtype}' is not supported");

    /// <summary>The safetensors dtype name for a TorchSharp dtype.</summary>
    public static string FromScalarType(ScalarType t) =>
        s_dtypes.FirstOrDefault(kv => kv.Value == t).Key ?? throw new ArgumentException($"dtype {t} cannot be stored in safetensors here");

    /// <summary>
    /// Reads the header: entries by name, the <c>__metadata__</c> strings, and where the data starts. A file
    /// that is empty, cut off (in the header or the data) or has a malformed header throws
    /// <see cref="InvalidDataException"/> starting with the path and saying what is wrong.
    /// </summary>
    public static (IReadOnlyDictionary<string, SafetensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart) ReadHeader(string path)
    {
        using var fs = File.OpenRead(path);
        if (fs.Length == 0) throw new InvalidDataException($"{path}: the file is empty (0 bytes); expected safetensors (an 8-byte header length, a JSON header, tensor data)");
        if (fs.Length < 8) throw new InvalidDataException($"{path}: {fs.Length} bytes is too short for a safetensors file (the header length alone takes 8)");
        Span<byte> lenBytes = stackalloc byte[8];
        fs.ReadExactly(lenBytes);
        long n = BinaryPrimitives.ReadInt64LittleEndian(lenBytes);
        if (n <= 0 || n > 100_000_000)
            throw new InvalidDataException($"{path}: not a safetensors file (its first 8 bytes give a header length of {n}; expected 1…100000000)");
        if (n + 8 > fs.Length)
            throw new InvalidDataException($"{path}: the file is cut off: it announces a JSON header of {n} bytes but only {fs.Length - 8} follow");
        var header = new byte[n];
        fs.ReadExactly(header);
        JsonNode? parsed;
        try { parsed = JsonNode.Parse(header); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: the safetensors header is not valid JSON {CheckpointJson.Where(e)}", e); }
        var root = parsed as JsonObject ?? throw new InvalidDataException($"{path}: the safetensors header is not a JSON object");
        var entries = new Dictionary<string, SafetensorsEntry>();
        var metadata = new Dictionary<string, string>();
        long dataLength = fs.Length - 8 - n;
        foreach (var (name, node) in root)
        {
            if (name == "__metadata__")
            {
                if (node is JsonObject m)
                    foreach (var (k, v) in m) metadata[k] = v?.GetValue<string>() ?? "";
                continue;
            }
            var e = Entry(path, name, node);
            long expected = e.Shape.Aggregate(1L, (a, b) => a * b) * ElementSize(ToScalarType(e.Dtype));
            if (e.Begin < 0 || e.End - e.Begin != expected)
                throw new InvalidDataException(
                    $"{path}: tensor '{name}' has data_offsets [{e.Begin}, {e.End}) but {e.Dtype} [{string.Join(", ", e.Shape)}] takes {expected} bytes");
            if (e.End > dataLength)
                throw new InvalidDataException(
                    $"{path}: the file is cut off: tensor '{name}' ends at byte {e.End} of the data but the file holds only {dataLength} data bytes");
            entries[name] = e;
        }
        return (entries, metadata, 8 + n);
    }

    // One header entry: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}.
    private static SafetensorsEntry Entry(string path, string name, JsonNode? node)
    {
        if (node is JsonObject o && o["dtype"] is JsonValue d && d.TryGetValue<string>(out var dtype)
            && Longs(o["shape"]) is { } shape && Longs(o["data_offsets"]) is { Length: 2 } offsets)
        {
            if (!s_dtypes.ContainsKey(dtype))
                throw new InvalidDataException($"{path}: tensor '{name}' has dtype '{dtype}', which is not supported (use one of {string.Join(", ", s_dtypes.Keys)})");
            return new SafetensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
        }
        throw new InvalidDataException(
            $"{path}: header entry '{name}' is malformed: expected {{\"dtype\": \"F32\", \"shape\": [...], \"data_offsets\": [begin, end]}}, got {node?.ToJsonString() ?? "null"}");
    }

    // A JSON array of integers, else null.
    private static long[]? Longs(JsonNode? node)
    {
        if (node is not JsonArray a) return null;
        var result = new long[a.Count];
        for (int i = 0; i < a.Count; i++)
            if (a[i] is not JsonValue v || !v.TryGetValue(out result[i])) return null;
        return result;
    }

    /// <summary>
    /// Streams each tensor of the file to <paramref name="sink"/> as a CPU tensor in the file's dtype; the
    /// tensor is disposed after the call, so the sink copies what it keeps (e.g. <c>param.copy_(t)</c>).
    /// </summary>
    public static void Read(string path, Action<SafetensorsEntry, Tensor> sink, Func<string, bool>? filter = null)
    {
        var (entries, _, dataStart) = ReadHeader(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        foreach (var e in entries.Values.OrderBy(e => e.Begin))
        {
            if (filter is not null && !filter(e.Name)) continue;
            using var t = torch.empty(e.Shape, ToScalarType(e.Dtype));
            fs.Position = dataStart + e.Begin;
            if (e.End > e.Begin) ReadInto(fs, t);
            sink(e, t);
        }
    }

    /// <summary>Loads every tensor (CPU, file dtype) into a dictionary the caller owns.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        var result = new Dictionary<string, Tensor>();
        Read(path, (e, t) => result[e.Name] = t.clone().DetachFromDisposeScope());
        return result;
    }

    /// <summary>
    /// Writes tensors (any device; stored as their dtype) sorted by name, with <paramref name="metadata"/>
    /// (HF writes <c>{"format": "pt"}</c>). The header is padded with spaces to a multiple of 8 bytes as
    /// the reference implementation does. Written to a temporary file and moved into place.
    /// </summary>
    public static void Save(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.OrderBy(x => x.Name, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var m = new JsonObject();
            foreach (var (k, v) in metadata) m[k] = v;
            header["__metadata__"] = m;
        }
        long offset = 0;
        foreach (var (name, t) in list)
        {
            long bytes = t.numel() * ElementSize(t.dtype);
            header[name] = new JsonObject
            {
                ["dtype"] = FromScalarType(t.dtype),
                ["shape"] = new JsonArray(t.shape.Select(d => (JsonNode?)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        int padded = (headerBytes.Length + 7) / 8 * 8;

        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(len, padded);
            fs.Write(len);
            fs.Write(headerBytes);
            for (int i = headerBytes.Length; i < padded; i++) fs.WriteByte((byte)' ');
            foreach (var (_, t) in list)
            {
                using var cpu = t.detach().to(CPU).contiguous();
                WriteFrom(fs, cpu);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Bytes per element of <paramref name="t"/>.</summary>
    public static int ElementSize(ScalarType t) => t switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new ArgumentException($"dtype {t} is not supported in safetensors here"),
    };

    // Tensor.bytes is a span over the CPU tensor's own memory (int-sized), so files stream straight into it.
    private static void ReadInto(FileStream fs, Tensor t)
    {
        long total = t.numel() * ElementSize(t.dtype);
        if (total > int.MaxValue)
        {
            // Split very large tensors along dim 0 so each piece's span fits an int.
            long rows = t.shape[0];
            long rowBytes = total / rows;
            long perChunk = Math.Max(1, int.MaxValue / rowBytes);
            for (long r = 0; r < rows; r += perChunk)
            {
                using var piece = t.narrow(0, r, Math.Min(perChunk, rows - r));
                fs.ReadExactly(piece.bytes);
            }
            return;
        }
        fs.ReadExactly(t.bytes);
    }

    private static void WriteFrom(FileStream fs, Tensor t)
    {
        long total = t.numel() * ElementSize(t.dtype);
        if (total == 0) return;
        if (total > int.MaxValue)
        {
            long rows = t.shape[0];
            long rowBytes = total / rows;
            long perChunk = Math.Max(1, int.MaxValue / rowBytes);
            for (long r = 0; r < rows; r += perChunk)
            {
                using var piece = t.narrow(0, r, Math.Min(perChunk, rows - r)).contiguous();
                fs.Write(piece.bytes);
            }
            return;
        }
        fs.Write(t.bytes);
    }
}
