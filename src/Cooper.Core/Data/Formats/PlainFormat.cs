using System.Text.Json.Nodes;

namespace Cooper.Data.Formats;

/// <summary>
/// Plain question/answer rows, Cooper's own layout: <c>question</c> and <c>answer</c> (the final answer
/// only) are required; <c>id</c>, <c>solution</c>, <c>data_source</c>, <c>difficulty</c> and an <c>extra</c>
/// object are optional. Other top-level fields go to <see cref="MathProblem.Extra"/> too.
/// </summary>
internal static class PlainFormat
{
    public const string DefaultDataSource = "plain";
    public static readonly string[] RequiredColumns = ["question", "answer"];
    private static readonly HashSet<string> s_known = ["id", "question", "answer", "solution", "data_source", "difficulty", "extra"];

    public static MathProblem Read(Row row)
    {
        var extra = Row.Leftovers(row.Fields, s_known) ?? new Dictionary<string, string>();
        if (Row.OptionalObject(row.Fields, "extra", "extra") is { } nested)
            foreach (var (k, v) in Row.Leftovers(nested, new HashSet<string>()) ?? []) extra[k] = v;
        return new MathProblem
        {
            Id = row.OptionalString("id") ?? row.FallbackId,
            Question = row.RequiredString("question"),
            ReferenceAnswer = row.RequiredString("answer").Trim(),
            Solution = row.OptionalString("solution"),
            DataSource = row.OptionalString("data_source") ?? row.DefaultDataSource,
            Difficulty = row.OptionalLevel("difficulty"),
            Extra = extra.Count == 0 ? null : extra,
        };
    }

    public static JsonObject Write(MathProblem p)
    {
        var row = new JsonObject
        {
            ["id"] = p.Id,
            ["question"] = p.Question,
            ["answer"] = p.ReferenceAnswer,
            ["solution"] = p.Solution,
            ["data_source"] = p.DataSource,
            ["difficulty"] = p.Difficulty,
        };
        if (p.Extra is { Count: > 0 } extra)
        {
            var nested = new JsonObject();
            foreach (var (k, v) in extra) nested[k] = v;
            row["extra"] = nested;
        }
        return row;
    }
}
