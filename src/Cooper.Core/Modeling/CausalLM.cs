using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Cooper.Modeling;

/// <summary>
/// A decoder-only language model matching HF <c>LlamaForCausalLM</c> / <c>Qwen2ForCausalLM</c>: the
/// backbone <c>model</c> and an output projection <c>lm_head</c>, or — with <c>tie_word_embeddings</c> —
/// the embedding's own Parameter (one Parameter, so one gradient and one optimizer entry).
/// </summary>
/// <remarks>
/// Position ids default to those the attention mask implies (cumsum(mask) − 1, as HF's <c>generate</c>
/// computes them), so a left-padded row scores exactly as it would unpadded and training log-probs match
/// rollouts. Without a mask they are 0…T−1 (past…past+T−1 with a cache), as in HF's forward.
/// </remarks>
public sealed class CausalLM : nn.Module
{
    private readonly TransformerModel _model;
    private readonly Linear? _lmHead;

    public ModelConfig Config { get; }

    public CausalLM(ModelConfig config) : base("CausalLM")
    {
        Config = config.Validate();
        _model = new TransformerModel(config);
        register_module("model", _model);
        if (!config.TieWordEmbeddings)
        {
            _lmHead = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
            register_module("lm_head", _lmHead);
        }
    }

    /// <summary>The backbone (HF's <c>model</c>).</summary>
    public TransformerModel Backbone => _model;

    /// <summary>The output projection (V, C): <c>lm_head.weight</c>, or the embedding when tied.</summary>
    public Tensor OutputWeight => _lmHead?.weight ?? _model.EmbedWeight;

    public Device Device => _model.EmbedWeight.device;
    public ScalarType Dtype => _model.EmbedWeight.dtype;

    /// <summary>HF's architecture name for this model type.</summary>
    public string ArchitectureName => Config.ModelType == "llama" ? "LlamaForCausalLM" : "Qwen2ForCausalLM";

    /// <summary>A fresh model with HF's initialisation drawn from <paramref name="seed"/>.</summary>
    public static CausalLM Create(ModelConfig config, long seed, Device? device = null, ScalarType? dtype = null)
    {
        var m = new CausalLM(config);
        HfCheckpoint.InitializeWeights(m, config.InitializerRange, seed, config.PadTokenId);
        m.eval();
        return (CausalLM)m.to(dtype ?? ScalarType.Float32).to(device ?? CPU);
    }

    /// <summary>
    /// Loads an HF folder (<c>config.json</c> + safetensors, single or sharded) with strict key and shape
    /// checks. The dtype defaults to the config's (<c>dtype</c>/<c>torch_dtype</c>), else float32.
    /// </summary>
    public static CausalLM FromPretrained(string dir, Device? device = null, ScalarType? dtype = null)
    {
        var config = ModelConfig.Load(dir);
        if (config.Architectures.Any(a => a.EndsWith("ForSequenceClassification", StringComparison.Ordinal)))
            throw new InvalidDataException($"{dir} holds a sequence-classification model ({string.Join(", ", config.Architectures)}): load it with SequenceClassifier.FromPretrained");
        var m = new CausalLM(config);
        m.to(dtype ?? DefaultDtype(config));
        HfCheckpoint.LoadInto(m, dir, m.IsIgnorableKey);
        m.eval();
        return (CausalLM)m.to(device ?? CPU);
    }

    /// <summary>
    /// Copies the weights of the HF folder <paramref name="dir"/> into this model in place (converting dtype and
    /// device), e.g. to serve a newer checkpoint of the same run. Its <c>config.json</c> must describe the same
    /// architecture (<see cref="ModelConfig.ArchitectureDifferences"/>); every safetensors header is checked
    /// before a weight is touched (<see cref="HfCheckpoint.LoadInto"/>), so a folder refused with
    /// <see cref="InvalidDataException"/> or <see cref="FileNotFoundException"/> leaves the weights unchanged.
    /// </summary>
    public void LoadWeights(string dir)
    {
        var config = ModelConfig.Load(dir);
        var differences = Config.ArchitectureDifferences(config);
        if (differences.Count > 0)
            throw new InvalidDataException(
                $"{Path.Combine(dir, "config.json")} describes another architecture than the loaded model: {string.Join("; ", differences)}");
        HfCheckpoint.LoadInto(this, dir, IsIgnorableKey);
    }

