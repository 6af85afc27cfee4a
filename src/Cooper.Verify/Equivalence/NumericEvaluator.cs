using System.Numerics;
using Cooper.Verify.Parsing;
using Cooper.Verify.Safety;

namespace Cooper.Verify.Equivalence;

/// <summary>A value and its error scale: the computed value is within about ε·<see cref="Scale"/> of the true one.</summary>
internal readonly record struct NumVal(Complex Value, double Scale);

/// <summary>Thrown when a node has no scalar value (a tuple, a set, words).</summary>
internal sealed class NotScalarException(string what) : Exception(what);

/// <summary>
/// Evaluates a scalar expression in complex double precision at one assignment of its free
/// variables, tracking a forward error scale so comparisons can use a tolerance relative to the
/// magnitudes involved (x/2^40 and x/2^41 differ; (x+1)^2 − x^2 − 2x − 1 is zero).
/// Overflow, underflow and infinities set <see cref="Unreliable"/>; callers then fall back to
/// exact or structural comparison instead of trusting the doubles.
/// </summary>
internal sealed class NumericEvaluator(IReadOnlyDictionary<string, Complex> env, Budget budget)
{
    public bool Unreliable { get; private set; }

    public NumVal Evaluate(Node n) => Eval(n, 0);

    private NumVal Eval(Node n, int depth)
    {
        if (depth > Limits.MaxDepth * 2) throw new NotScalarException("too deep");
        budget.Check();
        NumVal r = n switch
        {
            NumberNode num => Number(num),
            ConstantNode c => c.Which switch
            {
                Constant.Pi => new(Math.PI, Math.PI),
                Constant.E => new(Math.E, Math.E),
                Constant.I => new(Complex.ImaginaryOne, 1),
                _ => Infinite(),
            },
            SymbolNode s => env.TryGetValue(s.Name, out var v) ? new(v, Complex.Abs(v)) : throw new NotScalarException($"unbound {s.Name}"),
            AddNode add => Add(add, depth),
            NegNode neg => Negate(Eval(neg.Operand, depth + 1)),
            MulNode mul => Multiply(mul, depth),
            DivNode div => Divide(Eval(div.Numerator, depth + 1), Eval(div.Denominator, depth + 1)),
            PowNode pow => Power(Eval(pow.Base, depth + 1), Eval(pow.Exponent, depth + 1)),
            PercentNode pc => Scale(Eval(pc.Inner, depth + 1), 0.01),
            FuncNode f => Function(f, depth),
            ApplyNode ap => Apply(ap, depth),
            _ => throw new NotScalarException(n.GetType().Name),
        };
        if (double.IsNaN(r.Value.Real) || double.IsNaN(r.Value.Imaginary) || double.IsInfinity(r.Value.Real) || double.IsInfinity(r.Value.Imaginary))
            Unreliable = true;
        return r;
    }

    private NumVal Infinite()
    {
        Unreliable = true;
        return new(double.PositiveInfinity, double.PositiveInfinity);
    }

    private NumVal Number(NumberNode num)
    {
        double d = num.Value.ToDouble();
        if (!num.Value.IsZero && (d == 0 || double.IsInfinity(d) || Math.Abs(d) < 1e-290 || Math.Abs(d) > 1e290)) Unreliable = true;
        return new(d, Math.Abs(d));
    }

    private static NumVal Negate(NumVal a) => new(-a.Value, a.Scale);

    private static NumVal Scale(NumVal a, double k) => new(a.Value * k, a.Scale * Math.Abs(k));

    private NumVal Add(AddNode add, int depth)
    {
        Complex sum = 0;
        double scale = 0;
        foreach (var t in add.Terms)
        {
            var v = Eval(t, depth + 1);
            sum += v.Value;
            scale += v.Scale;
        }
        return new(sum, scale + Complex.Abs(sum));
    }

    private NumVal Multiply(MulNode mul, int depth)
    {
        var acc = Eval(mul.Factors[0], depth + 1);
        for (int i = 1; i < mul.Factors.Length; i++) acc = Times(acc, Eval(mul.Factors[i], depth + 1));
        return acc;
    }

    private NumVal Times(NumVal a, NumVal b)
    {
        var p = a.Value * b.Value;
        CheckUnderflow(p, a.Value, b.Value);
        return new(p, a.Scale * Complex.Abs(b.Value) + b.Scale * Complex.Abs(a.Value) + Complex.Abs(p));
    }

    private NumVal Divide(NumVal a, NumVal b)
    {
        if (b.Value == Complex.Zero) return Infinite();
        var q = a.Value / b.Value;
        CheckUnderflow(q, a.Value, b.Value);
        double ab = Complex.Abs(b.Value);
        return new(q, a.Scale / ab + b.Scale * Complex.Abs(a.Value) / (ab * ab) + Complex.Abs(q));
    }

    private void CheckUnderflow(Complex result, Complex a, Complex b)
    {
        if (result == Complex.Zero && a != Complex.Zero && b != Complex.Zero) Unreliable = true;
        double m = Complex.Abs(result);
        if (m != 0 && (m < 1e-290 || m > 1e290)) Unreliable = true;
    }

