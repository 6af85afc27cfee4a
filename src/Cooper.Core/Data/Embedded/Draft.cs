using System.Globalization;
using System.Numerics;

namespace Cooper.Data.Embedded;

/// <summary>How the reference answer of an embedded problem is written.</summary>
public enum AnswerKind
{
    /// <summary>A whole number: <c>41</c>.</summary>
    Integer,

    /// <summary>A terminating decimal with one or two places: <c>2.5</c>, <c>7.25</c>.</summary>
    Decimal,

    /// <summary>A reduced fraction in LaTeX: <c>\frac{3}{4}</c>.</summary>
    Fraction,

    /// <summary>A percentage in LaTeX: <c>40\%</c>.</summary>
    Percent,
}

/// <summary>
/// A problem being written by a template: question sentences, one solution line per arithmetic step
/// (<c>Cost: 3*12=36.</c>), and the answer. Any step that breaks a limit (a negative or ≥ 10,000 value,
/// more than two decimal places, division by zero, an answer of the wrong kind, a question or solution
/// too long for a tiny model, a step count other than the target) marks the draft failed and the
/// generator draws again.
/// </summary>
internal sealed class Draft(SplitMix64 rng, int steps, AnswerKind kind)
{
    /// <summary>Every value in a problem stays below this.</summary>
    public const decimal MaxValue = 10_000;
    public const int MaxQuestionChars = 200;
    public const int MaxSolutionChars = 250;

    private static readonly string[] s_names =
    [
        "Ann", "Ben", "Cara", "Dan", "Eva", "Finn", "Gia", "Hal", "Ivy", "Jon", "Kim", "Leo",
        "Mia", "Ned", "Ola", "Pam", "Raj", "Sam", "Tia", "Uma", "Val", "Wes", "Yan", "Zoe",
    ];

    private readonly List<string> _question = [];
    private readonly List<string> _solution = [];
    private readonly HashSet<string> _usedNames = [];

    public SplitMix64 Rng { get; } = rng;

    /// <summary>The number of arithmetic steps the problem must have (its difficulty).</summary>
    public int Steps { get; } = steps;

    public AnswerKind Kind { get; } = kind;

    public int Taken { get; private set; }
    public bool Failed { get; private set; }
    public string? Answer { get; private set; }

    public string Question => string.Join(" ", _question);
    public string Solution => string.Join("\n", _solution.Append($"The answer is \\boxed{{{Answer}}}."));

    public int R(int min, int max) => Rng.Range(min, max);
    public T Pick<T>(params T[] items) => Rng.Pick(items);

    /// <summary>A first name not yet used in this problem.</summary>
    public string Name()
    {
        string name;
        do name = Rng.Pick(s_names); while (!_usedNames.Add(name));
        return name;
    }

    /// <summary>Adds a question sentence (or the final question); empty text adds nothing.</summary>
    public void Say(string sentence)
    {
        if (sentence.Length > 0) _question.Add(sentence);
    }

    /// <summary>Requires a count (people, groups, boxes) to come out whole; returns it.</summary>
    public decimal Whole(decimal value)
    {
        Require(value == decimal.Truncate(value));
        return value;
    }

    /// <summary>Marks the draft failed when <paramref name="condition"/> is false; returns it.</summary>
    public bool Require(bool condition)
    {
        if (!condition) Failed = true;
        return condition;
    }

    public void Fail() => Failed = true;

    /// <summary>Computes <c>a op b</c> and writes the step <c>{label}: a op b = r.</c>.</summary>
    public decimal Calc(string label, decimal a, char op, decimal b)
    {
        if (op == '/' && b == 0) { Fail(); return 0; }
        decimal r = op switch
        {
            '+' => a + b,
            '-' => a - b,
            '*' => a * b,
            '/' => a / b,
            _ => throw new ArgumentException($"unknown operator '{op}'", nameof(op)),
        };
        Require(r >= 0 && r < MaxValue && HasAtMostTwoPlaces(r));
        _solution.Add($"{label}: {F(a)}{op}{F(b)}={F(r)}.");
        Taken++;
        return r;
    }

    /// <summary>Ends with a plain-number answer; an <see cref="AnswerKind.Integer"/> draft needs a whole number, a <see cref="AnswerKind.Decimal"/> one a fractional one.</summary>
    public void Final(decimal value)
    {
        bool whole = value == decimal.Truncate(value);
        Require(Kind switch
        {
            AnswerKind.Integer => whole,
            AnswerKind.Decimal => !whole,
            _ => false,
        });
        Answer = F(value);
    }

    /// <summary>Ends with <c>{label}: p/q=\frac{p'}{q'}.</c>, the fraction reduced; needs a non-whole result.</summary>
    public void FinalFraction(string label, decimal p, decimal q)
    {
        if (!Require(Kind == AnswerKind.Fraction && q > 0 && p > 0 && p == decimal.Truncate(p) && q == decimal.Truncate(q))) return;
        var g = (decimal)BigInteger.GreatestCommonDivisor(new BigInteger(p), new BigInteger(q));
        decimal num = p / g, den = q / g;
        Require(den > 1);
        Answer = $"\\frac{{{F(num)}}}{{{F(den)}}}";
        _solution.Add($"{label}: {F(p)}/{F(q)}={Answer}.");
        Taken++;
    }

    /// <summary>Ends with two steps, <c>{label}: part/whole=r.</c> and <c>Percent: r*100=n.</c>, answering <c>n\%</c> (at most 100).</summary>
    public void FinalPercent(string label, decimal part, decimal whole)
    {
        if (!Require(Kind == AnswerKind.Percent && whole > 0 && part > 0 && part <= whole)) return;
        var share = Calc(label, part, '/', whole);
        var percent = Calc("Percent", share, '*', 100);
        Require(percent == decimal.Truncate(percent));
        Answer = $"{F(percent)}\\%";
    }

    /// <summary>The finished problem's parts, or null when the draft failed or missed its step count.</summary>
    public (string Question, string Solution, string Answer)? Finish()
    {
        if (Failed || Answer is null || Taken != Steps) return null;
        var (q, s) = (Question, Solution);
        if (q.Length > MaxQuestionChars || s.Length > MaxSolutionChars) return null;
        return (q, s, Answer);
    }

    /// <summary>A number as the solutions write it: invariant, no trailing zeros (<c>2.5</c>, <c>12</c>).</summary>
    public static string F(decimal value) => value.ToString("0.##########", CultureInfo.InvariantCulture);

    /// <summary>Money as the questions write it: <c>$12</c>, <c>$2.50</c>.</summary>
    public static string Money(decimal value) =>
        value == decimal.Truncate(value) ? $"${F(value)}" : "$" + value.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary><c>a friend</c> or <c>3 friends</c>.</summary>
    public static string Friends(int count) => count == 1 ? "a friend" : $"{count} friends";

    private static bool HasAtMostTwoPlaces(decimal value) => value * 100 == decimal.Truncate(value * 100);
}
