using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cooper.Data.Formats;

/// <summary>
/// GSM8K as released (<c>openai/gsm8k</c>): <c>{"question": ..., "answer": "worked solution\n#### 18"}</c>.
/// The reference is the text after the last <c>####</c> with thousands commas removed (<c>#### 2,125</c> → <c>2125</c>);
/// the solution is the text before it, calculator annotations (<c>&lt;&lt;3*4=12&gt;&gt;</c>) kept
/// (<see cref="StripCalculatorAnnotations"/> removes them). Optional <c>id</c>, <c>data_source</c> and
/// <c>difficulty</c> fields are read (the writer adds them); any other field goes to <see cref="MathProblem.Extra"/>.
/// </summary>
public static partial class Gsm8kFormat
{
    public const string DefaultDataSource = "openai/gsm8k";
    internal static readonly string[] RequiredColumns = ["question", "answer"];
    private static readonly HashSet<string> s_known = ["id", "question", "answer", "data_source", "difficulty"];

    /// <summary>Splits a GSM8K answer into (solution, final answer); null when it has no <c>#### N</c>.</summary>
    public static (string? Solution, string Answer)? SplitAnswer(string answer)
    {
        int at = answer.LastIndexOf("####", StringComparison.Ordinal);
        if (at < 0) return null;
        var final = ThousandsComma().Replace(answer[(at + 4)..].Trim(), "");
        if (final.Length == 0) return null;
        var solution = answer[..at].TrimEnd();
        return (solution.Length == 0 ? null : solution, final);
    }

    /// <summary>Removes GSM8K's calculator annotations: <c>16-3-4=&lt;&lt;16-3-4=9&gt;&gt;9</c> → <c>16-3-4=9</c>.</summary>
    public static string StripCalculatorAnnotations(string solution) => CalculatorAnnotation().Replace(solution, "");

    internal static MathProblem Read(Row row)
    {
        var question = row.RequiredString("question");
        var answer = row.RequiredString("answer");
        var (solution, final) = SplitAnswer(answer) ?? throw new RowFieldException("answer", "has no '#### N' final answer");
        return new MathProblem
        {
            Id = row.OptionalString("id") ?? row.FallbackId,
            Question = question,
            ReferenceAnswer = final,
            Solution = solution,
            DataSource = row.OptionalString("data_source") ?? row.DefaultDataSource,
            Difficulty = row.OptionalLevel("difficulty"),
            Extra = Row.Leftovers(row.Fields, s_known),
        };
    }

    internal static JsonObject Write(MathProblem p)
    {
        var row = new JsonObject
        {
            ["question"] = p.Question,
            ["answer"] = p.Solution is null ? $"#### {p.ReferenceAnswer}" : $"{p.Solution}\n#### {p.ReferenceAnswer}",
            ["id"] = p.Id,
            ["data_source"] = p.DataSource,
        };
        if (p.Difficulty is { } d) row["difficulty"] = d;
        RowFormats.AddExtra(row, p, s_known);
        return row;
    }

    // A comma between digits followed by exactly three digits: 2,125 and 1,000,000 but not "3, 4".
    [GeneratedRegex(@"(?<=\d),(?=\d{3}(?!\d))")]
    private static partial Regex ThousandsComma();

    [GeneratedRegex(@"<<[^<>]*>>")]
    private static partial Regex CalculatorAnnotation();
}
