using Cooper.Data.Formats;

namespace Cooper.Data;

/// <summary>
/// Reads a dataset file (JSONL or parquet; verl, GSM8K, MATH or plain rows) into <see cref="MathProblem"/>s.
/// <list type="bullet">
/// <item>The file kind comes from the extension, the row format from the columns (<see cref="Formats.RowFormats.Detect"/>); both can be forced.</item>
/// <item>A malformed row (bad JSON, a missing/empty required field, a wrong type) becomes a <see cref="RowError"/>
/// naming the file, the 1-based row (JSONL: line) and the field, and is skipped; with
/// <see cref="DatasetReadOptions.Strict"/> the first one throws <see cref="DatasetException"/> with that message.</item>
/// <item>A missing file, an empty file, a required column absent from every row, or no usable row at all throws
/// <see cref="DatasetException"/> naming the file (and the column).</item>
/// </list>
/// </summary>
public static class DatasetReader
{
    /// <summary>Reads <paramref name="path"/>.</summary>
    public static DatasetLoadResult Load(string path, DatasetReadOptions? options = null)
    {
        options ??= new DatasetReadOptions();
        if (!File.Exists(path)) throw new DatasetException($"{path}: file not found");
        var kind = options.Kind ?? DatasetFormats.KindOf(path);

        List<SourceRow> rows;
        List<string> columns;
        if (kind == FileKind.Parquet) (rows, columns) = ParquetFile.Read(path);
        else
        {
            rows = JsonlFile.Read(path);
            columns = rows.Where(r => r.Fields is not null).SelectMany(r => r.Fields!.Select(kv => kv.Key)).Distinct().ToList();
        }
        if (rows.Count == 0) throw new DatasetException($"{path}: the dataset is empty (no rows)");

        var format = options.Format;
        if (format == DatasetFormat.Auto)
        {
            var sample = rows.Where(r => r.Fields is not null).Take(50).Select(r => r.Fields!);
            format = RowFormats.Detect(columns, sample) ?? throw new DatasetException(
                $"{path}: cannot tell the format from the columns [{string.Join(", ", columns)}]; expected verl (prompt, reward_model), " +
                "math (problem, solution), gsm8k (question, answer with '#### N') or plain (question, answer); name the format explicitly");
        }
        if (columns.Count > 0)
            foreach (var required in RowFormats.RequiredColumns(format))
                if (!columns.Contains(required))
                    throw new DatasetException(
                        $"{path}: required column '{required}' is missing (the {DatasetFormats.Name(format)} format needs " +
                        $"{string.Join(", ", RowFormats.RequiredColumns(format))}; the file has [{string.Join(", ", columns)}])");

        var stem = Path.GetFileNameWithoutExtension(path);
        var dataSource = options.DataSource ?? RowFormats.DefaultDataSource(format);
        var problems = new List<MathProblem>();
        var errors = new List<RowError>();
        foreach (var source in rows)
        {
            if (options.Limit is { } limit && problems.Count >= limit) break;
            RowError? error = null;
            if (source.Fields is null) error = new RowError(path, source.Number, null, source.Error ?? "unreadable row");
            else
            {
                try { problems.Add(RowFormats.Read(format, new Row(source.Fields, source.Number, stem, dataSource))); }
                catch (RowFieldException e) { error = new RowError(path, source.Number, e.Field, e.Message); }
            }
            if (error is null) continue;
            if (options.Strict) throw new DatasetException($"{error} (strict mode: fix the row or read without strict to skip it)");
            errors.Add(error);
        }
        if (problems.Count == 0)
            throw new DatasetException($"{path}: no usable rows: all {errors.Count} rows are malformed; first: {errors[0]}");
        return new DatasetLoadResult(path, format, kind, columns, problems, errors);
    }
}
