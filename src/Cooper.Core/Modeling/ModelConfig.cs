using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cooper.Modeling;

/// <summary>Which key layout a <c>config.json</c> uses for rotary settings and the dtype.</summary>
public enum ConfigLayout
{
    /// <summary>Top-level <c>rope_theta</c> (+ <c>rope_scaling</c>) and <c>torch_dtype</c>: transformers 4 and most hub models; transformers 5 reads it too.</summary>
    Legacy,

    /// <summary>transformers-5's <c>rope_parameters: {rope_type, rope_theta, ...}</c> and <c>dtype</c>.</summary>
    RopeParameters,
}

/// <summary>Rotary-embedding settings: HF's <c>rope_parameters</c> (or legacy <c>rope_theta</c> + <c>rope_scaling</c>).</summary>
/// <param name="RopeType"><c>default</c>, <c>linear</c> or <c>llama3</c>; any other is rejected by <see cref="ModelConfig.Validate"/>.</param>
/// <param name="Theta">Base of the inverse frequencies (<c>rope_theta</c>).</param>
/// <param name="Factor">Scaling factor (<c>linear</c>, <c>llama3</c>).</param>
/// <param name="LowFreqFactor">Llama-3: wavelengths above original_max/low_freq_factor are divided by <paramref name="Factor"/>.</param>
/// <param name="HighFreqFactor">Llama-3: wavelengths below original_max/high_freq_factor are kept.</param>
/// <param name="OriginalMaxPositionEmbeddings">Llama-3: context length the model was pre-trained with.</param>
public sealed record RopeSettings(
    string RopeType = "default",
    double Theta = 10000.0,
    double? Factor = null,
    double? LowFreqFactor = null,
    double? HighFreqFactor = null,
    int? OriginalMaxPositionEmbeddings = null);

/// <summary>
/// A Hugging Face <c>config.json</c> for <c>LlamaForCausalLM</c> / <c>Qwen2ForCausalLM</c> (and their
/// <c>ForSequenceClassification</c> heads). Known fields are typed; every other key is kept in
/// <see cref="Extra"/> and written back unchanged, so a loaded-then-saved config loads in transformers as before.
/// </summary>
/// <remarks>
/// Both rotary layouts are read: top-level <c>rope_theta</c>/<c>rope_scaling</c> (transformers 4, hub models)
/// and transformers-5's <c>rope_parameters</c>. <see cref="Save"/> writes the layout the file was read with
/// (<see cref="Layout"/>); fresh configs use <see cref="ConfigLayout.Legacy"/>, which both major versions read.
/// </remarks>
public sealed record ModelConfig
{
    /// <summary><c>qwen2</c> or <c>llama</c>.</summary>
    public string ModelType { get; init; } = "qwen2";

    /// <summary>HF class names, e.g. <c>Qwen2ForCausalLM</c>; <see cref="CausalLM"/>/<see cref="SequenceClassifier"/> set it when saving.</summary>
    public IReadOnlyList<string> Architectures { get; init; } = [];

    public int VocabSize { get; init; } = 512;
    public int HiddenSize { get; init; } = 64;
    public int IntermediateSize { get; init; } = 176;
    public int NumHiddenLayers { get; init; } = 2;
    public int NumAttentionHeads { get; init; } = 4;
    public int NumKeyValueHeads { get; init; } = 2;

    /// <summary>Explicit <c>head_dim</c> (Llama allows one); null means hidden_size / num_attention_heads.</summary>
    public int? HeadDimOverride { get; init; }

    /// <summary>Per-head width.</summary>
    public int HeadDim => HeadDimOverride ?? HiddenSize / NumAttentionHeads;

    /// <summary>MLP activation; only <c>silu</c> (SwiGLU) is supported.</summary>
    public string HiddenAct { get; init; } = "silu";

    public int MaxPositionEmbeddings { get; init; } = 2048;
    public double RmsNormEps { get; init; } = 1e-6;
    public RopeSettings Rope { get; init; } = new(Theta: 1_000_000.0);

    /// <summary>Llama's <c>attention_bias</c> (biases on q, k, v and o). Qwen2 always has q/k/v biases and no o bias.</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Llama's <c>mlp_bias</c>.</summary>
    public bool MlpBias { get; init; }

