using System.Text.Json.Nodes;

namespace Cooper.Data.Formats;

/// <summary>
/// verl's RL layout (what <c>examples/data_preprocess/gsm8k.py</c> writes and the Cooper paper's code reads):
/// <code>
/// {"data_source": "openai/gsm8k",
///  "prompt": [{"role": "user", "content": "..."}],
///  "ability": "math",
///  "reward_model": {"ground_truth": "72", "style": "rule"},
///  "extra_info": {"split": "train", "index": 0, "question": "...", "answer": "..."}}
/// </code>
/// Reading: the question is <c>extra_info.question</c>, else the last user message; the solution is
/// <c>extra_info.solution</c>, else <c>extra_info.answer</c>; the id is <c>extra_info.id</c>, else
/// <c>extra_info.index</c>; the difficulty is <c>extra_info.difficulty</c> or <c>level</c>; other
/// <c>extra_info</c> fields, other top-level fields and an <c>ability</c> other than <c>math</c> go to
/// <see cref="MathProblem.Extra"/>. <c>prompt</c>, <c>reward_model</c> and <c>extra_info</c> may also be
/// text holding JSON (a flattened layout).
/// </summary>
internal static class VerlFormat
{
    public const string DefaultDataSource = "verl";
    public static readonly string[] RequiredColumns = ["prompt", "reward_model"];

    private static readonly HashSet<string> s_topLevel = ["data_source", "prompt", "ability", "reward_model", "extra_info"];
    private static readonly HashSet<string> s_extraInfo = ["id", "index", "question", "solution", "answer", "difficulty", "level"];

    public static MathProblem Read(Row row)
    {
        var prompt = ReadPrompt(row.Fields);
        var reward = Row.OptionalObject(row.Fields, "reward_model", "reward_model") ?? throw new RowFieldException("reward_model", "missing");
        var groundTruth = Row.RequiredString(reward, "ground_truth", "reward_model.ground_truth");
        var info = Row.OptionalObject(row.Fields, "extra_info", "extra_info");

        string question = (info is null ? null : Row.OptionalString(info, "question", "extra_info.question"))
            ?? prompt.LastOrDefault(m => m.Role == "user")?.Content
            ?? throw new RowFieldException("prompt", "has no user message");

        var extra = Row.Leftovers(row.Fields, s_topLevel) ?? new Dictionary<string, string>();
        if (row.OptionalString("ability") is { } ability && ability != "math") extra["ability"] = ability;
        if (info is not null)
            foreach (var (k, v) in Row.Leftovers(info, s_extraInfo) ?? []) extra[k] = v;

        return new MathProblem
        {
            Id = (info is null ? null : Row.OptionalString(info, "id", "extra_info.id") ?? Row.AsText(info["index"])) ?? row.FallbackId,
            Question = question,
            ReferenceAnswer = groundTruth.Trim(),
            Solution = info is null ? null : Row.OptionalString(info, "solution", "extra_info.solution") ?? Row.OptionalString(info, "answer", "extra_info.answer"),
            DataSource = row.OptionalString("data_source") ?? row.DefaultDataSource,
            Difficulty = info is null ? null : Row.OptionalLevel(info, "difficulty", "extra_info.difficulty") ?? Row.OptionalLevel(info, "level", "extra_info.level"),
            Extra = extra.Count == 0 ? null : extra,
            Prompt = prompt,
        };
    }

    private static List<ChatMessage> ReadPrompt(JsonObject fields)
    {
        var array = Row.OptionalArray(fields, "prompt", "prompt") ?? throw new RowFieldException("prompt", "missing");
        if (array.Count == 0) throw new RowFieldException("prompt", "empty: expected at least one {role, content} message");
        var messages = new List<ChatMessage>(array.Count);
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject m) throw new RowFieldException($"prompt[{i}]", "expected a {role, content} object");
            messages.Add(new ChatMessage(Row.RequiredString(m, "role", $"prompt[{i}].role"), Row.RequiredString(m, "content", $"prompt[{i}].content")));
        }
        return messages;
    }

    /// <summary>
    /// The verl row for <paramref name="p"/>. The prompt is <see cref="MathProblem.Prompt"/>, or
    /// <see cref="ChatPrompt.ForChatModel"/> of the question when the problem has none.
    /// </summary>
    public static JsonObject Write(MathProblem p, int index)
    {
        var prompt = new JsonArray();
        foreach (var m in p.Prompt ?? ChatPrompt.ForChatModel(p.Question))
            prompt.Add(new JsonObject { ["role"] = m.Role, ["content"] = m.Content });
        var info = new JsonObject { ["index"] = index, ["id"] = p.Id, ["question"] = p.Question };
        if (p.Solution is not null) info["solution"] = p.Solution;
        if (p.Difficulty is { } d) info["difficulty"] = d;
        foreach (var (k, v) in p.Extra ?? new Dictionary<string, string>())
            if (k != "ability" && !s_extraInfo.Contains(k)) info[k] = v;
        return new JsonObject
        {
            ["data_source"] = p.DataSource,
            ["prompt"] = prompt,
            ["ability"] = p.ExtraValue("ability") ?? "math",
            ["reward_model"] = new JsonObject { ["ground_truth"] = p.ReferenceAnswer, ["style"] = "rule" },
            ["extra_info"] = info,
        };
    }
}
