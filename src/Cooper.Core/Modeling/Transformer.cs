using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Cooper.Modeling;

// The decoder-only transformer shared by Llama and Qwen2, one readable file in the manner of nanoGPT.
// Submodules are registered under Hugging Face's state_dict names (model.layers.N.self_attn.q_proj ...),
// so checkpoints load with strict key and shape checks. Shapes: B batch, T new positions, S = past + T
// key positions, C hidden, H query heads, G key/value heads, D head width, I MLP width, V vocab.
//
// Temporaries are disposed eagerly (`using var`): autograd keeps its own references to what backward
// needs, so this only lowers peak memory; the caller's dispose scope owns what a forward returns.

/// <summary>RMSNorm as HF computes it: normalise in float32, cast back, then scale.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    // Named like the HF key so TorchSharp's .to() rebinds the field (it matches fields by registered name).
#pragma warning disable IDE1006
    private Parameter weight;
#pragma warning restore IDE1006
    private readonly double _eps;

    public RmsNorm(long size, double eps) : base("RmsNorm")
    {
        weight = nn.Parameter(torch.ones(size));
        _eps = eps;
        register_parameter("weight", weight);
    }

    public override Tensor forward(Tensor x)
    {
        var dtype = x.dtype;
        bool upcast = dtype != ScalarType.Float32;
        using var h = upcast ? x.to(ScalarType.Float32) : x.alias();   // (..., C) f32
        using var squared = h.square();
        using var variance = squared.mean([-1], keepdim: true);        // (..., 1)
        using var inv = variance.add(_eps).rsqrt_();
        using var normed = h * inv;
        using var cast = upcast ? normed.to(dtype) : normed.alias();
        return weight * cast;
    }
}

/// <summary>
/// Token embedding (HF's <c>embed_tokens</c>). Its own module rather than TorchSharp's <c>Embedding</c>,
/// whose <c>weight</c> getter wraps a new handle on every access: this one exposes one Parameter, which
/// a tied output projection shares.
/// </summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private Parameter weight;   // (V, C); named like the HF key so .to() rebinds it
#pragma warning restore IDE1006

    public TokenEmbedding(long vocab, long hidden) : base("TokenEmbedding")
    {
        weight = nn.Parameter(torch.randn(vocab, hidden));
        register_parameter("weight", weight);
    }

    public Parameter Weight => weight;

    /// <summary>ids (…) → (…, C).</summary>
    public override Tensor forward(Tensor ids)
    {
        using var flat = ids.reshape(-1);
        using var rows = weight.index_select(0, flat);                    // (N, C)
        return rows.view([.. ids.shape, weight.shape[1]]);
    }
}

