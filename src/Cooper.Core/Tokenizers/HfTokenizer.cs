using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Modeling;

namespace Cooper.Tokenizers;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> (e.g. Qwen2.5/Qwen3's byte-level BPE) run by HF's own Rust
/// <c>tokenizers</c> library through Tokenizers.DotNet, plus <c>tokenizer_config.json</c>'s eos/pad/bos
/// tokens and chat template.
/// </summary>
/// <remarks>
/// <see cref="Encode"/> adds no special tokens (HF's <c>add_special_tokens=False</c>, as
/// <c>apply_chat_template</c> tokenizes): Tokenizers.DotNet always runs the post-processor, so the
/// BOS/EOS a <c>TemplateProcessing</c> (Llama 3), Bert or Roberta post-processor adds around a single
/// sequence is removed again — chat text that already starts with <c>&lt;|begin_of_text|&gt;</c> keeps one.
/// Tokenizers.DotNet exposes only encode and decode (decode always skips special tokens), so this
/// class reads the added tokens from <c>tokenizer.json</c> itself and decodes runs of ordinary ids
/// through the library, inserting added tokens' text between them as HF does. Its native library is
/// referenced for linux-x64; other platforms need their <c>Tokenizers.DotNet.runtime.*</c> package.
/// </remarks>
public sealed class HfTokenizer : ITokenizer, IDisposable
{
    private readonly global::Tokenizers.DotNet.Tokenizer _native;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (string Content, bool Special)> _added;
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int> _special;
    private readonly string _sourceDir;
    private readonly int[] _addedPrefix = [], _addedSuffix = [];   // ids the post-processor puts around a single sequence

    /// <summary>The raw Jinja <c>chat_template</c> from <c>tokenizer_config.json</c>, if any.</summary>
    public string? ChatTemplateSource { get; }

    public int VocabSize { get; }
    public int? EosTokenId { get; }
    public int? PadTokenId { get; }
    public int? BosTokenId { get; }
    public IReadOnlyDictionary<string, int> SpecialTokens => _special;

    private HfTokenizer(string dir)
    {
        _sourceDir = Path.GetFullPath(dir);
        var jsonPath = Path.Combine(dir, "tokenizer.json");
        if (!File.Exists(jsonPath)) throw new FileNotFoundException($"{dir} has no tokenizer.json", jsonPath);

        using (var doc = CheckpointJson.ReadDocument(jsonPath))
        {
            var root = doc.RootElement;
            _added = [];
            if (root.TryGetProperty("added_tokens", out var added))
                foreach (var t in added.EnumerateArray())
                    _added[t.GetProperty("id").GetInt32()] = (t.GetProperty("content").GetString()!, t.TryGetProperty("special", out var sp) && sp.GetBoolean());
            _vocab = [];
            if (root.TryGetProperty("model", out var model) && model.TryGetProperty("vocab", out var vocab) && vocab.ValueKind == JsonValueKind.Object)
                foreach (var kv in vocab.EnumerateObject()) _vocab[kv.Name] = kv.Value.GetInt32();
            if (root.TryGetProperty("post_processor", out var post) && post.ValueKind == JsonValueKind.Object)
                (_addedPrefix, _addedSuffix) = SpecialTokensAdded(post);
        }
        foreach (var (id, (content, _)) in _added) _vocab[content] = id;
        _special = _added.Where(kv => kv.Value.Special).ToDictionary(kv => kv.Value.Content, kv => kv.Key);
        VocabSize = _vocab.Count == 0 ? 0 : _vocab.Values.Max() + 1;

        var configPath = Path.Combine(dir, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            var cfg = CheckpointJson.ReadObject(configPath);
            EosTokenId = TokenFromConfig(cfg, "eos_token");
            PadTokenId = TokenFromConfig(cfg, "pad_token");
            BosTokenId = TokenFromConfig(cfg, "bos_token");
            ChatTemplateSource = cfg["chat_template"] is JsonValue ct && ct.TryGetValue<string>(out var s) ? s : null;
        }
        _native = new global::Tokenizers.DotNet.Tokenizer(vocabPath: jsonPath);
    }

    /// <summary>Loads <c>tokenizer.json</c> (+ <c>tokenizer_config.json</c> when present) from <paramref name="dir"/>.</summary>
    public static HfTokenizer Load(string dir) => new(dir);

    private int? TokenFromConfig(JsonObject cfg, string key)
    {
        string? content = cfg[key] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonObject o => o["content"]?.GetValue<string>(),
            _ => null,
        };
        if (content is null) return null;
        return _vocab.TryGetValue(content, out var id) ? id
            : throw new InvalidDataException($"tokenizer_config.json: {key} '{content}' is not a token of tokenizer.json");
    }

    public int[] Encode(string text)
    {
        if (text.Length == 0) return [];
        uint[] ids;
        lock (_lock) ids = _native.Encode(text);
        int start = StartsWith(ids, 0, _addedPrefix) ? _addedPrefix.Length : 0;
        int end = ids.Length - start >= _addedSuffix.Length && StartsWith(ids, ids.Length - _addedSuffix.Length, _addedSuffix) ? ids.Length - _addedSuffix.Length : ids.Length;
        var result = new int[end - start];
        for (int i = start; i < end; i++) result[i - start] = (int)ids[i];
        return result;
    }

    private static bool StartsWith(uint[] ids, int at, int[] expected)
    {
        if (expected.Length == 0 || at < 0 || at + expected.Length > ids.Length) return false;
        for (int i = 0; i < expected.Length; i++) if (ids[at + i] != (uint)expected[i]) return false;
        return true;
    }

    // The ids a post-processor adds before and after a single sequence: TemplateProcessing's special
    // tokens around $A, Bert's [CLS]/[SEP], Roberta's <s>/</s>; a Sequence is searched for them.
    private static (int[] Prefix, int[] Suffix) SpecialTokensAdded(JsonElement post)
    {
        string type = post.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        switch (type)
        {
            case "Sequence" when post.TryGetProperty("processors", out var list):
                foreach (var p in list.EnumerateArray())
                    if (SpecialTokensAdded(p) is var r && (r.Prefix.Length > 0 || r.Suffix.Length > 0)) return r;
                return ([], []);
            case "TemplateProcessing":
            {
                var specials = new Dictionary<string, int[]>();
                if (post.TryGetProperty("special_tokens", out var st))
                    foreach (var kv in st.EnumerateObject())
                        specials[kv.Name] = kv.Value.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray();
                var prefix = new List<int>();
                var suffix = new List<int>();
                bool seenSequence = false;
                foreach (var piece in post.GetProperty("single").EnumerateArray())
                {
                    if (piece.TryGetProperty("Sequence", out _)) { seenSequence = true; continue; }
                    if (piece.TryGetProperty("SpecialToken", out var sp) && specials.TryGetValue(sp.GetProperty("id").GetString()!, out var ids))
                        (seenSequence ? suffix : prefix).AddRange(ids);
                }
                return (prefix.ToArray(), suffix.ToArray());
            }
            case "BertProcessing" or "RobertaProcessing":
                return ([post.GetProperty("cls")[1].GetInt32()], [post.GetProperty("sep")[1].GetInt32()]);
            default:
                return ([], []);
        }
    }

    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = false)
    {
        var sb = new StringBuilder();
        var run = new List<uint>();
        void Flush()
        {
            if (run.Count == 0) return;
            lock (_lock) sb.Append(_native.Decode(run.ToArray()));
            run.Clear();
        }
        foreach (int id in ids)
        {
            if (id < 0 || id >= VocabSize) throw new ArgumentException($"token id {id} is outside the vocabulary (size {VocabSize})");
            if (_added.TryGetValue(id, out var a))
            {
                Flush();
                if (!(a.Special && skipSpecialTokens)) sb.Append(a.Content);
            }
            else
            {
                run.Add((uint)id);
            }
        }
        Flush();
        return sb.ToString();
    }

    public int? TokenToId(string token) => _vocab.TryGetValue(token, out var id) ? id : null;

    /// <summary>Copies the source <c>tokenizer.json</c> and <c>tokenizer_config.json</c> (this class never changes them).</summary>
    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        if (Path.GetFullPath(dir) == _sourceDir) return;
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json" })
        {
            var src = Path.Combine(_sourceDir, f);
            if (File.Exists(src)) File.Copy(src, Path.Combine(dir, f), overwrite: true);
        }
    }

    public void Dispose() => _native.Dispose();
}
