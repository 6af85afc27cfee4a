namespace Cooper.Data.Embedded;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014; the seeder of xoshiro): a tiny PRNG whose output is fixed by
/// its algorithm, unlike <see cref="Random"/>, whose sequence may change between .NET versions. The
/// embedded task derives one generator per problem from (seed, split, index, attempt) with <see cref="Derive"/>.
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        return Finalize(z);
    }

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>], both inclusive.</summary>
    public int Range(int min, int max)
    {
        if (max < min) throw new ArgumentException($"empty range [{min}, {max}]", nameof(max));
        ulong span = (ulong)((long)max - min + 1);
        // Multiply-high maps 64 random bits onto [0, span); the bias is below span / 2^64, far under anything measurable here.
        return (int)(min + (long)(ulong)(((UInt128)NextUInt64() * span) >> 64));
    }

    /// <summary>
    /// An integer in [0, <paramref name="n"/>) by <c>NextUInt64() % n</c> (the draw <see cref="Shuffle{T}"/> uses;
    /// its modulo bias is below n / 2^64).
    /// </summary>
    public int Below(int n) =>
        n <= 0 ? throw new ArgumentOutOfRangeException(nameof(n), n, "must be ≥ 1") : (int)(NextUInt64() % (ulong)n);

    /// <summary>A double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>A uniformly chosen element of <paramref name="items"/>.</summary>
    public T Pick<T>(IReadOnlyList<T> items) =>
        items.Count == 0 ? throw new ArgumentException("cannot pick from an empty list", nameof(items)) : items[Range(0, items.Count - 1)];

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates, the <c>NextUInt64() % (i + 1)</c> draw).</summary>
    public void Shuffle<T>(T[] items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = (int)(NextUInt64() % (ulong)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A random permutation of 0 … <paramref name="count"/> − 1 drawn from <paramref name="seed"/>.</summary>
    public static int[] Permutation(int count, ulong seed)
    {
        var p = Enumerable.Range(0, count).ToArray();
        new SplitMix64(seed).Shuffle(p);
        return p;
    }

    /// <summary>A seed that depends on every part, in order (each part is mixed in with the SplitMix64 finalizer).</summary>
    public static ulong Derive(params ReadOnlySpan<ulong> parts)
    {
        ulong h = 0x243F6A8885A308D3UL; // digits of pi: any fixed non-zero start works
        foreach (var p in parts) h = Finalize(h ^ Finalize(p + 0x9E3779B97F4A7C15UL));
        return h;
    }

    private static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
