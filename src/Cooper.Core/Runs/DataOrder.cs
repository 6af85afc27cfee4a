using Cooper.Data.Embedded;

namespace Cooper.Runs;

/// <summary>
/// The order a trainer reads its dataset in: epoch e is a permutation of the items fixed by (seed, e),
/// and the items are read in that order, epoch after epoch. Position p of the stream is item
/// <c>Epoch(p / count)[p % count]</c>, so a resumed run knows where it is from its step alone.
/// <para>
/// <see cref="Shuffled"/> is the permutation GRPO and SFT use (<see cref="SplitMix64.Permutation"/> of
/// <c>Derive(seed, stream, epoch)</c>); the reward-model trainer passes its own, drawn differently, so
/// that the shipped reward model's recipe reproduces.
/// </para>
/// </summary>
public sealed class DataOrder
{
    private readonly Func<long, int[]> _permutation;
    private readonly Dictionary<long, int[]> _cache = [];

    /// <summary>An order over <paramref name="count"/> items whose epoch e is <paramref name="permutation"/>(e).</summary>
    public DataOrder(int count, Func<long, int[]> permutation)
    {
        if (count < 1) throw new ArgumentException($"a data order needs at least one item (got {count})", nameof(count));
        Count = count;
        _permutation = permutation;
    }

    /// <summary>
    /// Epoch e is <see cref="SplitMix64.Permutation"/>(count, <see cref="SplitMix64.Derive"/>(seed, stream, e)):
    /// <paramref name="stream"/> keeps trainers that share a seed from sharing an order.
    /// </summary>
    public static DataOrder Shuffled(int count, long seed, ulong stream) =>
        new(count, epoch => SplitMix64.Permutation(count, SplitMix64.Derive((ulong)seed, stream, (ulong)epoch)));

    /// <summary>Items per epoch.</summary>
    public int Count { get; }

    /// <summary>The order of epoch <paramref name="epoch"/> (cached; the two most recent epochs are kept).</summary>
    public int[] Epoch(long epoch)
    {
        if (_cache.TryGetValue(epoch, out var p)) return p;
        if (_cache.Count >= 2) _cache.Remove(_cache.Keys.Min());
        return _cache[epoch] = _permutation(epoch);
    }

    /// <summary>The item at position <paramref name="position"/> of the stream.</summary>
    public int this[long position] => Epoch(position / Count)[(int)(position % Count)];

    /// <summary>The <paramref name="length"/> items from position <paramref name="start"/> on (crossing epochs as needed).</summary>
    public IEnumerable<int> Range(long start, int length)
    {
        for (long p = start; p < start + length; p++) yield return this[p];
    }
}