/// <summary>
/// Rotary position embeddings (HF's <c>*RotaryEmbedding</c>): inverse frequencies in float32, cos/sin built
/// from the position ids of each forward, so left-padded rows get the positions their attention mask gives them.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private Tensor _invFreq;   // (D/2,) f32 — not a registered buffer: it stays f32 when the model is cast to bf16

    public RotaryEmbedding(ModelConfig config)
    {
        int d = config.HeadDim;
        var r = config.Rope;
        using var scope = torch.NewDisposeScope();
        // HF: 1 / (base ** (arange(0, dim, 2, int64).float() / dim))
        var exponent = torch.arange(0, d, 2, ScalarType.Int64).to(ScalarType.Float32) / d;
        var invFreq = 1.0f / torch.pow(torch.tensor((float)r.Theta), exponent);
        switch (r.RopeType)
        {
            case "linear":
                invFreq = invFreq / (float)r.Factor!.Value;
                break;
            case "llama3":
                invFreq = Llama3InvFreq(invFreq, r);
                break;
        }
        _invFreq = invFreq.DetachFromDisposeScope();
    }

    /// <summary>HF's <c>_compute_llama3_parameters</c>: low frequencies divided by factor, a smooth ramp between.</summary>
    private static Tensor Llama3InvFreq(Tensor invFreq, RopeSettings r)
    {
        double factor = r.Factor!.Value, lowF = r.LowFreqFactor!.Value, highF = r.HighFreqFactor!.Value;
        double oldContext = r.OriginalMaxPositionEmbeddings!.Value;
        double lowFreqWavelen = oldContext / lowF;
        double highFreqWavelen = oldContext / highF;
        var wavelen = 2 * Math.PI / invFreq;
        var llama = torch.where(wavelen > lowFreqWavelen, invFreq / factor, invFreq);
        var smooth = (oldContext / wavelen - lowF) / (highF - lowF);
        var smoothed = (1 - smooth) * llama / factor + smooth * llama;
        var isMedium = (wavelen >= highFreqWavelen).logical_and(wavelen <= lowFreqWavelen);
        return torch.where(isMedium, smoothed, llama);
    }

    /// <summary>
    /// cos and sin for <paramref name="positionIds"/> (B, T), each (B, 1, T, D) in <paramref name="dtype"/>.
    /// The sin returned carries rotate_half's sign (−sin on the first half), see <see cref="Apply"/>.
    /// </summary>
    public (Tensor Cos, Tensor Sin) Compute(Tensor positionIds, ScalarType dtype)
    {
        if (_invFreq.device_type != positionIds.device_type || _invFreq.device_index != positionIds.device_index)
        {
            // Outside inference mode, so a first use inside generation does not make it an inference tensor.
            using var normal = torch.inference_mode(false);
            var moved = _invFreq.to(positionIds.device).DetachFromDisposeScope();
            _invFreq.Dispose();
            _invFreq = moved;
        }
        using var posF = positionIds.to(ScalarType.Float32);
        using var pos = posF.unsqueeze(-1);                                // (B, T, 1)
        using var freqs = pos * _invFreq;                                  // (B, T, D/2): one product per entry, as HF's matmul
        using var emb = torch.cat([freqs, freqs], -1);                     // (B, T, D)
        using var cos = emb.cos();
        using var sin = emb.sin();                                         // HF's attention_scaling is 1 for every rope type we accept
        // rotate_half(x) = cat(−x2, x1) = roll(x, D/2) · [−1 … −1, 1 … 1]: fold the sign into sin once per
        // forward so each layer's rotation is a roll and two multiplies.
        long half = emb.shape[^1] / 2;
        using (var firstHalf = sin.narrow(-1, 0, half)) firstHalf.neg_();
        using var cosT = cos.to(dtype);
        using var sinT = sin.to(dtype);
        return (cosT.unsqueeze(1), sinT.unsqueeze(1));
    }

    /// <summary>
    /// x·cos + rotate_half(x)·sin for x (B, heads, T, D), with <paramref name="signedSin"/> from
    /// <see cref="Compute"/>: rotate_half(x)·sin = roll(x, D/2)·signedSin.
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor signedSin)
    {
        long half = x.shape[^1] / 2;
        using var rolled = x.roll(half, -1);                               // (x2, x1)
        using var b = rolled * signedSin;
        var a = x * cos;
        return a.add_(b);                                                  // returns a itself
    }

    public void Dispose() => _invFreq.Dispose();
}

/// <summary>What the attention layers of one forward need besides the hidden states.</summary>
/// <param name="Cos">(B, 1, T, D).</param>
/// <param name="Sin">(B, 1, T, D).</param>
/// <param name="Mask">Boolean (B, 1, T, S), true = may attend; null when <paramref name="IsCausal"/> or when all keys are visible.</param>
/// <param name="IsCausal">No padding and no cache: SDPA's own causal mask (its fused kernels).</param>
/// <param name="Cache">KV cache written at <paramref name="PastLength"/>; null for a plain forward.</param>
/// <param name="PastLength">Positions already in the cache.</param>
public sealed record AttentionInputs(Tensor Cos, Tensor Sin, Tensor? Mask, bool IsCausal, KvCache? Cache, int PastLength);

