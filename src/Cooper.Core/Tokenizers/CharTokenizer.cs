using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Modeling;

namespace Cooper.Tokenizers;

/// <summary>
/// A character-level tokenizer for small embedded models: special tokens first (ids 0…k−1), then one id
/// per character (Unicode scalar); characters outside the set map to <c>&lt;unk&gt;</c>.
/// </summary>
/// <remarks>
/// Saved as a real HF <c>tokenizer.json</c> — a BPE model with no merges (so every character is one
/// token), no normalizer or pre-tokenizer, special tokens as added tokens, and a <c>Fuse</c> decoder —
/// which HF <c>tokenizers</c>/<c>transformers</c> (<c>PreTrainedTokenizerFast</c>) load and which gives
/// the same ids as this class (a test checks it through the Rust library). <c>tokenizer_config.json</c>
/// carries <c>"cooper_tokenizer": "char"</c> so <see cref="TokenizerLoader"/> picks this class back.
/// </remarks>
public sealed class CharTokenizer : ITokenizer
{
    /// <summary>Special tokens a fresh tokenizer gets: ChatML's markers and end-of-text.</summary>
    public static readonly IReadOnlyList<string> DefaultSpecialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

    public const string UnkToken = "<unk>";
    public const string MarkerKey = "cooper_tokenizer";

    private readonly string[] _idToToken;
    private readonly Dictionary<string, int> _tokenToId;
    private readonly Dictionary<string, int> _special;
    private readonly string[] _specialsLongestFirst;
    private readonly HashSet<char> _specialFirstChars;
    private readonly int _unkId;
    private readonly string? _eosToken, _padToken, _bosToken;

    public int VocabSize => _idToToken.Length;
    public int? EosTokenId => _eosToken is null ? null : _tokenToId[_eosToken];
    public int? PadTokenId => _padToken is null ? null : _tokenToId[_padToken];
    public int? BosTokenId => _bosToken is null ? null : _tokenToId[_bosToken];
    public IReadOnlyDictionary<string, int> SpecialTokens => _special;

    /// <summary>The ordinary (non-special) characters, in id order.</summary>
    public IEnumerable<string> Characters => _idToToken.Where(t => !_special.ContainsKey(t));

    private CharTokenizer(IReadOnlyList<string> tokens, IReadOnlyCollection<string> specials, string? eos, string? pad, string? bos)
    {
        _idToToken = tokens.ToArray();
        _tokenToId = [];
        for (int i = 0; i < _idToToken.Length; i++)
            if (!_tokenToId.TryAdd(_idToToken[i], i)) throw new ArgumentException($"token '{_idToToken[i]}' appears twice in the vocabulary");
        _special = specials.ToDictionary(s => s, s => _tokenToId[s]);
        _specialsLongestFirst = specials.OrderByDescending(s => s.Length).ToArray();
        _specialFirstChars = specials.Select(s => s[0]).ToHashSet();
        _unkId = _tokenToId.TryGetValue(UnkToken, out var u) ? u : throw new ArgumentException($"the vocabulary needs {UnkToken}");
        foreach (var t in new[] { eos, pad, bos })
            if (t is not null && !_special.ContainsKey(t)) throw new ArgumentException($"'{t}' must be one of the special tokens [{string.Join(", ", specials)}]");
        (_eosToken, _padToken, _bosToken) = (eos, pad, bos);
    }

