namespace Cooper.Data;

/// <summary>The layout of a dataset's rows, independent of the file kind (JSONL or parquet).</summary>
public enum DatasetFormat
{
    /// <summary>Detect from the fields: <see cref="Verl"/>, then <see cref="Math"/>, then <see cref="Gsm8k"/>, then <see cref="Plain"/>.</summary>
    Auto,

    /// <summary>
    /// verl's RL layout, the one the paper's code trains on: <c>data_source</c>, <c>prompt</c> (a list of
    /// <c>{role, content}</c> messages), <c>ability</c>, <c>reward_model: {ground_truth, style}</c>, <c>extra_info</c>.
    /// </summary>
    Verl,

    /// <summary>GSM8K as released: <c>question</c>, <c>answer</c> = worked solution ending in <c>#### N</c>.</summary>
    Gsm8k,

    /// <summary>MATH (Hendrycks) and MATH-500: <c>problem</c>, <c>solution</c>, optional <c>answer</c>, <c>level</c>, <c>type</c>/<c>subject</c>.</summary>
    Math,

    /// <summary>
    /// <c>question</c> and <c>answer</c> (the final answer only); optionally <c>id</c>, <c>solution</c>,
    /// <c>data_source</c>, <c>difficulty</c>, <c>extra</c>. Cooper's own layout: it keeps every field of a <see cref="MathProblem"/>.
    /// </summary>
    Plain,
}

/// <summary>The container a dataset is stored in.</summary>
public enum FileKind
{
    /// <summary>One JSON object per line (<c>.jsonl</c>, also <c>.json</c> when it holds one object per line).</summary>
    Jsonl,

    /// <summary>Apache Parquet (<c>.parquet</c>), nested columns included.</summary>
    Parquet,
}

/// <summary>Parsing and naming of <see cref="DatasetFormat"/> and <see cref="FileKind"/>.</summary>
public static class DatasetFormats
{
    /// <summary>The file kind implied by <paramref name="path"/>'s extension: parquet for <c>.parquet</c>/<c>.pq</c>, JSONL otherwise.</summary>
    public static FileKind KindOf(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".parquet" or ".pq" ? FileKind.Parquet : FileKind.Jsonl;

    /// <summary>The usual extension for <paramref name="kind"/>, with the dot.</summary>
    public static string Extension(FileKind kind) => kind == FileKind.Parquet ? ".parquet" : ".jsonl";

    /// <summary>Parses <c>auto</c>, <c>verl</c>, <c>gsm8k</c>, <c>math</c>, <c>plain</c> (case-insensitive).</summary>
    public static DatasetFormat Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "auto" => DatasetFormat.Auto,
        "verl" => DatasetFormat.Verl,
        "gsm8k" => DatasetFormat.Gsm8k,
        "math" => DatasetFormat.Math,
        "plain" => DatasetFormat.Plain,
        _ => throw new ArgumentException($"unknown dataset format '{name}': use auto, verl, gsm8k, math or plain", nameof(name)),
    };

    /// <summary>
    /// The output layouts <c>cooper data generate --format</c> offers, by name: <c>jsonl</c>/<c>parquet</c>
    /// (plain rows, every field kept), <c>verl-jsonl</c>/<c>verl-parquet</c>, <c>gsm8k-jsonl</c>, <c>math-jsonl</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, (DatasetFormat Format, FileKind Kind)> Outputs { get; } =
        new Dictionary<string, (DatasetFormat, FileKind)>
        {
            ["jsonl"] = (DatasetFormat.Plain, FileKind.Jsonl),
            ["parquet"] = (DatasetFormat.Plain, FileKind.Parquet),
            ["verl-jsonl"] = (DatasetFormat.Verl, FileKind.Jsonl),
            ["verl-parquet"] = (DatasetFormat.Verl, FileKind.Parquet),
            ["gsm8k-jsonl"] = (DatasetFormat.Gsm8k, FileKind.Jsonl),
            ["math-jsonl"] = (DatasetFormat.Math, FileKind.Jsonl),
        };

    /// <summary>Looks up an output layout name from <see cref="Outputs"/>.</summary>
    public static (DatasetFormat Format, FileKind Kind) ParseOutput(string name) =>
        Outputs.TryGetValue(name.Trim().ToLowerInvariant(), out var output) ? output
            : throw new ArgumentException($"unknown output format '{name}': use {string.Join(", ", Outputs.Keys)}", nameof(name));

    /// <summary>The lower-case name <see cref="Parse"/> accepts.</summary>
    public static string Name(DatasetFormat format) => format.ToString().ToLowerInvariant();
}
