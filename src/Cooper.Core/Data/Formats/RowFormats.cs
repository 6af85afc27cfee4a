using System.Text.Json.Nodes;

namespace Cooper.Data.Formats;

/// <summary>Dispatch from <see cref="DatasetFormat"/> to the per-format readers and writers, and format detection.</summary>
internal static class RowFormats
{
    public static string[] RequiredColumns(DatasetFormat format) => format switch
    {
        DatasetFormat.Verl => VerlFormat.RequiredColumns,
        DatasetFormat.Gsm8k => Gsm8kFormat.RequiredColumns,
        DatasetFormat.Math => MathFormat.RequiredColumns,
        DatasetFormat.Plain => PlainFormat.RequiredColumns,
        _ => throw new ArgumentException($"no columns for format {format}", nameof(format)),
    };

    public static string DefaultDataSource(DatasetFormat format) => format switch
    {
        DatasetFormat.Verl => VerlFormat.DefaultDataSource,
        DatasetFormat.Gsm8k => Gsm8kFormat.DefaultDataSource,
        DatasetFormat.Math => MathFormat.DefaultDataSource,
        DatasetFormat.Plain => PlainFormat.DefaultDataSource,
        _ => throw new ArgumentException($"no data source for format {format}", nameof(format)),
    };

    public static MathProblem Read(DatasetFormat format, Row row) => format switch
    {
        DatasetFormat.Verl => VerlFormat.Read(row),
        DatasetFormat.Gsm8k => Gsm8kFormat.Read(row),
        DatasetFormat.Math => MathFormat.Read(row),
        DatasetFormat.Plain => PlainFormat.Read(row),
        _ => throw new ArgumentException($"cannot read rows as {format}", nameof(format)),
    };

    public static JsonObject Write(DatasetFormat format, MathProblem p, int index) => format switch
    {
        DatasetFormat.Verl => VerlFormat.Write(p, index),
        DatasetFormat.Gsm8k => Gsm8kFormat.Write(p),
        DatasetFormat.Math => MathFormat.Write(p),
        DatasetFormat.Plain => PlainFormat.Write(p),
        _ => throw new ArgumentException($"cannot write rows as {format}: pick verl, gsm8k, math or plain", nameof(format)),
    };

    /// <summary>
    /// The format of rows with these <paramref name="columns"/>: verl when there are <c>prompt</c> and
    /// <c>reward_model</c>; MATH when there is <c>problem</c>; GSM8K when there are <c>question</c> and
    /// <c>answer</c> and a sampled answer contains <c>####</c>; plain for <c>question</c> and <c>answer</c>
    /// otherwise. Null when none fits.
    /// </summary>
    public static DatasetFormat? Detect(IReadOnlyCollection<string> columns, IEnumerable<JsonObject> sample)
    {
        bool Has(string c) => columns.Contains(c);
        if (Has("prompt") && Has("reward_model")) return DatasetFormat.Verl;
        if (Has("problem")) return DatasetFormat.Math;
        if (Has("question") && Has("answer"))
            return sample.Any(r => Row.AsText(r["answer"])?.Contains("####", StringComparison.Ordinal) == true)
                ? DatasetFormat.Gsm8k : DatasetFormat.Plain;
        return null;
    }

    /// <summary>Adds <paramref name="p"/>'s extra fields as top-level text fields, skipping names the format uses.</summary>
    public static void AddExtra(JsonObject row, MathProblem p, IReadOnlySet<string> reserved)
    {
        foreach (var (k, v) in p.Extra ?? new Dictionary<string, string>())
            if (!reserved.Contains(k)) row[k] = v;
    }
}
