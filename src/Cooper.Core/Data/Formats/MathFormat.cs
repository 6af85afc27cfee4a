using System.Text.Json.Nodes;

namespace Cooper.Data.Formats;

/// <summary>
/// MATH (Hendrycks et al.) and MATH-500: <c>problem</c>, <c>solution</c>, optional <c>answer</c>,
/// <c>level</c> (<c>"Level 3"</c> or <c>3</c>), <c>type</c>/<c>subject</c>, <c>unique_id</c>.
/// Without <c>answer</c> the reference is the last <c>\boxed{...}</c> of the solution (braces balanced).
/// Fields other than the known ones (e.g. <c>type</c>, <c>subject</c>) go to <see cref="MathProblem.Extra"/>.
/// </summary>
internal static class MathFormat
{
    public const string DefaultDataSource = "math";
    public static readonly string[] RequiredColumns = ["problem"];
    private static readonly HashSet<string> s_known = ["problem", "solution", "answer", "level", "unique_id", "id", "data_source"];

    public static MathProblem Read(Row row)
    {
        var problem = row.RequiredString("problem");
        var solution = row.OptionalString("solution");
        var answer = row.OptionalString("answer")
            ?? (solution is null ? null : BoxedAnswer.Last(solution))
            ?? throw new RowFieldException("answer", solution is null
                ? "missing, and there is no solution to take a \\boxed{} answer from"
                : "missing, and the solution has no \\boxed{} answer");
        return new MathProblem
        {
            Id = row.OptionalString("unique_id") ?? row.OptionalString("id") ?? row.FallbackId,
            Question = problem,
            ReferenceAnswer = answer.Trim(),
            Solution = solution,
            DataSource = row.OptionalString("data_source") ?? row.DefaultDataSource,
            Difficulty = row.OptionalLevel("level"),
            Extra = Row.Leftovers(row.Fields, s_known),
        };
    }

    public static JsonObject Write(MathProblem p)
    {
        var row = new JsonObject
        {
            ["problem"] = p.Question,
            ["solution"] = p.Solution,
            ["answer"] = p.ReferenceAnswer,
            ["unique_id"] = p.Id,
            ["data_source"] = p.DataSource,
        };
        if (p.Difficulty is { } d) row["level"] = d;
        RowFormats.AddExtra(row, p, s_known);
        return row;
    }
}
