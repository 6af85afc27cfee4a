using System.Globalization;
using System.Numerics;

namespace Cooper.Data.Embedded;

/// <summary>An exact fraction (reduced, positive denominator) for checking arithmetic without rounding.</summary>
internal readonly record struct Rational
{
    public BigInteger Num { get; }
    public BigInteger Den { get; }

    public Rational(BigInteger num, BigInteger den)
    {
        if (den.IsZero) throw new DivideByZeroException();
        if (den.Sign < 0) { num = -num; den = -den; }
        var g = BigInteger.GreatestCommonDivisor(num, den);
        if (!g.IsOne && !g.IsZero) { num /= g; den /= g; }
        Num = num;
        Den = den;
    }

    public static Rational Zero => new(0, 1);

    public static Rational operator +(Rational a, Rational b) => new(a.Num * b.Den + b.Num * a.Den, a.Den * b.Den);
    public static Rational operator -(Rational a, Rational b) => new(a.Num * b.Den - b.Num * a.Den, a.Den * b.Den);
    public static Rational operator *(Rational a, Rational b) => new(a.Num * b.Num, a.Den * b.Den);
    public static Rational operator /(Rational a, Rational b) => new(a.Num * b.Den, a.Den * b.Num);

    public Rational Abs() => new(BigInteger.Abs(Num), Den);

    public static bool operator <(Rational a, Rational b) => a.Num * b.Den < b.Num * a.Den;
    public static bool operator >(Rational a, Rational b) => b < a;

    /// <summary>10^-places.</summary>
    public static Rational Unit(int places) => new(1, BigInteger.Pow(10, places));

    /// <summary>Whether the value has a decimal expansion of at most <paramref name="places"/> digits.</summary>
    public bool FitsPlaces(int places) => (BigInteger.Pow(10, places) * Num % Den).IsZero;

    /// <summary>Parses digits with an optional point and sign (<c>12</c>, <c>-0.75</c>, <c>.5</c>), commas already removed.</summary>
    public static bool TryParseDecimal(string text, out Rational value, out int places)
    {
        value = Zero;
        places = 0;
        text = text.Trim();
        bool negative = text.StartsWith('-');
        if (negative) text = text[1..];
        int dot = text.IndexOf('.');
        string whole = dot < 0 ? text : text[..dot], frac = dot < 0 ? "" : text[(dot + 1)..];
        if (whole.Length + frac.Length == 0 || !(whole + frac).All(char.IsAsciiDigit)) return false;
        if (dot >= 0 && frac.Length == 0) return false;
        places = frac.Length;
        var digits = BigInteger.Parse("0" + whole + frac, CultureInfo.InvariantCulture);
        value = new Rational(negative ? -digits : digits, BigInteger.Pow(10, places));
        return true;
    }

    public override string ToString()
    {
        if (Den.IsOne) return Num.ToString(CultureInfo.InvariantCulture);
        for (int p = 1; p <= 6; p++)
            if (FitsPlaces(p))
            {
                var scaled = BigInteger.Abs(Num) * BigInteger.Pow(10, p) / Den;
                var s = scaled.ToString(CultureInfo.InvariantCulture).PadLeft(p + 1, '0');
                return (Num.Sign < 0 ? "-" : "") + s[..^p] + "." + s[^p..];
            }
        return $"{Num.ToString(CultureInfo.InvariantCulture)}/{Den.ToString(CultureInfo.InvariantCulture)}";
    }
}
