using System.CommandLine;
using System.Text.Json.Nodes;
using Cooper.Cli;
using Cooper.Cli.Commands;
using Cooper.Data;

namespace Cooper.Tests.Data;

public class DataCommandsTests
{
    private static int Run(params string[] args)
    {
        var g = new GlobalOptions();
        var root = new RootCommand("test");
        g.AddTo(root);
        root.Subcommands.Add(DataCommands.Create(g));
        return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    [Fact]
    public void Generate_writes_three_verl_parquet_splits_and_a_manifest()
    {
        using var files = new DataTestFiles();
        var dir = files.PathOf("arith");
        Assert.Equal(0, Run("data", "generate", "--out", dir, "--train", "40", "--val", "5", "--test", "8", "--format", "verl-parquet", "--seed", "9"));

        var train = DatasetReader.Load(Path.Combine(dir, "train.parquet"));
        Assert.Equal(DatasetFormat.Verl, train.Format);
        Assert.Equal(40, train.Problems.Count);
        Assert.Equal(5, DatasetReader.Load(Path.Combine(dir, "val.parquet")).Problems.Count);
        Assert.Equal(8, DatasetReader.Load(Path.Combine(dir, "test.parquet")).Problems.Count);
        Assert.All(train.Problems, p => Assert.StartsWith("cooper/arith-", p.DataSource));

        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")))!;
        Assert.Equal(9, (int)manifest["seed"]!);
        Assert.Equal("verl", (string?)manifest["format"]);
    }

    [Fact]
    public void Generated_jsonl_reads_back_as_the_same_problems_the_library_makes()
    {
        using var files = new DataTestFiles();
        var dir = files.PathOf("plain");
        Assert.Equal(0, Run("data", "generate", "--out", dir, "--train", "20", "--val", "0", "--test", "3", "--seed", "4"));
        var expected = Cooper.Data.Embedded.EmbeddedTask.Generate(4, 20, 0, 3);
        Assert.Equal(expected.Train, DatasetReader.Load(Path.Combine(dir, "train.jsonl")).Problems);
        Assert.Equal(expected.Test, DatasetReader.Load(Path.Combine(dir, "test.jsonl")).Problems);
    }

    [Fact]
    public void Inspect_succeeds_on_a_file_with_malformed_rows_and_fails_on_a_missing_file()
    {
        using var files = new DataTestFiles();
        Assert.Equal(0, Run("data", "inspect", DataTestFiles.Fixture("gsm8k_malformed.jsonl"), "--rows", "1"));
        Assert.Equal(1, Run("data", "inspect", files.PathOf("nope.jsonl")));
        Assert.NotEqual(0, Run("data", "generate", "--out", files.PathOf("x"), "--format", "csv"));
    }

    [Fact]
    public void The_inspect_report_has_counts_columns_rows_and_errors()
    {
        var path = DataTestFiles.Fixture("gsm8k_malformed.jsonl");
        var report = DatasetSummary.Describe(DatasetReader.Load(path), rows: 1);
        Assert.Contains("format       gsm8k (jsonl)", report);
        Assert.Contains("columns      question, answer, id", report);
        Assert.Contains("rows         9: 3 loaded, 6 malformed (skipped)", report);
        Assert.Contains("answers      integer 100.0%", report);
        Assert.Contains("  answer:   5", report);
        Assert.Contains($"  {path}:5: field 'answer': has no '#### N' final answer", report);
    }

    [Theory]
    [InlineData("42", AnswerFormat.Integer)]
    [InlineData("1,000", AnswerFormat.Integer)]
    [InlineData("2.5", AnswerFormat.Decimal)]
    [InlineData("\\frac{3}{4}", AnswerFormat.Fraction)]
    [InlineData("3/4", AnswerFormat.Fraction)]
    [InlineData("40\\%", AnswerFormat.Percent)]
    [InlineData("x+1", AnswerFormat.Other)]
    public void Reference_answers_are_classified_by_how_they_are_written(string reference, AnswerFormat format)
    {
        Assert.Equal(format, DatasetSummary.Classify(reference));
    }
}