    /// <summary>Output projection shares the input embedding's Parameter.</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary>Standard deviation of the normal initialisation of fresh weights.</summary>
    public double InitializerRange { get; init; } = 0.02;

    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    public int? PadTokenId { get; init; }

    /// <summary>Weights' dtype as HF names it (<c>float32</c>, <c>bfloat16</c>, <c>float16</c>), or null.</summary>
    public string? Dtype { get; init; }

    /// <summary>Classification labels (<c>id2label</c>); its count is <c>num_labels</c>. Empty for causal LMs.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>Qwen2's <c>use_sliding_window</c>; true is rejected.</summary>
    public bool UseSlidingWindow { get; init; }

    /// <summary>transformers-5's per-layer attention kinds; anything but <c>full_attention</c> is rejected.</summary>
    public IReadOnlyList<string>? LayerTypes { get; init; }

    public ConfigLayout Layout { get; init; } = ConfigLayout.Legacy;

    /// <summary>Keys this type does not model, kept verbatim.</summary>
    public JsonObject Extra { get; init; } = [];

    private bool EosWasList { get; init; }

    /// <summary>Query heads per key/value head (grouped-query attention).</summary>
    public int KvGroups => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>Qwen2's q/k/v projections always carry a bias; Llama's follow <see cref="AttentionBias"/>.</summary>
    public bool QkvBias => ModelType == "qwen2" || AttentionBias;

    /// <summary>Only Llama's <c>attention_bias</c> puts a bias on o_proj.</summary>
    public bool OutputBias => ModelType == "llama" && AttentionBias;

    public int NumLabels => Labels.Count;