/// <summary>Multi-head attention with grouped K/V heads, rotary embeddings and an optional KV cache (HF <c>self_attn</c>).</summary>
public sealed class Attention : nn.Module
{
    private readonly Linear _qProj, _kProj, _vProj, _oProj;
    private readonly int _layer, _heads, _kvHeads, _headDim;

    public Attention(ModelConfig c, int layer) : base("Attention")
    {
        _layer = layer;
        _heads = c.NumAttentionHeads;
        _kvHeads = c.NumKeyValueHeads;
        _headDim = c.HeadDim;
        _qProj = nn.Linear(c.HiddenSize, _heads * _headDim, hasBias: c.QkvBias);
        _kProj = nn.Linear(c.HiddenSize, _kvHeads * _headDim, hasBias: c.QkvBias);
        _vProj = nn.Linear(c.HiddenSize, _kvHeads * _headDim, hasBias: c.QkvBias);
        _oProj = nn.Linear(_heads * _headDim, c.HiddenSize, hasBias: c.OutputBias);
        register_module("q_proj", _qProj);
        register_module("k_proj", _kProj);
        register_module("v_proj", _vProj);
        register_module("o_proj", _oProj);
    }

    public Tensor forward(Tensor x, AttentionInputs a)
    {
        long b = x.shape[0], t = x.shape[1];
        int rep = _heads / _kvHeads;
        using var q0 = SplitHeads(Autocast.Linear(_qProj, x), _heads);                              // (B, H, T, D)
        using var k0 = SplitHeads(Autocast.Linear(_kProj, x), _kvHeads);                            // (B, G, T, D)
        using var v0 = SplitHeads(Autocast.Linear(_vProj, x), _kvHeads);                            // (B, G, T, D)
        using var q = RotaryEmbedding.Apply(q0, a.Cos, a.Sin);
        var kNew = RotaryEmbedding.Apply(k0, a.Cos, a.Sin);

        Tensor k, v;     // (B, G, S, D)
        if (a.Cache is { } cache)
        {
            // Write this step's keys/values into the preallocated cache; attend over the filled prefix (a view, no copy).
            (k, v) = cache.Append(_layer, kNew, v0, a.PastLength);
            kNew.Dispose();
        }
        else
        {
            k = kNew;
            v = v0.alias();
        }

        Tensor y;  // (B, T, H*D)
        if (t == 1 && rep > 1)
        {
            // Decode step: fold the query heads of each group into the query-length axis instead of
            // repeating K/V (which would copy the whole cache every step): (B, H, 1, D) -> (B, G, rep, D).
            using var qg = q.reshape(b, _kvHeads, rep, _headDim);
            using var att = F.scaled_dot_product_attention(qg, k, v, a.Mask);                // (B, G, rep, D)
            y = att.reshape(b, 1, _heads * _headDim);
        }
        else
        {
            using var kr = RepeatKv(k, rep);                                                 // (B, H, S, D)
            using var vr = RepeatKv(v, rep);
            using var att = F.scaled_dot_product_attention(q, kr, vr, a.Mask, is_casual: a.IsCausal); // (B, H, T, D)
            using var tr = att.transpose(1, 2);
            y = tr.reshape(b, t, _heads * _headDim);
        }
        k.Dispose();
        v.Dispose();
        using (y) return Autocast.Linear(_oProj, y);
    }

    /// <summary>(B, T, heads·D) → (B, heads, T, D); disposes the projection's own handle.</summary>
    private Tensor SplitHeads(Tensor projected, int heads)
    {
        using (projected)
        using (var split = projected.view(projected.shape[0], projected.shape[1], heads, _headDim))
            return split.transpose(1, 2);
    }

