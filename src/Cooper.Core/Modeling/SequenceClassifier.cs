using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cooper.Modeling;

/// <summary>
/// A sequence classifier in HF's <c>Qwen2ForSequenceClassification</c> / <c>LlamaForSequenceClassification</c>
/// layout: the backbone <c>model</c> and <c>score</c> = Linear(hidden, num_labels, bias: false), pooled at
/// the last non-padding token. The reward model's head (num_labels = 1).
/// </summary>
/// <remarks>
/// Pooling follows HF: the last position whose token is not <c>pad_token_id</c> (the rightmost one, so it
/// works for left and right padding alike). Without a pad id it falls back to the attention mask's last 1,
/// else the last position. Position ids come from the attention mask, as in <see cref="CausalLM"/>.
/// </remarks>
public sealed class SequenceClassifier : nn.Module
{
    private readonly TransformerModel _model;
    private readonly Linear _score;

    public ModelConfig Config { get; }

    public SequenceClassifier(ModelConfig config) : base("SequenceClassifier")
    {
        // HF's PretrainedConfig: num_labels defaults to 2 when the config names no labels.
        if (config.NumLabels < 1) config = config with { Labels = ["LABEL_0", "LABEL_1"] };
        Config = config.Validate();
        _model = new TransformerModel(config);
        _score = nn.Linear(config.HiddenSize, config.NumLabels, hasBias: false);
        register_module("model", _model);
        register_module("score", _score);
    }

    public TransformerModel Backbone => _model;
    public Device Device => _model.EmbedWeight.device;
    public ScalarType Dtype => _model.EmbedWeight.dtype;
    public int NumLabels => Config.NumLabels;
    public string ArchitectureName => Config.ModelType == "llama" ? "LlamaForSequenceClassification" : "Qwen2ForSequenceClassification";

    /// <summary>A fresh classifier with HF's initialisation drawn from <paramref name="seed"/>.</summary>
    public static SequenceClassifier Create(ModelConfig config, long seed, Device? device = null, ScalarType? dtype = null)
    {
        var m = new SequenceClassifier(config);
        HfCheckpoint.InitializeWeights(m, config.InitializerRange, seed, config.PadTokenId);
        m.eval();
        return (SequenceClassifier)m.to(dtype ?? ScalarType.Float32).to(device ?? CPU);
    }

