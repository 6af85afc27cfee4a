namespace Cooper.Data;

/// <summary>How to read a dataset file.</summary>
public sealed record DatasetReadOptions
{
    /// <summary>The row layout; <see cref="DatasetFormat.Auto"/> detects it from the fields.</summary>
    public DatasetFormat Format { get; init; } = DatasetFormat.Auto;

    /// <summary>The container; null takes it from the extension (<c>.parquet</c> → parquet, else JSONL).</summary>
    public FileKind? Kind { get; init; }

    /// <summary>Throw <see cref="DatasetException"/> at the first malformed row instead of skipping it.</summary>
    public bool Strict { get; init; }

    /// <summary>The <see cref="MathProblem.DataSource"/> for rows without a <c>data_source</c> field; null uses the format's default.</summary>
    public string? DataSource { get; init; }

    /// <summary>Stop after this many good problems (null: read all).</summary>
    public int? Limit { get; init; }
}

/// <summary>A row that could not be read: where (file, 1-based row or JSONL line, field) and why.</summary>
public sealed record RowError(string File, int Row, string? Field, string Message)
{
    public override string ToString() =>
        Field is null ? $"{File}:{Row}: {Message}" : $"{File}:{Row}: field '{Field}': {Message}";
}

/// <summary>What <see cref="DatasetReader.Load"/> read: the good problems and every skipped row.</summary>
public sealed record DatasetLoadResult(
    string File,
    DatasetFormat Format,
    FileKind Kind,
    IReadOnlyList<string> Columns,
    IReadOnlyList<MathProblem> Problems,
    IReadOnlyList<RowError> Errors)
{
    /// <summary>Rows skipped as malformed (one per <see cref="Errors"/> entry).</summary>
    public int Skipped => Errors.Count;
}

/// <summary>A dataset that cannot be used: empty, a required column missing, or (strict mode) a malformed row.</summary>
public sealed class DatasetException(string message) : Exception(message);