    /// <summary>HF's repeat_kv: (B, G, S, D) → (B, G·rep, S, D), key head g serving query heads g·rep … g·rep+rep-1.</summary>
    private static Tensor RepeatKv(Tensor x, int rep)
    {
        if (rep == 1) return x.alias();
        long b = x.shape[0], g = x.shape[1], s = x.shape[2], d = x.shape[3];
        using var u = x.unsqueeze(2);
        using var e = u.expand(b, g, rep, s, d);
        return e.reshape(b, g * rep, s, d);
    }
}

/// <summary>SwiGLU MLP: down(silu(gate(x)) · up(x)).</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear _gateProj, _upProj, _downProj;

    public Mlp(ModelConfig c) : base("Mlp")
    {
        _gateProj = nn.Linear(c.HiddenSize, c.IntermediateSize, hasBias: c.MlpBias);
        _upProj = nn.Linear(c.HiddenSize, c.IntermediateSize, hasBias: c.MlpBias);
        _downProj = nn.Linear(c.IntermediateSize, c.HiddenSize, hasBias: c.MlpBias);
        register_module("gate_proj", _gateProj);
        register_module("up_proj", _upProj);
        register_module("down_proj", _downProj);
    }

    public override Tensor forward(Tensor x)
    {
        using var gate = Autocast.Linear(_gateProj, x);   // (B, T, I)
        using var act = F.silu(gate);
        using var up = Autocast.Linear(_upProj, x);       // (B, T, I)
        using var h = act * up;
        return Autocast.Linear(_downProj, h);             // (B, T, C)
    }
}

/// <summary>Pre-norm block: x + attn(norm(x)), then h + mlp(norm(h)).</summary>
public sealed class DecoderLayer : nn.Module
{
    private readonly RmsNorm _inputLayernorm, _postAttentionLayernorm;
    private readonly Attention _selfAttn;
    private readonly Mlp _mlp;

    public DecoderLayer(ModelConfig c, int layer) : base("DecoderLayer")
    {
        _selfAttn = new Attention(c, layer);
        _mlp = new Mlp(c);
        _inputLayernorm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        _postAttentionLayernorm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        register_module("self_attn", _selfAttn);
        register_module("mlp", _mlp);
        register_module("input_layernorm", _inputLayernorm);
        register_module("post_attention_layernorm", _postAttentionLayernorm);
    }

    public Tensor forward(Tensor x, AttentionInputs a)
    {
        using var n1 = _inputLayernorm.forward(x);
        using var att = _selfAttn.forward(n1, a);
        using var h = x + att;
        using var n2 = _postAttentionLayernorm.forward(h);
        using var m = _mlp.forward(n2);
        return h + m;
    }
}

/// <summary>
/// The backbone HF calls <c>model</c> (<c>LlamaModel</c>/<c>Qwen2Model</c>): token embedding, decoder
/// layers, final norm. Returns the final normalised hidden states (B, T, C).
/// </summary>
public sealed class TransformerModel : nn.Module
{
    private readonly TokenEmbedding _embedTokens;
    private readonly ModuleList<DecoderLayer> _layers;
    private readonly RmsNorm _norm;
    private readonly RotaryEmbedding _rotary;

    public ModelConfig Config { get; }