    /// <summary>Checkpoint keys with no parameter here: a tied <c>lm_head.weight</c>, old <c>rotary_emb.inv_freq</c> buffers.</summary>
    private bool IsIgnorableKey(string name) =>
        (Config.TieWordEmbeddings && name == "lm_head.weight") || name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal);

    internal static ScalarType DefaultDtype(ModelConfig config) =>
        config.Dtype is "bfloat16" or "float16" or "float32" ? HfCheckpoint.ParseDtype(config.Dtype) : ScalarType.Float32;

    /// <summary>Writes <c>config.json</c> and the weights as transformers' <c>save_pretrained</c> does.</summary>
    public void SavePretrained(string dir, long maxShardBytes = HfCheckpoint.DefaultMaxShardBytes)
    {
        Directory.CreateDirectory(dir);
        (Config with { Architectures = [ArchitectureName], Dtype = HfCheckpoint.DtypeName(Dtype) }).Save(Path.Combine(dir, "config.json"));
        HfCheckpoint.Save(this, dir, maxShardBytes);
    }

    /// <summary>A KV cache sized for this model.</summary>
    public KvCache NewCache(long batchSize, int capacity) => new(Config, batchSize, capacity, Device, Dtype);

    /// <summary>
    /// Logits (B, T, V) for <paramref name="inputIds"/> (B, T). <paramref name="attentionMask"/> (B, past+T)
    /// is 1 for tokens and 0 for padding; <paramref name="kvCache"/>, when given, is read and extended.
    /// </summary>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? kvCache = null)
    {
        using var h = ForwardHidden(inputIds, attentionMask, positionIds, kvCache);   // (B, T, C)
        return Logits(h);
    }

    /// <summary>Final normalised hidden states (B, T, C); see <see cref="forward"/>.</summary>
    public Tensor ForwardHidden(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? kvCache = null)
    {
        if (positionIds is null && attentionMask is not null)
        {
            using var all = AttentionMasks.PositionIds(attentionMask);                 // (B, past+T)
            using var pos = all.narrow(1, all.shape[1] - inputIds.shape[1], inputIds.shape[1]);
            return _model.forward(inputIds, attentionMask, pos, kvCache);
        }
        return _model.forward(inputIds, attentionMask, positionIds, kvCache);
    }

    /// <summary>Logits for hidden states: (…, C) → (…, V).</summary>
    public Tensor Logits(Tensor hidden) => F.linear(hidden, OutputWeight);

    /// <summary>
    /// Per-token log-probs of each next token: log p(input[:, t+1] | input[:, ≤t]) for t = 0 … T−2 →
    /// (B, T−1) float32, with gradient when grad mode is on. Positions come from the mask (see remarks);
    /// entries whose target is padding are meaningless and should be masked by the caller. Memory: the
    /// logits exist one chunk of positions at a time (<see cref="LogProbs.FromHidden"/>).
    /// </summary>
    public Tensor TokenLogProbs(Tensor inputIds, Tensor? attentionMask = null, double temperature = 1.0)
    {
        long t = inputIds.shape[1];
        if (t < 2) throw new ArgumentException($"TokenLogProbs needs at least 2 positions, got {t}");
        using var hidden = ForwardHidden(inputIds, attentionMask);                    // (B, T, C)
        using var h = hidden.narrow(1, 0, t - 1);                                       // (B, T-1, C)
        using var targets = inputIds.narrow(1, 1, t - 1);                               // (B, T-1)
        return LogProbs.FromHidden(h, OutputWeight, targets, temperature);
    }
}
