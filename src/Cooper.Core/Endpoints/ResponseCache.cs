using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cooper.Endpoints;

/// <summary>
/// Successful replies keyed by SHA-256 of (base URL, request body); the body holds the model, the
/// messages and every sampling option, so any change to them is a miss. Memory always; optionally
/// also appended to <c>{dir}/chat-cache.jsonl</c> (one <c>{"key":…,"texts":[…]}</c> per line) and
/// reloaded on start, so a rerun of the same annotation costs no requests. Only replies are stored,
/// never headers, so the API key cannot reach the file.
/// </summary>
/// <remarks>
/// Appends from clients in this process are serialised per file; two processes sharing one file
/// may interleave lines. A torn last line (a crash mid-write) is skipped on load.
/// </remarks>
internal sealed class ResponseCache
{
    public const string FileName = "chat-cache.jsonl";

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> s_fileLocks = new();

    private readonly ConcurrentDictionary<string, string[]> _entries = new();
    private readonly string? _file;
    private readonly SemaphoreSlim? _fileLock;

    /// <summary>Lines of the cache file that could not be read (torn or foreign); skipped.</summary>
    public int SkippedLines { get; }

    public ResponseCache(string? dir)
    {
        if (dir is null) return;
        Directory.CreateDirectory(dir);
        _file = Path.GetFullPath(Path.Combine(dir, FileName));
        _fileLock = s_fileLocks.GetOrAdd(_file, _ => new SemaphoreSlim(1, 1));
        if (!File.Exists(_file)) return;
        foreach (var line in File.ReadLines(_file))
        {
            if (line.Length == 0) continue;
            try
            {
                var entry = JsonSerializer.Deserialize<Entry>(line);
                if (entry?.Key is { Length: > 0 } && entry.Texts is not null) _entries[entry.Key] = entry.Texts;
                else SkippedLines++;
            }
            catch (JsonException) { SkippedLines++; }
        }
    }

    public int Count => _entries.Count;

    /// <summary>Hex SHA-256 of the base URL and the exact request body.</summary>
    public static string Key(string baseUrl, string requestBody) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(baseUrl + "\n" + requestBody)));

    public bool TryGet(string key, out IReadOnlyList<string> texts)
    {
        bool hit = _entries.TryGetValue(key, out var found);
        texts = found is null ? [] : Array.AsReadOnly(found); // callers cannot edit the cached copy
        return hit;
    }

    /// <summary>
    /// Stores a reply. Not cancellable on purpose: once a reply is paid for, a caller's cancellation
    /// should neither lose it nor tear its line in the file.
    /// </summary>
    public async Task AddAsync(string key, IReadOnlyList<string> texts)
    {
        var copy = texts.ToArray();
        if (!_entries.TryAdd(key, copy) || _file is null) return;
        // One write per line so a reader never sees half of a line from this process.
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Entry(key, copy)) + "\n");
        await _fileLock!.WaitAsync().ConfigureAwait(false);
        try
        {
            await using var stream = new FileStream(_file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            await stream.WriteAsync(bytes).ConfigureAwait(false);
        }
        finally { _fileLock.Release(); }
    }

    private sealed record Entry([property: JsonPropertyName("key")] string Key, [property: JsonPropertyName("texts")] string[] Texts);
}