    public TransformerModel(ModelConfig config) : base("TransformerModel")
    {
        Config = config.Validate();
        _embedTokens = new TokenEmbedding(config.VocabSize, config.HiddenSize);
        _layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new DecoderLayer(config, i)).ToArray());
        _norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        _rotary = new RotaryEmbedding(config);
        register_module("embed_tokens", _embedTokens);
        register_module("layers", _layers);
        register_module("norm", _norm);
    }

    /// <summary>The input embedding matrix (V, C); the output projection of a tied model.</summary>
    public Parameter EmbedWeight => _embedTokens.Weight;

    /// <summary>
    /// Runs the backbone. <paramref name="attentionMask"/> is HF's 2-D mask (B, S) over past + new positions
    /// (1 = token, 0 = padding) or null for "no padding"; <paramref name="positionIds"/> (B, T) defaults to
    /// past … past+T-1 as in HF's forward (generation passes positions derived from the mask).
    /// </summary>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        long b = inputIds.shape[0], t = inputIds.shape[1];
        int past = cache?.Length ?? 0;
        if (cache is not null && past + t > cache.Capacity)
            throw new ArgumentException($"KV cache holds {cache.Capacity} positions; {past} used + {t} new do not fit");
        if (attentionMask is not null && attentionMask.shape[1] != past + t)
            throw new ArgumentException($"attention_mask has {attentionMask.shape[1]} columns; expected past ({past}) + new ({t}) = {past + t}");

        using var pos = positionIds?.alias() ?? DefaultPositions(past, t, b, inputIds.device);  // (B, T)
        using var h0 = _embedTokens.forward(inputIds);                                 // (B, T, C)
        var (cos, sin) = _rotary.Compute(pos, h0.dtype);                               // (B, 1, T, D)
        using var mask = AttentionMasks.Build(attentionMask, t, past, inputIds.device, out bool isCausal);
        var inputs = new AttentionInputs(cos, sin, mask, isCausal, cache, past);

        var h = h0.alias();
        foreach (var layer in _layers)
        {
            var next = layer.forward(h, inputs);
            h.Dispose();
            h = next;
        }
        cos.Dispose();
        sin.Dispose();
        cache?.Advance((int)t);
        using (h) return _norm.forward(h);
    }

    private static Tensor DefaultPositions(long past, long t, long b, Device device)
    {
        using var range = torch.arange(past, past + t, ScalarType.Int64, device);
        using var row = range.unsqueeze(0);
        return row.expand(b, t);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _rotary.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Attention masks and position ids from HF's 2-D padding mask.</summary>
public static class AttentionMasks
{
    /// <summary>
    /// The boolean (B, 1, T, S) mask: key j is visible to query i when j ≤ past + i and key j is not padding;
    /// every query always sees itself, so padding rows never become all-masked (which gives NaN in SDPA).
    /// Returns null with <paramref name="isCausal"/> = true when there is no padding and no past (SDPA's own
    /// causal path), and null with false for a single new token without padding (it sees every key).
    /// </summary>
    public static Tensor? Build(Tensor? mask2d, long t, int past, Device device, out bool isCausal)
    {
        isCausal = false;
        if (mask2d is null)
        {
            if (past == 0 && t > 1) { isCausal = true; return null; }
            if (t == 1) return null;
        }
        long s = past + t;
        using var scope = torch.NewDisposeScope();
        var keys = torch.arange(s, ScalarType.Int64, device);                         // (S,)
        var queries = torch.arange(past, past + t, ScalarType.Int64, device).unsqueeze(1); // (T, 1)
        var causal = keys.unsqueeze(0) <= queries;                                     // (T, S)
        if (mask2d is null) return causal.unsqueeze(0).unsqueeze(0).MoveToOuterDisposeScope();
        var valid = mask2d.to(ScalarType.Bool).unsqueeze(1).unsqueeze(1);            // (B, 1, 1, S)
        var self = (keys.unsqueeze(0) == queries).unsqueeze(0).unsqueeze(0);           // (1, 1, T, S)
        return causal.unsqueeze(0).unsqueeze(0).logical_and(valid.logical_or(self)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Position ids as HF's generate derives them: cumsum(mask) - 1, with padding positions set to 1.
    /// mask (B, S) → (B, S) int64.
    /// </summary>
    public static Tensor PositionIds(Tensor mask2d)
    {
        using var scope = torch.NewDisposeScope();
        var m = mask2d.to(ScalarType.Int64);
        var pos = m.cumsum(-1) - 1;
        return pos.masked_fill(m == 0, 1).MoveToOuterDisposeScope();
    }
}
