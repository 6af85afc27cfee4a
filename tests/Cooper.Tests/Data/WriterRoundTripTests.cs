using Cooper.Data;

namespace Cooper.Tests.Data;

public class WriterRoundTripTests
{
    private static readonly MathProblem[] s_problems =
    [
        new()
        {
            Id = "p-1", Question = "Ann buys 3 pens at $4 each. How much does Ann spend?", ReferenceAnswer = "12",
            Solution = "Cost: 3*4=12.\nThe answer is \\boxed{12}.", DataSource = "cooper/arith-shopping", Difficulty = 1,
            Extra = new Dictionary<string, string> { ["template"] = "shopping", ["split"] = "train" },
        },
        new()
        {
            Id = "p-2", Question = "What fraction is $\\frac{6}{8}$ reduced? Use “quotes” and ü.", ReferenceAnswer = "\\frac{3}{4}",
            Solution = null, DataSource = "toy", Difficulty = null, Extra = null,
        },
    ];

    public static TheoryData<DatasetFormat, FileKind> Layouts => new()
    {
        { DatasetFormat.Plain, FileKind.Jsonl }, { DatasetFormat.Plain, FileKind.Parquet },
        { DatasetFormat.Verl, FileKind.Jsonl }, { DatasetFormat.Verl, FileKind.Parquet },
        { DatasetFormat.Gsm8k, FileKind.Jsonl }, { DatasetFormat.Gsm8k, FileKind.Parquet },
        { DatasetFormat.Math, FileKind.Jsonl }, { DatasetFormat.Math, FileKind.Parquet },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Write_then_read_gives_back_equal_problems(DatasetFormat format, FileKind kind)
    {
        using var files = new DataTestFiles();
        var path = files.PathOf($"{format}{DatasetFormats.Extension(kind)}");
        // verl rows always carry a chat prompt: the default one when the problem has none.
        var expected = format == DatasetFormat.Verl
            ? s_problems.Select(p => p with { Prompt = ChatPrompt.ForChatModel(p.Question) }).ToArray()
            : s_problems;

        DatasetWriter.Write(path, s_problems, format);
        var result = DatasetReader.Load(path);

        Assert.Equal(format, result.Format); // detected, not told
        Assert.Equal(0, result.Skipped);
        Assert.Equal(expected, result.Problems);
    }

    [Fact]
    public void Verl_rows_have_the_layout_verl_reads()
    {
        var row = DatasetWriter.ToRow(s_problems[0], DatasetFormat.Verl, index: 5);
        Assert.Equal("cooper/arith-shopping", (string?)row["data_source"]);
        Assert.Equal("math", (string?)row["ability"]);
        Assert.Equal("12", (string?)row["reward_model"]!["ground_truth"]);
        Assert.Equal("rule", (string?)row["reward_model"]!["style"]);
        Assert.Equal(5, (int)row["extra_info"]!["index"]!);
        Assert.Equal("system", (string?)row["prompt"]![0]!["role"]);
        Assert.Equal(s_problems[0].Question, (string?)row["prompt"]![1]!["content"]);
    }

    [Fact]
    public void Gsm8k_rows_end_the_answer_with_the_hashes_line()
    {
        var row = DatasetWriter.ToRow(s_problems[0], DatasetFormat.Gsm8k);
        Assert.Equal("Cost: 3*4=12.\nThe answer is \\boxed{12}.\n#### 12", (string?)row["answer"]);
    }

    [Fact]
    public void An_empty_split_still_writes_a_readable_schema()
    {
        using var files = new DataTestFiles();
        var path = files.PathOf("empty.parquet");
        DatasetWriter.Write(path, [], DatasetFormat.Verl);
        // No rows: reading reports an empty dataset rather than a broken file.
        Assert.Contains("empty", Assert.Throws<DatasetException>(() => DatasetReader.Load(path)).Message);
    }

    [Fact]
    public void Auto_is_not_an_output_format()
    {
        using var files = new DataTestFiles();
        Assert.Throws<ArgumentException>(() => DatasetWriter.Write(files.PathOf("x.jsonl"), s_problems, DatasetFormat.Auto));
    }
}