    private NumVal Power(NumVal b, NumVal e)
    {
        Complex x = b.Value, w = e.Value;
        Complex r;
        if (x == Complex.Zero)
        {
            if (w.Imaginary == 0 && w.Real > 0) return new(0, b.Scale);
            if (w == Complex.Zero) return new(1, 1);
            return Infinite();
        }
        if (x.Imaginary == 0 && w.Imaginary == 0)
        {
            double xr = x.Real, wr = w.Real;
            if (xr > 0 || wr == Math.Floor(wr)) r = Math.Pow(xr, wr);
            else if (OddDenominator(wr) is { } q)
            {
                // Real odd roots of negatives: (-8)^(1/3) = -2, the reading answers intend.
                double mag = Math.Pow(-xr, wr);
                long p = (long)Math.Round(wr * q);
                r = (p & 1) == 0 ? mag : -mag;
            }
            else r = Complex.Pow(x, w);
        }
        else r = Complex.Pow(x, w);
        double m = Complex.Abs(r);
        if (m != 0 && (m < 1e-290 || m > 1e290) || m == 0) Unreliable = true;
        double dBase = Complex.Abs(w * r / x), dExp = Complex.Abs(r * Complex.Log(x));
        return new(r, dBase * b.Scale + dExp * e.Scale + m);
    }

    private static int? OddDenominator(double w)
    {
        for (int q = 3; q <= 15; q += 2)
        {
            double p = w * q;
            if (Math.Abs(p - Math.Round(p)) < 1e-9) return q;
        }
        return null;
    }