    /// <summary>
    /// A tokenizer over the characters of <paramref name="characters"/> (duplicates ignored) with
    /// <paramref name="specialTokens"/> (default <see cref="DefaultSpecialTokens"/>) and <c>&lt;unk&gt;</c>.
    /// End-of-sequence is <paramref name="eosToken"/>; padding defaults to it as in Qwen.
    /// </summary>
    public static CharTokenizer Create(string characters, IReadOnlyList<string>? specialTokens = null, string eosToken = "<|endoftext|>", string? padToken = null)
    {
        var specials = (specialTokens ?? DefaultSpecialTokens).ToList();
        if (specials.Any(string.IsNullOrEmpty)) throw new ArgumentException("special tokens must be non-empty");
        if (!specials.Contains(UnkToken)) specials.Add(UnkToken);
        var tokens = new List<string>(specials);
        var seen = new HashSet<string>(specials);
        foreach (var r in characters.EnumerateRunes())
        {
            var s = r.ToString();
            if (seen.Add(s)) tokens.Add(s);
        }
        return new CharTokenizer(tokens, specials, eosToken, padToken ?? eosToken, null);
    }

    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            if (_specialFirstChars.Contains(text[i]) && MatchSpecial(text, i) is { } sp)
            {
                ids.Add(_special[sp]);
                i += sp.Length;
                continue;
            }
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out int used);
            ids.Add(_tokenToId.TryGetValue(rune.ToString(), out var id) ? id : _unkId);
            i += used;
        }
        return ids.ToArray();
    }

    private string? MatchSpecial(string text, int at)
    {
        foreach (var s in _specialsLongestFirst)
            if (string.CompareOrdinal(text, at, s, 0, s.Length) == 0 && at + s.Length <= text.Length) return s;
        return null;
    }

    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = false)
    {
        var sb = new StringBuilder(ids.Count);
        foreach (int id in ids)
        {
            if (id < 0 || id >= _idToToken.Length) throw new ArgumentException($"token id {id} is outside the vocabulary (size {_idToToken.Length})");
            var t = _idToToken[id];
            if (skipSpecialTokens && _special.ContainsKey(t)) continue;
            sb.Append(t);
        }
        return sb.ToString();
    }

    public int? TokenToId(string token) => _tokenToId.TryGetValue(token, out var id) ? id : null;

    /// <summary>Writes an HF-loadable <c>tokenizer.json</c> and a <c>tokenizer_config.json</c> (see remarks).</summary>
    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        var vocab = new JsonObject();
        for (int i = 0; i < _idToToken.Length; i++) vocab[_idToToken[i]] = i;
        var added = new JsonArray();
        foreach (var (content, id) in _special.OrderBy(kv => kv.Value))
            added.Add(new JsonObject
            {
                ["id"] = id,
                ["content"] = content,
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            });
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = null,
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "Fuse" },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = UnkToken,
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray(),
            },
        };
        var config = new JsonObject
        {
            [MarkerKey] = "char",
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
            ["eos_token"] = _eosToken,
            ["pad_token"] = _padToken,
            ["bos_token"] = _bosToken,
            ["unk_token"] = UnkToken,
            ["clean_up_tokenization_spaces"] = false,
            ["model_max_length"] = 1_000_000,
        };
        if (_special.ContainsKey("<|im_start|>") && _special.ContainsKey("<|im_end|>"))
            config["chat_template"] = ChatTemplate.ChatMLJinja;
        var opts = new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), tokenizer.ToJsonString(opts) + "\n");
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), config.ToJsonString(opts) + "\n");
    }

    /// <summary>Reads a folder written by <see cref="Save"/>.</summary>
    public static CharTokenizer Load(string dir)
    {
        var tok = CheckpointJson.ReadObject(Path.Combine(dir, "tokenizer.json"));
        var vocab = tok["model"]?["vocab"] as JsonObject ?? throw new InvalidDataException($"{dir}/tokenizer.json has no model.vocab");
        var tokens = new string[vocab.Count];
        foreach (var (t, id) in vocab)
        {
            int i = id!.GetValue<int>();
            if (i < 0 || i >= tokens.Length || tokens[i] is not null) throw new InvalidDataException($"{dir}/tokenizer.json: ids must be 0..{tokens.Length - 1} without gaps (bad id {i})");
            tokens[i] = t;
        }
        var specials = (tok["added_tokens"] as JsonArray ?? []).Where(a => a?["special"]?.GetValue<bool>() == true).Select(a => a!["content"]!.GetValue<string>()).ToList();
        var cfgPath = Path.Combine(dir, "tokenizer_config.json");
        var cfg = File.Exists(cfgPath) ? CheckpointJson.ReadObject(cfgPath) : [];
        string? Get(string key) => cfg[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        return new CharTokenizer(tokens, specials, Get("eos_token"), Get("pad_token"), Get("bos_token"));
    }
}
