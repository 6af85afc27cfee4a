using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Modeling;

/// <summary>
/// A preallocated key/value cache: per layer one K and one V tensor of (B, G, capacity, D). Each forward
/// writes its new positions in place at <see cref="Length"/> and attends over a view of the filled prefix,
/// so decoding never concatenates the cache. All rows share one write position (prompts are left-padded).
/// </summary>
/// <remarks>Owns its tensors (detached from any dispose scope): always dispose it.</remarks>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private bool _disposed;

    /// <summary>Positions filled so far.</summary>
    public int Length { get; private set; }

    /// <summary>Positions the cache can hold.</summary>
    public int Capacity { get; }

    /// <summary>Rows (sequences) in the cache.</summary>
    public long BatchSize => _keys[0].shape[0];

    public KvCache(ModelConfig config, long batchSize, int capacity, Device device, ScalarType dtype)
        : this(config.NumHiddenLayers, batchSize, capacity, config.NumKeyValueHeads, config.HeadDim, device, dtype)
    {
    }

    private KvCache(int layers, long batchSize, int capacity, long kvHeads, long headDim, Device device, ScalarType dtype)
    {
        if (batchSize <= 0) throw new ArgumentException($"batchSize must be > 0, got {batchSize}");
        if (capacity <= 0) throw new ArgumentException($"capacity must be > 0, got {capacity}");
        Capacity = capacity;
        _keys = new Tensor[layers];
        _values = new Tensor[layers];
        for (int i = 0; i < layers; i++)
        {
            // zeros, not empty: a slot is never read before it is written, but NaN garbage times a zero
            // attention weight would still be NaN if that ever changed.
            _keys[i] = torch.zeros([batchSize, kvHeads, capacity, headDim], dtype, device).DetachFromDisposeScope();
            _values[i] = torch.zeros([batchSize, kvHeads, capacity, headDim], dtype, device).DetachFromDisposeScope();
        }
    }

    /// <summary>
    /// Writes <paramref name="k"/>, <paramref name="v"/> (B, G, T, D) at positions past … past+T-1 of
    /// <paramref name="layer"/> and returns views (B, G, past+T, D) of the filled prefix.
    /// </summary>
    public (Tensor K, Tensor V) Append(int layer, Tensor k, Tensor v, int past)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long t = k.shape[2];
        using (var slot = _keys[layer].narrow(2, past, t)) slot.copy_(k);
        using (var slot = _values[layer].narrow(2, past, t)) slot.copy_(v);
        return (_keys[layer].narrow(2, 0, past + t), _values[layer].narrow(2, 0, past + t));
    }

    /// <summary>Marks <paramref name="t"/> more positions as filled (called once per forward, after all layers).</summary>
    public void Advance(int t) => Length += t;

    /// <summary>
    /// A new cache of <paramref name="rows"/> rows and <paramref name="capacity"/> positions whose first
    /// <see cref="Length"/> positions hold this one-row cache's contents in every row: a shared prompt
    /// computed once, then continued by many sequences.
    /// </summary>
    public KvCache Broadcast(long rows, int capacity)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (BatchSize != 1) throw new InvalidOperationException($"only a one-row cache can be broadcast, this one has {BatchSize} rows");
        if (capacity < Length) throw new ArgumentException($"capacity {capacity} is below the {Length} positions to copy");
        var k0 = _keys[0];
        var copy = new KvCache(_keys.Length, rows, capacity, k0.shape[1], k0.shape[3], k0.device, k0.dtype) { Length = Length };
        for (int i = 0; i < _keys.Length; i++)
        {
            using (var src = _keys[i].narrow(2, 0, Length))
            using (var dst = copy._keys[i].narrow(2, 0, Length)) dst.copy_(src);        // broadcasts the one row
            using (var src = _values[i].narrow(2, 0, Length))
            using (var dst = copy._values[i].narrow(2, 0, Length)) dst.copy_(src);
        }
        return copy;
    }

    /// <summary>Forgets the contents (the memory is reused).</summary>
    public void Reset() => Length = 0;

    /// <summary>
    /// Keeps only the rows <paramref name="rows"/> (int64 indices): finished sequences stop costing
    /// attention and matmul work. One copy of the cache; call it when enough rows finished.
    /// </summary>
    public void KeepRows(Tensor rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (int i = 0; i < _keys.Length; i++)
        {
            var k = _keys[i].index_select(0, rows).DetachFromDisposeScope();
            var v = _values[i].index_select(0, rows).DetachFromDisposeScope();
            _keys[i].Dispose();
            _values[i].Dispose();
            _keys[i] = k;
            _values[i] = v;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}
