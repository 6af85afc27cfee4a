using System.Text.Json.Nodes;
using Cooper.Data.Formats;

namespace Cooper.Data;

/// <summary>
/// Writes <see cref="MathProblem"/>s as verl, GSM8K, MATH or plain rows, to JSONL or parquet, so generated
/// data can feed verl or TRL as is. Every writer keeps every field <see cref="DatasetReader"/> reads back
/// (id, data source, difficulty and extras ride along as extra columns), so write → read is lossless;
/// verl rows always carry a prompt (<see cref="ChatPrompt.ForChatModel"/> when the problem has none).
/// Files are written atomically (temp file, then rename).
/// </summary>
public static class DatasetWriter
{
    /// <summary>Writes <paramref name="problems"/> to <paramref name="path"/>; <paramref name="kind"/> defaults to the extension's.</summary>
    public static void Write(string path, IEnumerable<MathProblem> problems, DatasetFormat format, FileKind? kind = null)
    {
        if (format == DatasetFormat.Auto)
            throw new ArgumentException("the output format must be explicit: verl, gsm8k, math or plain", nameof(format));
        kind ??= DatasetFormats.KindOf(path);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var rows = problems.Select((p, i) => ToRow(p, format, i)).ToList();
        if (kind == FileKind.Jsonl) JsonlFile.Write(path, rows);
        else
        {
            // An empty split still gets the format's columns: take them from a stand-in problem.
            var schemaRows = rows.Count > 0 ? rows : [ToRow(SchemaExample, format, 0)];
            ParquetFile.Write(path, rows, schemaRows);
        }
    }

    /// <summary>The row <see cref="Write"/> writes for <paramref name="p"/> (the <paramref name="index"/>-th of its file), null fields dropped.</summary>
    public static JsonObject ToRow(MathProblem p, DatasetFormat format, int index = 0) =>
        JsonlFile.DropNulls(RowFormats.Write(format, p, index));

    private static readonly MathProblem SchemaExample = new()
    {
        Id = "", Question = "", ReferenceAnswer = "", Solution = "", DataSource = "", Difficulty = 0,
    };
}
