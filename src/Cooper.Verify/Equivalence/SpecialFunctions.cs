using System.Numerics;

namespace Cooper.Verify.Equivalence;

/// <summary>Γ, binomials and gcd/lcm in doubles, for expressions that are not exactly rational.</summary>
internal static class SpecialFunctions
{
    // Lanczos approximation, g = 7, n = 9 (Numerical Recipes; ~15 significant digits).
    private static readonly double[] s_lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    public static double Gamma(double x)
    {
        if (x == Math.Floor(x))
        {
            if (x <= 0) return double.NaN;                  // poles
            if (x <= 171)
            {
                double f = 1;
                for (int i = 2; i < (int)x; i++) f *= i;
                return f;
            }
            return double.PositiveInfinity;
        }
        if (x < 0.5) return Math.PI / (Math.Sin(Math.PI * x) * Gamma(1 - x));
        x -= 1;
        double a = s_lanczos[0];
        double t = x + 7.5;
        for (int i = 1; i < 9; i++) a += s_lanczos[i] / (x + i);
        return Math.Sqrt(2 * Math.PI) * Math.Pow(t, x + 0.5) * Math.Exp(-t) * a;
    }

    public static Complex Binomial(Complex n, Complex k)
    {
        bool kInteger = k.Imaginary == 0 && k.Real == Math.Floor(k.Real) && k.Real >= 0;
        if (kInteger && k.Real <= 2000)
        {
            Complex acc = 1;
            for (int j = 0; j < (int)k.Real; j++) acc = acc * (n - j) / (j + 1);
            return acc;
        }
        if (n.Imaginary != 0 || k.Imaginary != 0) return new Complex(double.NaN, double.NaN);
        return Gamma(n.Real + 1) / (Gamma(k.Real + 1) * Gamma(n.Real - k.Real + 1));
    }

    public static double GcdLcm(double[] values, bool gcd)
    {
        long acc = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double v = Math.Round(values[i]);
            if (Math.Abs(values[i] - v) > 1e-9 * Math.Max(1, Math.Abs(v)) || Math.Abs(v) > 1e15) return double.NaN;
            long x = Math.Abs((long)v);
            if (i == 0) acc = x;
            else if (gcd) acc = (long)BigInteger.GreatestCommonDivisor(acc, x);
            else acc = acc == 0 || x == 0 ? 0 : acc / (long)BigInteger.GreatestCommonDivisor(acc, x) * x;
        }
        return acc;
    }
}
