using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Rewards;
using Cooper.Runs;

namespace Cooper.Annotation;

/// <summary>
/// A completion with a correctness label: a reward-model training or evaluation row. Written by
/// <see cref="HybridAnnotator"/>, read by the reward-model trainer and <see cref="RmEvaluation"/>.
/// </summary>
/// <param name="Label">The label the reward model learns: true = the final answer is correct.</param>
public sealed record LabelledExample(string Question, string Reference, string Completion, bool Label)
{
    /// <summary>Row id (the problem's id, with <c>#k</c> for its k-th sample when sampled).</summary>
    public string? Id { get; init; }
    /// <summary>Where the problem comes from (<c>data_source</c>).</summary>
    public string? DataSource { get; init; }
    /// <summary>The problem's difficulty, when known.</summary>
    public int? Difficulty { get; init; }
    /// <summary>VerifyBench's answer type (Numerical, Expression, Multiple-choice, String).</summary>
    public string? AnswerType { get; init; }
    /// <summary>VerifyBench's answer subtype.</summary>
    public string? AnswerSubtype { get; init; }
    /// <summary>The rule verifier's verdict (annotation output only).</summary>
    public bool? RuleLabel { get; init; }
    /// <summary>The judge's verdict, null for none (annotation output only).</summary>
    public bool? JudgeLabel { get; init; }

    /// <summary>The reward model's input for this row.</summary>
    public RmInput ToInput() => new(Question, Reference, Completion);
}

/// <summary>
/// Labelled JSONL. One object per line with <c>question</c>, the reference as <c>reference</c> (or
/// <c>answer</c>, <c>reference_answer</c>, <c>gold_answer</c>), the completion as <c>completion</c> (or
/// <c>response</c>), the label as <c>label</c> (or VerifyBench's <c>gold_correct</c>, or <c>correct</c>):
/// true/false, 1/0 or "yes"/"no"/"true"/"false"; optional <c>id</c>, <c>data_source</c>,
/// <c>difficulty</c>, <c>answer_type</c>, <c>answer_subtype</c>, <c>rule_label</c>, <c>judge_label</c>.
/// </summary>
public static class LabelledSet
{
    /// <summary>Compact JSON with non-ASCII and <c>&lt;</c> kept readable.</summary>
    internal static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly string[] s_referenceKeys = ["reference", "answer", "reference_answer", "gold_answer"];
    private static readonly string[] s_completionKeys = ["completion", "response"];
    private static readonly string[] s_labelKeys = ["label", "gold_correct", "correct"];

    /// <summary>Reads labelled rows; a row missing a field or with an unreadable label throws, naming the file and line.</summary>
    public static List<LabelledExample> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        var rows = new List<LabelledExample>();
        int line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            JsonObject o;
            try { o = JsonNode.Parse(raw) as JsonObject ?? throw new InvalidDataException("expected a JSON object"); }
            catch (JsonException e) { throw new InvalidDataException($"{path}:{line}: invalid JSON: {e.Message}"); }
            string Where() => $"{path}:{line}";
            var label = ParseBool(First(o, s_labelKeys))
                ?? throw new InvalidDataException($"{Where()}: no usable label (expected one of {string.Join(", ", s_labelKeys)} as true/false, 1/0 or yes/no)");
            rows.Add(new LabelledExample(
                Text(o, "question") ?? throw new InvalidDataException($"{Where()}: missing 'question'"),
                Text(First(o, s_referenceKeys)) ?? throw new InvalidDataException($"{Where()}: missing the reference (one of {string.Join(", ", s_referenceKeys)})"),
                Text(First(o, s_completionKeys)) ?? throw new InvalidDataException($"{Where()}: missing the completion (one of {string.Join(", ", s_completionKeys)})"),
                label)
            {
                Id = Text(o, "id"),
                DataSource = Text(o, "data_source"),
                Difficulty = o["difficulty"] is JsonValue d && d.TryGetValue<int>(out var di) ? di
                    : int.TryParse(Text(o, "difficulty"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ds) ? ds : null,
                AnswerType = Text(o, "answer_type"),
                AnswerSubtype = Text(o, "answer_subtype"),
                RuleLabel = ParseBool(o["rule_label"]),
                JudgeLabel = ParseBool(o["judge_label"]),
            });
        }
        if (rows.Count == 0) throw new InvalidDataException($"{path}: no labelled rows");
        return rows;
    }

    /// <summary>Writes rows atomically (fields in a fixed order; absent optional fields omitted; <c>judge_label</c> null kept when a rule label exists).</summary>
    public static void Write(string path, IEnumerable<LabelledExample> rows) =>
        AtomicFile.WriteAllText(path, string.Concat(rows.Select(r => ToJson(r).ToJsonString(JsonOptions) + "\n")));

    /// <summary>One row as JSON.</summary>
    public static JsonObject ToJson(LabelledExample r)
    {
        var o = new JsonObject();
        if (r.Id is not null) o["id"] = r.Id;
        if (r.DataSource is not null) o["data_source"] = r.DataSource;
        if (r.Difficulty is not null) o["difficulty"] = r.Difficulty;
        o["question"] = r.Question;
        o["reference"] = r.Reference;
        o["completion"] = r.Completion;
        o["label"] = r.Label;
        if (r.RuleLabel is not null) { o["rule_label"] = r.RuleLabel; o["judge_label"] = r.JudgeLabel; }
        if (r.AnswerType is not null) o["answer_type"] = r.AnswerType;
        if (r.AnswerSubtype is not null) o["answer_subtype"] = r.AnswerSubtype;
        return o;
    }

    /// <summary>Reads a field as text: strings as they are, numbers as written; null when absent or null.</summary>
    internal static string? Text(JsonObject o, string key) => Text(o[key]);

    internal static string? Text(JsonNode? n) => n switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
        _ => null,
    };

    internal static JsonNode? First(JsonObject o, IEnumerable<string> keys) =>
        keys.Select(k => o[k]).FirstOrDefault(n => n is not null);

    /// <summary>true/false, 1/0, "yes"/"no", "true"/"false", "correct"/"incorrect"; anything else null.</summary>
    internal static bool? ParseBool(JsonNode? n)
    {
        if (n is not JsonValue v) return null;
        switch (v.GetValueKind())
        {
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Number:
                var x = v.GetValue<double>();
                return x == 1 ? true : x == 0 ? false : null;
            case JsonValueKind.String:
                return v.GetValue<string>().Trim().ToLowerInvariant() switch
                {
                    "true" or "yes" or "1" or "correct" => true,
                    "false" or "no" or "0" or "incorrect" => false,
                    _ => null,
                };
            default: return null;
        }
    }

    /// <summary>A short fingerprint of the rows (count and content hash), to notice a changed data file on resume.</summary>
    public static string Fingerprint(IReadOnlyList<LabelledExample> rows)
    {
        ulong h = 14695981039346656037UL;   // FNV-1a over the fields that matter to training
        foreach (var r in rows)
            foreach (var s in new[] { r.Question, r.Reference, r.Completion, r.Label ? "1" : "0" })
            {
                foreach (var b in Encoding.UTF8.GetBytes(s)) { h ^= b; h *= 1099511628211UL; }
                h ^= 0xFF; h *= 1099511628211UL;
            }
        return $"{rows.Count}:{h:x16}";
    }
}
