using System.Globalization;
using System.Numerics;

namespace Cooper.Verify.Numerics;

/// <summary>
/// An exact rational number p/q with q &gt; 0 and gcd(p, q) = 1. Integers of any size; the
/// verifier's first resort for every comparison (exact arithmetic never produces a false positive).
/// Callers bound sizes through <see cref="MaxBits"/>: an operation whose result would be larger
/// returns <c>null</c> instead of allocating without limit.
/// </summary>
internal readonly struct BigRational : IEquatable<BigRational>, IComparable<BigRational>
{
    /// <summary>Largest numerator or denominator kept exactly (2006! has about 19 000 bits).</summary>
    public const long MaxBits = 200_000;

    public BigInteger Num { get; }
    public BigInteger Den { get; }

    public static readonly BigRational Zero = new(BigInteger.Zero, BigInteger.One, normalized: true);
    public static readonly BigRational One = new(BigInteger.One, BigInteger.One, normalized: true);

    private BigRational(BigInteger num, BigInteger den, bool normalized)
    {
        Num = num;
        Den = den;
    }

    public BigRational(BigInteger num, BigInteger den)
    {
        if (den.IsZero) throw new DivideByZeroException();
        if (den.Sign < 0) { num = -num; den = -den; }
        var g = BigInteger.GreatestCommonDivisor(num, den);
        if (!g.IsOne && !g.IsZero) { num /= g; den /= g; }
        Num = num;
        Den = num.IsZero ? BigInteger.One : den;
    }

    public static BigRational FromInteger(BigInteger n) => new(n, BigInteger.One, normalized: true);

    /// <summary>The exact value of a finite double (every double is a dyadic rational).</summary>
    public static BigRational FromDouble(double d)
    {
        if (!double.IsFinite(d)) throw new ArgumentException($"not finite: {d}", nameof(d));
        if (d == 0) return Zero;
        long bits = BitConverter.DoubleToInt64Bits(d);
        bool neg = bits < 0;
        int exp = (int)((bits >> 52) & 0x7FF);
        long mant = bits & 0xFFFFFFFFFFFFFL;
        if (exp == 0) exp++; else mant |= 1L << 52;
        exp -= 1075;
        BigInteger num = mant;
        var r = exp >= 0 ? FromInteger(num << exp) : new BigRational(num, BigInteger.One << -exp);
        return neg ? -r : r;
    }

    public bool IsInteger => Den.IsOne;
    public bool IsZero => Num.IsZero;
    public int Sign => Num.Sign;

    public static BigRational operator +(BigRational a, BigRational b) =>
        a.Den == b.Den ? new(a.Num + b.Num, a.Den) : new(a.Num * b.Den + b.Num * a.Den, a.Den * b.Den);
    public static BigRational operator -(BigRational a, BigRational b) => a + (-b);
    public static BigRational operator -(BigRational a) => new(-a.Num, a.Den, normalized: true);
    public static BigRational operator *(BigRational a, BigRational b) => new(a.Num * b.Num, a.Den * b.Den);
    public static BigRational operator /(BigRational a, BigRational b) => new(a.Num * b.Den, a.Den * b.Num);

    public BigRational Abs() => Num.Sign < 0 ? -this : this;

    /// <summary>Bits of the larger of numerator and denominator.</summary>
    public long Bits => Math.Max(Num.GetBitLength(), Den.GetBitLength());

    /// <summary>this^e for an integer e, or null when the result would exceed <see cref="MaxBits"/>.</summary>
    public BigRational? Pow(BigInteger e)
    {
        if (e.IsZero) return One;
        if (IsZero) return e.Sign > 0 ? Zero : null;
        if (Num.IsOne && Den.IsOne) return One;
        if (Num == BigInteger.MinusOne && Den.IsOne) return e.IsEven ? One : this;
        if (BigInteger.Abs(e) > MaxBits) return null;
        int n = (int)BigInteger.Abs(e);
        if (Bits * (long)n > MaxBits) return null;
        var p = new BigRational(BigInteger.Pow(Num, n), BigInteger.Pow(Den, n), normalized: true);
        return e.Sign > 0 ? p : One / p;
    }

    /// <summary>The exact k-th root when this is a perfect k-th power of a rational, else null.</summary>
    public BigRational? Root(int k)
    {
        if (k <= 0) return null;
        if (k == 1) return this;
        if (Num.Sign < 0)
        {
            if (k % 2 == 0) return null;
            var r = (-this).Root(k);
            return r is { } v ? -v : null;
        }
        var n = IntegerRoot(Num, k);
        var d = IntegerRoot(Den, k);
        return n is { } nn && d is { } dd ? new BigRational(nn, dd, normalized: true) : null;
    }

    private static BigInteger? IntegerRoot(BigInteger x, int k)
    {
        if (x.IsZero || x.IsOne) return x;
        // Newton iteration on integers, starting above the root.
        long bits = x.GetBitLength();
        var r = BigInteger.One << (int)(bits / k + 1);
        while (true)
        {
            var next = ((k - 1) * r + x / BigInteger.Pow(r, k - 1)) / k;
            if (next >= r) break;
            r = next;
        }
        return BigInteger.Pow(r, k) == x ? r : null;
    }

    public BigInteger Floor() => BigInteger.Divide(Num - (Num.Sign < 0 ? Den - 1 : 0), Den);
    public BigInteger Ceiling() => -(-this).Floor();

    /// <summary>Nearest integer, halves away from zero.</summary>
    public BigInteger RoundHalfAway()
    {
        var twice = new BigRational(2 * Num.Sign * Num + Den, 2 * Den);   // |x| + 1/2
        var f = twice.Floor();
        return Num.Sign < 0 ? -f : f;
    }

    /// <summary>Value as a double; huge or tiny magnitudes become ±∞ or 0 (callers check ranges).</summary>
    public double ToDouble()
    {
        long nb = Num.GetBitLength(), db = Den.GetBitLength();
        if (nb < 1000 && db < 1000) return (double)Num / (double)Den;
        // Shift both to ~64 significant bits, then scale by the remaining power of two.
        long shiftN = Math.Max(0, nb - 64), shiftD = Math.Max(0, db - 64);
        double n = (double)(Num >> (int)shiftN), d = (double)(Den >> (int)shiftD);
        long e = shiftN - shiftD;
        if (e > 4000) return n / d * double.PositiveInfinity;
        if (e < -4000) return 0.0 * Math.Sign(n);
        return Math.ScaleB(n / d, (int)e);
    }

    /// <summary>floor(log10(|x|)) for x ≠ 0, exact.</summary>
    public int FloorLog10()
    {
        var a = Abs();
        // Estimate from bit lengths, then correct by at most a couple of steps.
        double est = (a.Num.GetBitLength() - a.Den.GetBitLength()) * 0.30102999566398120;
        int k = (int)Math.Floor(est);
        while (CompareToPow10(a, k) < 0) k--;
        while (CompareToPow10(a, k + 1) >= 0) k++;
        return k;
    }

    private static int CompareToPow10(BigRational a, int k) =>
        k >= 0 ? (a.Num).CompareTo(a.Den * BigInteger.Pow(10, k)) : (a.Num * BigInteger.Pow(10, -k)).CompareTo(a.Den);

    /// <summary>round(x · 10^k) as an integer (halves away from zero); k may be negative.</summary>
    public BigInteger ScaledRound(int k) =>
        (k >= 0 ? this * FromInteger(BigInteger.Pow(10, k)) : this / FromInteger(BigInteger.Pow(10, -k))).RoundHalfAway();

    /// <summary>Longest literal <see cref="TryParseDecimal"/> reads (digit-by-digit parsing is quadratic).</summary>
    public const int MaxDecimalChars = 10_000;

    /// <summary>Parses "123", "-4.50", ".5", "1e-3" exactly.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<char> s, out BigRational value)
    {
        value = Zero;
        if (s.IsEmpty || s.Length > MaxDecimalChars) return false;
        bool neg = false;
        int i = 0;
        if (s[0] is '-' or '+') { neg = s[0] == '-'; i = 1; }
        BigInteger mant = BigInteger.Zero;
        int fracDigits = 0, digits = 0;
        bool seenDot = false;
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c >= '0' && c <= '9')
            {
                mant = mant * 10 + (c - '0');
                digits++;
                if (seenDot) fracDigits++;
            }
            else if (c == '.' && !seenDot) seenDot = true;
            else break;
        }
        if (digits == 0) return false;
        int exp = 0;
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            if (!int.TryParse(s[(i + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exp) || Math.Abs(exp) > 10_000) return false;
            i = s.Length;
        }
        if (i != s.Length) return false;
        int e10 = exp - fracDigits;
        value = e10 >= 0 ? FromInteger(mant * BigInteger.Pow(10, e10)) : new BigRational(mant, BigInteger.Pow(10, -e10));
        if (neg) value = -value;
        return true;
    }

    public bool Equals(BigRational other) => Num == other.Num && Den == other.Den;
    public override bool Equals(object? obj) => obj is BigRational r && Equals(r);
    public override int GetHashCode() => HashCode.Combine(Num, Den);
    public int CompareTo(BigRational other) => (Num * other.Den).CompareTo(other.Num * Den);
    public static bool operator ==(BigRational a, BigRational b) => a.Equals(b);
    public static bool operator !=(BigRational a, BigRational b) => !a.Equals(b);

    public override string ToString() => Den.IsOne ? Num.ToString(CultureInfo.InvariantCulture) : $"{Num}/{Den}";
}
