using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Cooper.Data.Embedded;

namespace Cooper.Rewards.Negatives;

/// <summary>
/// The default assistant when no endpoint is configured: corrupts a worked solution plausibly.
/// Strategy 1 (when the solution has arithmetic steps <c>a op b = c</c>): change one operand of
/// one step, recompute that step, and carry the new value through every later step that used the
/// old result, then rewrite the final answer — a solution that reads like a real one with one
/// wrong reading of the problem. Strategy 2 (no steps, or as a fallback): change the final answer
/// (an off-by-some error, a doubled/halved value, or a digit slip) everywhere it appears at the end.
/// Deterministic for a given (seed, attempt).
/// </summary>
public sealed partial class EmbeddedRewriter : INegativeWriter
{
    /// <inheritdoc />
    public string Name => "embedded";

    [GeneratedRegex(@"(?<a>-?\d+(?:\.\d+)?)\s*(?<op>[-+*/×÷])\s*(?<b>-?\d+(?:\.\d+)?)\s*=\s*(?<c>-?\d+(?:\.\d+)?)")]
    private static partial Regex StepPattern();

    [GeneratedRegex(@"\\boxed\{(?<v>[^{}]*)\}")]
    private static partial Regex BoxedPattern();

    /// <inheritdoc />
    public Task<string?> WriteAsync(string question, string positive, int attempt, ulong seed, CancellationToken ct = default)
        => Task.FromResult(Rewrite(positive, seed * 0x9E3779B97F4A7C15UL + (ulong)attempt));

    /// <summary>The synchronous rewrite; null when nothing in the text can be corrupted.</summary>
    public static string? Rewrite(string positive, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var steps = StepPattern().Matches(positive);
        if (steps.Count > 0 && rng.Below(4) != 0)
        {
            var viaSteps = CorruptSteps(positive, steps, rng);
            if (viaSteps is not null) return viaSteps;
        }
        return CorruptFinalAnswer(positive, rng);
    }

    private static string? CorruptSteps(string text, MatchCollection steps, SplitMix64 rng)
    {
        int k = rng.Below(steps.Count);
        var replaced = new Dictionary<string, string>(); // old result text → new result text
        var sb = new StringBuilder();
        int pos = 0;
        string? lastNew = null, lastOld = null;
        for (int i = 0; i < steps.Count; i++)
        {
            var m = steps[i];
            string a = m.Groups["a"].Value, b = m.Groups["b"].Value, op = m.Groups["op"].Value, c = m.Groups["c"].Value;
            string na = replaced.GetValueOrDefault(a, a), nb = replaced.GetValueOrDefault(b, b);
            if (i == k)
            {
                // Alter one operand: a plausible misreading (±1..3, or a neighbouring digit).
                bool first = rng.Below(2) == 0;
                string target = first ? na : nb;
                string altered = Nudge(target, rng, avoidZero: op is "/" or "÷");
                if (first) na = altered; else nb = altered;
            }
            if (na == a && nb == b) continue; // untouched step
            var result = Apply(na, op, nb);
            if (result is null) return null;
            string nc = Format(result.Value);
            if (nc == c) continue;
            replaced[c] = nc;
            lastOld = c; lastNew = nc;
            sb.Append(text, pos, m.Index - pos);
            // The step as written, with the new operands and result, keeping its spacing.
            sb.Append(na).Append(Between(m, "a", "op")).Append(op).Append(Between(m, "op", "b"))
              .Append(nb).Append(Between(m, "b", "c")).Append(nc);
            pos = m.Index + m.Length;
        }
        if (lastNew is null || lastOld is null) return null;
        sb.Append(text, pos, text.Length - pos);
        var output = sb.ToString();
        // The final answer follows the last changed result when it equalled the old value.
        output = BoxedPattern().Replace(output, bm => bm.Groups["v"].Value.Trim() == lastOld ? $"\\boxed{{{lastNew}}}" : bm.Value);
        return output == text ? null : output;
    }

    private static string Between(Match m, string g1, string g2)
    {
        var a = m.Groups[g1];
        var b = m.Groups[g2];
        int start = a.Index + a.Length - m.Index, end = b.Index - m.Index;
        return m.Value[start..end];
    }

    private static string? CorruptFinalAnswer(string text, SplitMix64 rng)
    {
        var boxes = BoxedPattern().Matches(text);
        if (boxes.Count == 0) return null;
        var last = boxes[^1];
        string v = last.Groups["v"].Value.Trim();
        string wrong = WrongAnswer(v, rng);
        if (wrong == v) return null;
        return string.Concat(text.AsSpan(0, last.Index), $"\\boxed{{{wrong}}}", text.AsSpan(last.Index + last.Length));
    }

    private static string WrongAnswer(string v, SplitMix64 rng)
    {
        if (TryNumber(v, out var x))
        {
            double y = rng.Below(3) switch
            {
                0 => x + (rng.Below(9) + 1) * (rng.Below(2) == 0 ? 1 : -1),
                1 => rng.Below(2) == 0 ? x * 2 : x / 2,
                _ => x + 10,
            };
            if (y == x) y = x + 1;
            return Format(y);
        }
        // Not a plain number (a fraction, expression…): wrap it in a plausible slip.
        return rng.Below(2) == 0 ? $"{v}+1" : $"2*({v})";
    }

    private static string Nudge(string number, SplitMix64 rng, bool avoidZero)
    {
        if (!TryNumber(number, out var x)) return number;
        for (int tries = 0; tries < 8; tries++)
        {
            double delta = (rng.Below(3) + 1) * (rng.Below(2) == 0 ? 1 : -1);
            double y = x + delta;
            if (y <= 0 && x > 0) y = x + Math.Abs(delta);
            if (avoidZero && y == 0) continue;
            return Format(y);
        }
        return Format(x + 1);
    }

    private static double? Apply(string a, string op, string b)
    {
        if (!TryNumber(a, out var x) || !TryNumber(b, out var y)) return null;
        return op switch
        {
            "+" => x + y,
            "-" => x - y,
            "*" or "×" => x * y,
            "/" or "÷" => y == 0 ? null : x / y,
            _ => null,
        };
    }

    private static bool TryNumber(string s, out double x) =>
        double.TryParse(s.Replace(",", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out x);

    private static string Format(double x)
    {
        double r = Math.Round(x, 4);
        return r == Math.Floor(r) && Math.Abs(r) < 1e15 ? ((long)r).ToString(CultureInfo.InvariantCulture) : r.ToString("0.####", CultureInfo.InvariantCulture);
    }
}
