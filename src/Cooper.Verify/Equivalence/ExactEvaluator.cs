using System.Collections.Concurrent;
using System.Numerics;
using Cooper.Verify.Numerics;
using Cooper.Verify.Parsing;
using Cooper.Verify.Safety;

namespace Cooper.Verify.Equivalence;

/// <summary>
/// Evaluates a constant expression exactly over the rationals, or returns null when it is not
/// rational (π, √2, sin 1) or would exceed the size limits (10^{10^{10}}). Exact equality is the
/// verifier's strongest evidence and never confuses 1/2004! with 1/2006!.
/// </summary>
internal static class ExactEvaluator
{
    private static readonly ConcurrentDictionary<int, BigInteger> s_factorials = new();

    public static BigRational? Evaluate(Node n, Budget budget) => Eval(n, budget, 0);

    private static BigRational? Eval(Node n, Budget budget, int depth)
    {
        if (depth > Limits.MaxDepth * 2) return null;
        budget.Check();
        switch (n)
        {
            case NumberNode num:
                return num.Value;
            case NegNode neg:
                return Eval(neg.Operand, budget, depth + 1) is { } nv ? -nv : null;
            case AddNode add:
            {
                var sum = BigRational.Zero;
                foreach (var t in add.Terms)
                {
                    if (Eval(t, budget, depth + 1) is not { } v) return null;
                    sum += v;
                    if (sum.Bits > BigRational.MaxBits) return null;
                }
                return sum;
            }
            case MulNode mul:
            {
                var prod = BigRational.One;
                foreach (var f in mul.Factors)
                {
                    if (Eval(f, budget, depth + 1) is not { } v) return null;
                    prod *= v;
                    if (prod.Bits > BigRational.MaxBits) return null;
                }
                return prod;
            }
            case DivNode div:
            {
                if (Eval(div.Numerator, budget, depth + 1) is not { } a || Eval(div.Denominator, budget, depth + 1) is not { } b || b.IsZero) return null;
                return a / b;
            }
            case PowNode pow:
            {
                if (Eval(pow.Exponent, budget, depth + 1) is not { } e) return null;
                if (Eval(pow.Base, budget, depth + 1) is not { } b) return null;
                if (e.IsInteger) return b.Pow(e.Num);
                if (e.Den > 64 || b.IsZero && e.Sign < 0) return null;
                return b.Root((int)e.Den) is { } r ? r.Pow(e.Num) : null;
            }
            case PercentNode pc:
                return Eval(pc.Inner, budget, depth + 1) is { } p ? p / BigRational.FromInteger(100) : null;
            case FuncNode f:
                return EvalFunc(f, budget, depth);
            default:
                return null;
        }
    }

    private static BigRational? EvalFunc(FuncNode f, Budget budget, int depth)
    {
        var args = new BigRational[f.Args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            if (Eval(f.Args[i], budget, depth + 1) is not { } v) return null;
            args[i] = v;
        }
        var x = args[0];
        switch (f.Func)
        {
            case Func.Sqrt: return x.Root(2);
            case Func.Root: return args[1].IsInteger && args[1].Num > 0 && args[1].Num <= 64 ? x.Root((int)args[1].Num) : null;
            case Func.Abs: return x.Abs();
            case Func.Floor: return BigRational.FromInteger(x.Floor());
            case Func.Ceil: return BigRational.FromInteger(x.Ceiling());
            case Func.Sign: return BigRational.FromInteger(x.Sign);
            case Func.Factorial:
                return x.IsInteger && x.Sign >= 0 && x.Num <= Limits.MaxExactFactorial
                    ? BigRational.FromInteger(Factorial((int)x.Num, budget)) : null;
            case Func.Binomial:
            {
                var k = args[1];
                if (!k.IsInteger || k.Sign < 0 || k.Num > Limits.MaxExactFactorial) return null;
                if (!x.IsInteger) return null;
                if (x.Sign >= 0 && k.Num > x.Num) return BigRational.Zero;
                // n(n-1)…(n-k+1)/k!, exact for any integer n.
                var acc = BigRational.One;
                for (int j = 0; j < (int)k.Num; j++)
                {
                    budget.Check();
                    acc = acc * (x - BigRational.FromInteger(j)) / BigRational.FromInteger(j + 1);
                    if (acc.Bits > BigRational.MaxBits) return null;
                }
                return acc;
            }
            case Func.Gcd or Func.Lcm:
            {
                if (args.Any(a => !a.IsInteger)) return null;
                var acc = BigInteger.Abs(args[0].Num);
                foreach (var a in args.Skip(1))
                {
                    var b = BigInteger.Abs(a.Num);
                    if (f.Func == Func.Gcd) acc = BigInteger.GreatestCommonDivisor(acc, b);
                    else acc = acc.IsZero || b.IsZero ? BigInteger.Zero : acc / BigInteger.GreatestCommonDivisor(acc, b) * b;
                }
                return BigRational.FromInteger(acc);
            }
            case Func.Max: return args.Max();
            case Func.Min: return args.Min();
            default: return null;
        }
    }

    internal static BigInteger Factorial(int n, Budget budget)
    {
        if (s_factorials.TryGetValue(n, out var cached)) return cached;
        var acc = BigInteger.One;
        for (int i = 2; i <= n; i++)
        {
            if ((i & 63) == 0) budget.Check();
            acc *= i;
        }
        if (n >= 100 && s_factorials.Count < 32) s_factorials.TryAdd(n, acc);   // a few large ones recur (2004!, 2006!)
        return acc;
    }
}
