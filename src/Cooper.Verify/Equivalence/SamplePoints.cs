using System.Numerics;

namespace Cooper.Verify.Equivalence;

/// <summary>
/// Deterministic sample points for comparing expressions with free variables. A variable's value
/// depends only on its name and the point index (FNV-1a + SplitMix64; never string.GetHashCode,
/// which changes between processes), so every run, thread and machine sees the same points.
/// Points 0–3 are positive, 4–5 negative, all with magnitudes in [0.6, 2.4]: √(x²) ≠ x is caught,
/// and nothing sits on the usual singularities 0 and ±1 exactly.
/// </summary>
internal static class SamplePoints
{
    public const int Count = 6;

    /// <summary>Fewest usable points (both sides finite) for a sampled verdict.</summary>
    public const int MinValid = 3;

    public static ulong Hash(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A deterministic number in [0, 1) from a hash and two small indices.</summary>
    public static double Unit(ulong hash, int i, int j) =>
        (Mix(hash ^ Mix((ulong)i * 0x100000001B3UL + (ulong)j)) >> 11) * (1.0 / (1UL << 53));

    public static Complex Value(string symbol, int point)
    {
        double magnitude = 0.6 + 1.8 * Unit(Hash(symbol), point, 7);
        return point >= 4 ? -magnitude : magnitude;
    }

    public static Dictionary<string, Complex> Environment(IEnumerable<string> symbols, int point)
    {
        var env = new Dictionary<string, Complex>(StringComparer.Ordinal);
        foreach (var s in symbols) env[s] = Value(s, point);
        return env;
    }
}