    private NumVal Function(FuncNode f, int depth)
    {
        var a = Eval(f.Args[0], depth + 1);
        Complex x = a.Value;
        Complex r;
        double deriv;
        switch (f.Func)
        {
            case Func.Sqrt:
                r = x.Imaginary == 0 && x.Real >= 0 ? Math.Sqrt(x.Real) : Complex.Sqrt(x);
                deriv = r == Complex.Zero ? 0 : 0.5 / Complex.Abs(r);
                break;
            case Func.Root:
            {
                var k = Eval(f.Args[1], depth + 1).Value;
                if (k == Complex.Zero) return Infinite();
                if (x.Imaginary == 0 && k.Imaginary == 0 && x.Real < 0 && Math.Abs(k.Real % 2) == 1) r = -Math.Pow(-x.Real, 1 / k.Real);
                else return Power(a, new NumVal(1 / k, 0));
                deriv = Complex.Abs(r / (k * x));
                break;
            }
            case Func.Exp: r = Complex.Exp(x); deriv = Complex.Abs(r); break;
            case Func.Ln:
                if (x == Complex.Zero) return Infinite();
                r = x.Imaginary == 0 && x.Real > 0 ? Math.Log(x.Real) : Complex.Log(x);
                deriv = 1 / Complex.Abs(x);
                break;
            case Func.Log:
            {
                var b = Eval(f.Args[1], depth + 1);
                if (x == Complex.Zero || b.Value == Complex.One || b.Value == Complex.Zero) return Infinite();
                var lb = b.Value.Imaginary == 0 && b.Value.Real > 0 ? Math.Log(b.Value.Real) : Complex.Log(b.Value);
                var lx = x.Imaginary == 0 && x.Real > 0 ? Math.Log(x.Real) : Complex.Log(x);
                r = lx / lb;
                deriv = 1 / Complex.Abs(x * lb);
                var db = Complex.Abs(r / (b.Value * lb));
                return Finish(r, deriv * a.Scale + db * b.Scale + Complex.Abs(r));
            }
            case Func.Sin: r = Complex.Sin(x); deriv = Complex.Abs(Complex.Cos(x)); break;
            case Func.Cos: r = Complex.Cos(x); deriv = Complex.Abs(Complex.Sin(x)); break;
            case Func.Tan: r = Complex.Tan(x); deriv = Complex.Abs(1 + r * r); break;
            case Func.Sec: r = 1 / Complex.Cos(x); deriv = Complex.Abs(r * Complex.Tan(x)); break;
            case Func.Csc: r = 1 / Complex.Sin(x); deriv = Complex.Abs(r / Complex.Tan(x)); break;
            case Func.Cot: r = 1 / Complex.Tan(x); deriv = Complex.Abs(1 + r * r); break;
            case Func.Asin: r = Complex.Asin(x); deriv = 1 / Complex.Abs(Complex.Sqrt(1 - x * x)); break;
            case Func.Acos: r = Complex.Acos(x); deriv = 1 / Complex.Abs(Complex.Sqrt(1 - x * x)); break;
            case Func.Atan: r = Complex.Atan(x); deriv = 1 / Complex.Abs(1 + x * x); break;
            case Func.Asec: r = Complex.Acos(1 / x); deriv = 1 / Complex.Abs(x * x * Complex.Sqrt(1 - 1 / (x * x))); break;
            case Func.Acsc: r = Complex.Asin(1 / x); deriv = 1 / Complex.Abs(x * x * Complex.Sqrt(1 - 1 / (x * x))); break;
            case Func.Acot: r = Complex.Atan(1 / x); deriv = 1 / Complex.Abs(1 + x * x); break;
            case Func.Sinh: r = Complex.Sinh(x); deriv = Complex.Abs(Complex.Cosh(x)); break;
            case Func.Cosh: r = Complex.Cosh(x); deriv = Complex.Abs(Complex.Sinh(x)); break;
            case Func.Tanh: r = Complex.Tanh(x); deriv = Complex.Abs(1 - r * r); break;
            case Func.Sech: r = 1 / Complex.Cosh(x); deriv = Complex.Abs(r * Complex.Tanh(x)); break;
            case Func.Csch: r = 1 / Complex.Sinh(x); deriv = Complex.Abs(r / Complex.Tanh(x)); break;
            case Func.Coth: r = 1 / Complex.Tanh(x); deriv = Complex.Abs(1 - r * r); break;
            case Func.Asinh: r = Complex.Log(x + Complex.Sqrt(x * x + 1)); deriv = 1 / Complex.Abs(Complex.Sqrt(x * x + 1)); break;
            case Func.Acosh: r = Complex.Log(x + Complex.Sqrt(x + 1) * Complex.Sqrt(x - 1)); deriv = 1 / Complex.Abs(Complex.Sqrt(x * x - 1)); break;
            case Func.Atanh: r = 0.5 * Complex.Log((1 + x) / (1 - x)); deriv = 1 / Complex.Abs(1 - x * x); break;
            case Func.Abs: r = Complex.Abs(x); deriv = 1; break;
            case Func.Sign: r = x == Complex.Zero ? 0 : x / Complex.Abs(x); deriv = 0; break;
            case Func.Floor: r = RealOnly(x, Math.Floor); deriv = 0; break;
            case Func.Ceil: r = RealOnly(x, Math.Ceiling); deriv = 0; break;
            case Func.Factorial:
                r = RealOnly(x, v => SpecialFunctions.Gamma(v + 1));
                deriv = Complex.Abs(r) * (Math.Abs(Math.Log(Math.Abs(x.Real) + 2)) + 1);
                break;
            case Func.Binomial:
            {
                var k = Eval(f.Args[1], depth + 1);
                r = SpecialFunctions.Binomial(x, k.Value);
                deriv = Complex.Abs(r) * (Math.Abs(Math.Log(Complex.Abs(x) + 2)) + 1);
                return Finish(r, deriv * (a.Scale + k.Scale) + Complex.Abs(r));
            }
            case Func.Gcd or Func.Lcm or Func.Max or Func.Min:
            {
                var vals = new double[f.Args.Length];
                for (int i = 0; i < vals.Length; i++)
                {
                    var v = i == 0 ? x : Eval(f.Args[i], depth + 1).Value;
                    if (Math.Abs(v.Imaginary) > 1e-12 * Complex.Abs(v)) return NaN();
                    vals[i] = v.Real;
                }
                r = f.Func switch
                {
                    Func.Max => vals.Max(),
                    Func.Min => vals.Min(),
                    _ => SpecialFunctions.GcdLcm(vals, f.Func == Func.Gcd),
                };
                return Finish(r, Complex.Abs(r) + a.Scale);
            }
            default:
                throw new NotScalarException(f.Func.ToString());
        }
        return Finish(r, deriv * a.Scale + Complex.Abs(r));
    }

    private NumVal NaN()
    {
        Unreliable = true;
        return new(double.NaN, double.NaN);
    }

    private NumVal Finish(Complex r, double scale)
    {
        double m = Complex.Abs(r);
        if (m != 0 && (m < 1e-290 || m > 1e290)) Unreliable = true;
        return new(r, double.IsNaN(scale) ? m : scale);
    }

    private static Complex RealOnly(Complex x, Func<double, double> f) =>
        Math.Abs(x.Imaginary) <= 1e-12 * Math.Max(1, Math.Abs(x.Real)) ? f(x.Real) : new Complex(double.NaN, double.NaN);

    /// <summary>An undefined function f(x) as a fixed smooth function chosen by its name, so f(x) ≠ f(y) but f(x) = f(x).</summary>
    private NumVal Apply(ApplyNode ap, int depth)
    {
        ulong h = SamplePoints.Hash(ap.Name);
        Complex sum = 0;
        double scale = 0;
        for (int i = 0; i < ap.Args.Length; i++)
        {
            var v = Eval(ap.Args[i], depth + 1);
            double a = 0.7 + SamplePoints.Unit(h, i, 1), b = SamplePoints.Unit(h, i, 2) * 3, c = 0.3 + SamplePoints.Unit(h, i, 3);
            var term = Complex.Sin(a * v.Value + b) + c * v.Value;
            sum += term;
            scale += (a + c) * v.Scale + Complex.Abs(term);
        }
        return new(sum, scale);
    }
}
