using System.Text;
using System.Text.RegularExpressions;

namespace Cooper.Data;

/// <summary>How a reference answer is written; used to report the answer-format mix of a dataset.</summary>
public enum AnswerFormat
{
    /// <summary><c>42</c>, <c>-3</c>, <c>1,000</c>.</summary>
    Integer,
    /// <summary><c>2.5</c>, <c>.75</c>.</summary>
    Decimal,
    /// <summary><c>\frac{3}{4}</c>, <c>3/4</c>.</summary>
    Fraction,
    /// <summary><c>40\%</c>, <c>40%</c>.</summary>
    Percent,
    /// <summary>Anything else: expressions, intervals, text.</summary>
    Other,
}

/// <summary>The human-readable report <c>cooper data inspect</c> prints.</summary>
public static partial class DatasetSummary
{
    /// <summary>How <paramref name="reference"/> is written (see <see cref="AnswerFormat"/>).</summary>
    public static AnswerFormat Classify(string reference)
    {
        var s = reference.Trim().Replace("$", "");
        if (s.EndsWith('%')) return AnswerFormat.Percent;
        if (IntegerPattern().IsMatch(s)) return AnswerFormat.Integer;
        if (DecimalPattern().IsMatch(s)) return AnswerFormat.Decimal;
        if (FractionPattern().IsMatch(s)) return AnswerFormat.Fraction;
        return AnswerFormat.Other;
    }

    /// <summary>
    /// Counts, columns, data sources, difficulties, the answer-format mix, the first <paramref name="rows"/>
    /// problems and the first malformed rows of a loaded dataset.
    /// </summary>
    public static string Describe(DatasetLoadResult result, int rows = 3, int errors = 5)
    {
        var sb = new StringBuilder();
        var problems = result.Problems;
        sb.AppendLine($"file         {result.File}");
        sb.AppendLine($"format       {DatasetFormats.Name(result.Format)} ({result.Kind.ToString().ToLowerInvariant()})");
        sb.AppendLine($"columns      {string.Join(", ", result.Columns)}");
        sb.AppendLine($"rows         {problems.Count + result.Skipped}: {problems.Count} loaded, {result.Skipped} malformed (skipped)");
        sb.AppendLine($"data_source  {Counts(problems.Select(p => p.DataSource))}");
        if (problems.Any(p => p.Difficulty is not null))
            sb.AppendLine($"difficulty   {Counts(problems.Select(p => p.Difficulty?.ToString() ?? "none"), byKey: true)}");
        sb.AppendLine($"answers      {Counts(problems.Select(p => Classify(p.ReferenceAnswer).ToString().ToLowerInvariant()), percent: true)}");
        sb.AppendLine($"with solution {problems.Count(p => p.Solution is not null)}, with chat prompt {problems.Count(p => p.Prompt is not null)}");
        foreach (var p in problems.Take(rows))
        {
            sb.AppendLine();
            sb.AppendLine($"[{p.Id}] {p.DataSource}{(p.Difficulty is { } d ? $", difficulty {d}" : "")}");
            sb.AppendLine($"  question: {Shorten(p.Question, 200)}");
            if (p.Solution is not null) sb.AppendLine($"  solution: {Shorten(p.Solution, 200)}");
            sb.AppendLine($"  answer:   {p.ReferenceAnswer}");
        }
        if (result.Skipped > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"malformed rows (first {Math.Min(errors, result.Skipped)} of {result.Skipped}):");
            foreach (var e in result.Errors.Take(errors)) sb.AppendLine($"  {e}");
        }
        return sb.ToString();
    }

    private static string Counts(IEnumerable<string> values, bool byKey = false, bool percent = false)
    {
        var groups = values.GroupBy(v => v).ToList();
        int total = groups.Sum(g => g.Count());
        var ordered = byKey ? groups.OrderBy(g => g.Key, StringComparer.Ordinal) : groups.OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal);
        var parts = ordered.Take(12).Select(g => percent ? $"{g.Key} {100.0 * g.Count() / total:F1}%" : $"{g.Key}: {g.Count()}");
        return string.Join(", ", parts) + (groups.Count > 12 ? $", … ({groups.Count} in all)" : "");
    }

    private static string Shorten(string text, int max)
    {
        var oneLine = text.Replace("\n", " \\n ");
        return oneLine.Length <= max ? oneLine : oneLine[..(max - 1)] + "…";
    }

    [GeneratedRegex(@"^-?\d{1,3}(,\d{3})*$|^-?\d+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^-?\d*\.\d+$")]
    private static partial Regex DecimalPattern();

    [GeneratedRegex(@"^-?(\\[dt]?frac\{\d+\}\{\d+\}|\d+/\d+)$")]
    private static partial Regex FractionPattern();
}