    /// <summary>
    /// Reward-model initialisation: a classifier whose backbone is a copy of <paramref name="lm"/>'s
    /// (same device and dtype) and whose <c>score</c> head is drawn N(0, initializer_range²) from <paramref name="seed"/>.
    /// </summary>
    public static SequenceClassifier FromCausalLM(CausalLM lm, int numLabels = 1, long seed = 0)
    {
        if (numLabels < 1) throw new ArgumentException($"numLabels must be ≥ 1, got {numLabels}");
        var config = lm.Config with
        {
            Architectures = [lm.Config.ModelType == "llama" ? "LlamaForSequenceClassification" : "Qwen2ForSequenceClassification"],
            Labels = Enumerable.Range(0, numLabels).Select(i => $"LABEL_{i}").ToArray(),
        };
        var m = Create(config, seed, lm.Device, lm.Dtype);
        var source = lm.Backbone.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in m.Backbone.named_parameters()) p.copy_(source[name]);
        return m;
    }

    /// <summary>Loads an HF classification folder with strict key and shape checks (see <see cref="CausalLM.FromPretrained"/>).</summary>
    public static SequenceClassifier FromPretrained(string dir, Device? device = null, ScalarType? dtype = null)
    {
        var config = ModelConfig.Load(dir);
        var m = new SequenceClassifier(config);
        m.to(dtype ?? CausalLM.DefaultDtype(config));
        HfCheckpoint.LoadInto(m, dir, name => name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal));
        m.eval();
        return (SequenceClassifier)m.to(device ?? CPU);
    }

    /// <summary>Writes <c>config.json</c> (architectures, num_labels via id2label/label2id) and the weights.</summary>
    public void SavePretrained(string dir, long maxShardBytes = HfCheckpoint.DefaultMaxShardBytes)
    {
        Directory.CreateDirectory(dir);
        (Config with { Architectures = [ArchitectureName], Dtype = HfCheckpoint.DtypeName(Dtype) }).Save(Path.Combine(dir, "config.json"));
        HfCheckpoint.Save(this, dir, maxShardBytes);
    }

    /// <summary>Scores (B, num_labels) for <paramref name="inputIds"/> (B, T) with optional mask (B, T).</summary>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null)
    {
        using var scope = torch.NewDisposeScope();
        Tensor? pos = attentionMask is null ? null : AttentionMasks.PositionIds(attentionMask);
        var hidden = _model.forward(inputIds, attentionMask, pos);                 // (B, T, C)
        var last = LastTokenIndex(inputIds, attentionMask);                         // (B,)
        var rows = torch.arange(inputIds.shape[0], ScalarType.Int64, inputIds.device);
        var pooled = hidden[rows, last];                                            // (B, C)
        return _score.forward(pooled).MoveToOuterDisposeScope();                    // (B, num_labels)
    }

    /// <summary>
    /// Scores (G, num_labels) of G sequences that all begin with <paramref name="prefixIds"/> (1, P): the
    /// prefix runs once (<see cref="Prefill"/>), then the G continuations <paramref name="suffixIds"/> (G, S),
    /// right-padded, attend over it (<see cref="ForwardContinuations"/>). Equal, up to float round-off, to
    /// <see cref="forward"/> on the G full sequences; the prefix's matmuls are paid once instead of G times.
    /// Inference only (no gradient flows through the cache).
    /// </summary>
    public Tensor ForwardSharedPrefix(Tensor prefixIds, Tensor suffixIds, Tensor lastIndex)
    {
        using var prefix = Prefill(prefixIds);
        return ForwardContinuations(prefix, suffixIds, lastIndex);
    }

    /// <summary>Runs one row <paramref name="prefixIds"/> (1, P) into a new KV cache of P positions (the caller disposes it).</summary>
    public KvCache Prefill(Tensor prefixIds)
    {
        if (prefixIds.shape[0] != 1) throw new ArgumentException($"the shared prefix must be one row, got {prefixIds.shape[0]}");
        if (torch.is_grad_enabled()) throw new InvalidOperationException("cached scoring is for inference: call it under torch.no_grad()");
        using var scope = torch.NewDisposeScope();                                  // the cache's own tensors are outside it
        var cache = new KvCache(Config, 1, (int)prefixIds.shape[1], Device, Dtype);
        try { _model.forward(prefixIds, cache: cache).Dispose(); }
        catch { cache.Dispose(); throw; }
        return cache;
    }

    /// <summary>
    /// Scores (G, num_labels) of the continuations <paramref name="suffixIds"/> (G, S), right-padded, of the
    /// one-row prefix in <paramref name="prefix"/> (left unchanged); row i is pooled at suffix position
    /// <paramref name="lastIndex"/>[i], its last real token.
    /// </summary>
    public Tensor ForwardContinuations(KvCache prefix, Tensor suffixIds, Tensor lastIndex)
    {
        if (torch.is_grad_enabled()) throw new InvalidOperationException("cached scoring is for inference: call it under torch.no_grad()");
        using var scope = torch.NewDisposeScope();
        long g = suffixIds.shape[0], s = suffixIds.shape[1];
        using var cache = prefix.Broadcast(g, prefix.Length + (int)s);
        var hidden = _model.forward(suffixIds, cache: cache);                       // (G, S, C), positions P … P+S-1
        var rows = torch.arange(g, ScalarType.Int64, suffixIds.device);
        var pooled = hidden[rows, lastIndex];                                       // (G, C)
        return _score.forward(pooled).MoveToOuterDisposeScope();                    // (G, num_labels)
    }

    /// <summary>HF's pooling index: argmax(arange(T) · (ids ≠ pad)), i.e. the rightmost non-pad position.</summary>
    public Tensor LastTokenIndex(Tensor inputIds, Tensor? attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        long t = inputIds.shape[1];
        var idx = torch.arange(t, ScalarType.Int64, inputIds.device);
        Tensor keep = Config.PadTokenId is { } pad
            ? inputIds.ne(pad).to(ScalarType.Int64)
            : attentionMask is not null ? attentionMask.to(ScalarType.Int64) : torch.ones_like(inputIds);
        return (idx * keep).argmax(-1).MoveToOuterDisposeScope();
    }
}