    /// <summary>A config shaped like Qwen2.5-0.5B (hidden 896, 24 layers, 14 heads, 2 KV heads, vocab 151936, tied).</summary>
    public static ModelConfig Qwen25_05B => new()
    {
        ModelType = "qwen2",
        Architectures = ["Qwen2ForCausalLM"],
        VocabSize = 151936,
        HiddenSize = 896,
        IntermediateSize = 4864,
        NumHiddenLayers = 24,
        NumAttentionHeads = 14,
        NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 32768,
        RmsNormEps = 1e-6,
        Rope = new RopeSettings(Theta: 1_000_000.0),
        TieWordEmbeddings = true,
        BosTokenId = 151643,
        EosTokenIds = [151643],
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the offending field and value for anything this model stack does not implement.</summary>
    public ModelConfig Validate()
    {
        if (ModelType is not ("qwen2" or "llama"))
            throw new ArgumentException($"model_type '{ModelType}' is not supported: use a 'llama' or 'qwen2' checkpoint");
        if (HiddenAct != "silu")
            throw new ArgumentException($"hidden_act '{HiddenAct}' is not supported: only 'silu' (SwiGLU) is implemented");
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(NumKeyValueHeads, "num_key_value_heads");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new ArgumentException($"num_attention_heads ({NumAttentionHeads}) must be a multiple of num_key_value_heads ({NumKeyValueHeads})");
        if (HeadDimOverride is null && HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentException($"hidden_size ({HiddenSize}) must be a multiple of num_attention_heads ({NumAttentionHeads}) when head_dim is not given");
        if (HeadDim % 2 != 0)
            throw new ArgumentException($"head_dim ({HeadDim}) must be even for rotary embeddings");
        if (UseSlidingWindow)
            throw new ArgumentException("use_sliding_window: true is not supported (sliding-window attention is not implemented); set it to false");
        if (LayerTypes?.FirstOrDefault(t => t != "full_attention") is { } lt)
            throw new ArgumentException($"layer_types contains '{lt}': only 'full_attention' layers are implemented");
        if (!(RmsNormEps > 0)) throw new ArgumentException($"rms_norm_eps must be > 0, got {RmsNormEps}");
        if (!(Rope.Theta > 0)) throw new ArgumentException($"rope_theta must be > 0, got {Rope.Theta}");
        switch (Rope.RopeType)
        {
            case "default":
                break;
            case "linear":
                if (Rope.Factor is not > 0) throw new ArgumentException($"rope type 'linear' needs factor > 0, got {Rope.Factor}");
                break;
            case "llama3":
                if (Rope.Factor is not > 0 || Rope.LowFreqFactor is not > 0 || Rope.HighFreqFactor is not > 0 || Rope.OriginalMaxPositionEmbeddings is not > 0)
                    throw new ArgumentException("rope type 'llama3' needs factor, low_freq_factor, high_freq_factor and original_max_position_embeddings, all > 0");
                if (Rope.HighFreqFactor <= Rope.LowFreqFactor)
                    throw new ArgumentException($"llama3 rope: high_freq_factor ({Rope.HighFreqFactor}) must exceed low_freq_factor ({Rope.LowFreqFactor})");
                break;
            default:
                throw new ArgumentException($"rope type '{Rope.RopeType}' is not supported: only 'default', 'linear' and 'llama3' are implemented");
        }
        if (PadTokenId is { } pad && (pad < 0 || pad >= VocabSize))
            throw new ArgumentException($"pad_token_id {pad} is outside the vocabulary (size {VocabSize})");
        return this;
    }

    /// <summary>
    /// The fields that make <paramref name="other"/> a different network than this one, each as
    /// <c>name: theirs (this: ours)</c>; empty when weights saved under one load into a model built from the other.
    /// Shapes (vocab, widths, layers, heads, biases, tying, labels) and the computation (activation, norm epsilon,
    /// rotary settings, context) count; ids, dtype and other bookkeeping do not.
    /// </summary>
    public IReadOnlyList<string> ArchitectureDifferences(ModelConfig other)
    {
        var differences = new List<string>();
        void Compare<T>(string name, T ours, T theirs)
        {
            if (!EqualityComparer<T>.Default.Equals(ours, theirs)) differences.Add($"{name}: {theirs} (this: {ours})");
        }
        Compare("model_type", ModelType, other.ModelType);
        Compare("vocab_size", VocabSize, other.VocabSize);
        Compare("hidden_size", HiddenSize, other.HiddenSize);
        Compare("intermediate_size", IntermediateSize, other.IntermediateSize);
        Compare("num_hidden_layers", NumHiddenLayers, other.NumHiddenLayers);
        Compare("num_attention_heads", NumAttentionHeads, other.NumAttentionHeads);
        Compare("num_key_value_heads", NumKeyValueHeads, other.NumKeyValueHeads);
        Compare("head_dim", HeadDim, other.HeadDim);
        Compare("hidden_act", HiddenAct, other.HiddenAct);
        Compare("max_position_embeddings", MaxPositionEmbeddings, other.MaxPositionEmbeddings);
        Compare("rms_norm_eps", RmsNormEps, other.RmsNormEps);
        Compare("rope", Rope, other.Rope);
        Compare("attention_bias", AttentionBias, other.AttentionBias);
        Compare("mlp_bias", MlpBias, other.MlpBias);
        Compare("tie_word_embeddings", TieWordEmbeddings, other.TieWordEmbeddings);
        Compare("num_labels", NumLabels, other.NumLabels);
        return differences;
    }

    private static void Positive(int v, string name)
    {
        if (v <= 0) throw new ArgumentException($"{name} must be > 0, got {v}");
    }

    // ---------------------------------------------------------------- JSON

    private static readonly HashSet<string> s_known =
    [
        "model_type", "architectures", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "num_key_value_heads", "head_dim", "hidden_act", "max_position_embeddings",
        "rms_norm_eps", "rope_theta", "rope_scaling", "rope_parameters", "attention_bias", "mlp_bias",
        "tie_word_embeddings", "initializer_range", "bos_token_id", "eos_token_id", "pad_token_id", "dtype",
        "torch_dtype", "id2label", "label2id", "num_labels", "use_sliding_window", "layer_types",
    ];

    /// <summary>Reads a <c>config.json</c> file (or the one in a folder) and validates it.</summary>
    public static ModelConfig Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"model config '{path}' does not exist", path);
        var node = CheckpointJson.ReadObject(path);
        try { return FromJson(node).Validate(); }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Parses a config JSON object (not validated).</summary>
    public static ModelConfig FromJson(JsonObject o)
    {
        var extra = new JsonObject();
        foreach (var (k, v) in o)
            if (!s_known.Contains(k)) extra[k] = v?.DeepClone();

        bool hasParams = o["rope_parameters"] is JsonObject;
        RopeSettings rope;
        if (hasParams)
        {
            rope = ParseRope((JsonObject)o["rope_parameters"]!, null);
        }
        else
        {
            double theta = Num(o, "rope_theta") ?? 10000.0;
            rope = o["rope_scaling"] is JsonObject scaling ? ParseRope(scaling, theta) : new RopeSettings(Theta: theta);
        }

        var labels = new List<string>();
        if (o["id2label"] is JsonObject id2label)
        {
            var pairs = id2label.Select(kv => (Id: int.Parse(kv.Key, CultureInfo.InvariantCulture), Label: kv.Value?.GetValue<string>() ?? "")).OrderBy(p => p.Id).ToList();
            for (int i = 0; i < pairs.Count; i++)
            {
                if (pairs[i].Id != i) throw new FormatException($"id2label keys must be 0..n-1, found {pairs[i].Id}");
                labels.Add(pairs[i].Label);
            }
        }
        else if (Int(o, "num_labels") is { } nl)
        {
            for (int i = 0; i < nl; i++) labels.Add($"LABEL_{i}");
        }

        var eosNode = o["eos_token_id"];
        IReadOnlyList<int> eos = eosNode switch
        {
            null => [],
            JsonArray a => a.Select(x => x!.GetValue<int>()).ToArray(),
            _ => [eosNode.GetValue<int>()],
        };

        var modelType = Str(o, "model_type") ?? "qwen2";
        return new ModelConfig
        {
            ModelType = modelType,
            Architectures = o["architectures"] is JsonArray arch ? arch.Select(x => x!.GetValue<string>()).ToArray() : [],
            VocabSize = Int(o, "vocab_size") ?? 32000,
            HiddenSize = Int(o, "hidden_size") ?? 4096,
            IntermediateSize = Int(o, "intermediate_size") ?? 11008,
            NumHiddenLayers = Int(o, "num_hidden_layers") ?? 32,
            NumAttentionHeads = Int(o, "num_attention_heads") ?? 32,
            NumKeyValueHeads = Int(o, "num_key_value_heads") ?? Int(o, "num_attention_heads") ?? 32,
            HeadDimOverride = Int(o, "head_dim"),
            HiddenAct = Str(o, "hidden_act") ?? "silu",
            MaxPositionEmbeddings = Int(o, "max_position_embeddings") ?? 2048,
            RmsNormEps = Num(o, "rms_norm_eps") ?? 1e-6,
            Rope = rope,
            AttentionBias = Bool(o, "attention_bias") ?? false,
            MlpBias = Bool(o, "mlp_bias") ?? false,
            // LlamaConfig and Qwen2Config both default to False (hub files state it either way).
            TieWordEmbeddings = Bool(o, "tie_word_embeddings") ?? false,
            InitializerRange = Num(o, "initializer_range") ?? 0.02,
            BosTokenId = Int(o, "bos_token_id"),
            EosTokenIds = eos,
            EosWasList = eosNode is JsonArray,
            PadTokenId = Int(o, "pad_token_id"),
            Dtype = Str(o, "dtype") ?? Str(o, "torch_dtype"),
            Labels = labels,
            UseSlidingWindow = Bool(o, "use_sliding_window") ?? false,
            LayerTypes = o["layer_types"] is JsonArray lt ? lt.Select(x => x!.GetValue<string>()).ToArray() : null,
            Layout = hasParams || (o.ContainsKey("dtype") && !o.ContainsKey("rope_theta")) ? ConfigLayout.RopeParameters : ConfigLayout.Legacy,
            Extra = extra,
        };
    }

    private static RopeSettings ParseRope(JsonObject r, double? theta)
    {
        // Legacy files spell the type "type" in older Llama releases.
        string type = Str(r, "rope_type") ?? Str(r, "type") ?? "default";
        return new RopeSettings(
            type,
            theta ?? Num(r, "rope_theta") ?? 10000.0,
            Num(r, "factor"),
            Num(r, "low_freq_factor"),
            Num(r, "high_freq_factor"),
            Int(r, "original_max_position_embeddings"));
    }

    /// <summary>The HF JSON for this config: known fields in HF's names, then <see cref="Extra"/>; keys sorted as transformers writes them.</summary>
    public JsonObject ToJson()
    {
        var o = new Dictionary<string, JsonNode?>
        {
            ["model_type"] = ModelType,
            ["architectures"] = new JsonArray(Architectures.Select(a => (JsonNode?)a).ToArray()),
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["hidden_act"] = HiddenAct,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["rms_norm_eps"] = RmsNormEps,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["initializer_range"] = InitializerRange,
            ["bos_token_id"] = BosTokenId,
            ["pad_token_id"] = PadTokenId,
            ["eos_token_id"] = EosTokenIds.Count switch
            {
                0 => null,
                1 when !EosWasList => EosTokenIds[0],
                _ => new JsonArray(EosTokenIds.Select(e => (JsonNode?)e).ToArray()),
            },
        };
        if (HeadDimOverride is { } hd) o["head_dim"] = hd;
        if (ModelType == "llama")
        {
            o["attention_bias"] = AttentionBias;
            o["mlp_bias"] = MlpBias;
        }
        if (ModelType == "qwen2") o["use_sliding_window"] = UseSlidingWindow;
        if (LayerTypes is not null) o["layer_types"] = new JsonArray(LayerTypes.Select(t => (JsonNode?)t).ToArray());

        var rope = new JsonObject();
        if (Layout == ConfigLayout.RopeParameters)
        {
            rope["rope_theta"] = Rope.Theta;
            rope["rope_type"] = Rope.RopeType;
            AddScaling(rope);
            o["rope_parameters"] = rope;
            if (Dtype is not null) o["dtype"] = Dtype;
        }
        else
        {
            o["rope_theta"] = Rope.Theta;
            if (Rope.RopeType != "default")
            {
                rope["rope_type"] = Rope.RopeType;
                AddScaling(rope);
                o["rope_scaling"] = rope;
            }
            else
            {
                o["rope_scaling"] = null;
            }
            if (Dtype is not null) o["torch_dtype"] = Dtype;
        }

        if (Labels.Count > 0)
        {
            var id2label = new JsonObject();
            var label2id = new JsonObject();
            for (int i = 0; i < Labels.Count; i++)
            {
                id2label[i.ToString(CultureInfo.InvariantCulture)] = Labels[i];
                label2id[Labels[i]] = i;
            }
            o["id2label"] = id2label;
            o["label2id"] = label2id;
        }

        foreach (var (k, v) in Extra)
            if (!o.ContainsKey(k)) o[k] = v?.DeepClone();
        var sorted = new JsonObject();
        foreach (var k in o.Keys.Order(StringComparer.Ordinal)) sorted[k] = o[k];
        return sorted;
    }

    private void AddScaling(JsonObject rope)
    {
        if (Rope.Factor is { } f) rope["factor"] = f;
        if (Rope.LowFreqFactor is { } lo) rope["low_freq_factor"] = lo;
        if (Rope.HighFreqFactor is { } hi) rope["high_freq_factor"] = hi;
        if (Rope.OriginalMaxPositionEmbeddings is { } om) rope["original_max_position_embeddings"] = om;
    }

    /// <summary>Writes <c>config.json</c> (to <paramref name="path"/>, or into it when it is a folder) atomically.</summary>
    public void Save(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        var json = ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, json);
        File.Move(tmp, path, overwrite: true);
    }

    private static string? Str(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
    private static bool? Bool(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    private static int? Int(JsonObject o, string key)
    {
        if (o[key] is not JsonValue v) return null;
        if (v.TryGetValue<int>(out var i)) return i;
        if (v.TryGetValue<double>(out var d) && d == Math.Floor(d)) return (int)d;
        throw new FormatException($"'{key}' must be an integer, got {v.ToJsonString()}");
    }

    private static double? Num(JsonObject o, string key)
    {
        if (o[key] is not JsonValue v) return null;
        if (v.TryGetValue<double>(out var d)) return d;
        throw new FormatException($"'{key}' must be a number, got {v.ToJsonString()}");
    }
}
