using System.Text.Json.Nodes;
using Cooper.Data;

namespace Cooper.Tests.Data;

public class ParquetReaderTests
{
    [Fact]
    public void Nested_verl_parquet_reads_prompt_lists_and_reward_model_structs()
    {
        // verl_nested.parquet: data_source, prompt list<struct<role, content>>, ability,
        // reward_model struct<ground_truth, style>, extra_info struct<index: int64, split, question>.
        var path = DataTestFiles.Fixture("verl_nested.parquet");
        var result = DatasetReader.Load(path);

        Assert.Equal(FileKind.Parquet, result.Kind);
        Assert.Equal(DatasetFormat.Verl, result.Format);
        Assert.Equal(["data_source", "prompt", "ability", "reward_model", "extra_info"], result.Columns);
        Assert.Equal(2, result.Problems.Count);

        var first = result.Problems[0];
        Assert.Equal("0", first.Id);
        Assert.Equal("Tom has 3 apples and buys 2 more. How many apples does he have?", first.Question);
        Assert.Equal("5", first.ReferenceAnswer);
        Assert.Equal("openai/gsm8k", first.DataSource);
        Assert.Equal(["system", "user"], first.Prompt!.Select(m => m.Role));
        Assert.Equal(ChatPrompt.Instruction, first.Prompt![0].Content);
        Assert.Equal("test", first.ExtraValue("split"));

        Assert.Equal("What is 6*7?", result.Problems[1].Question);
        Assert.Equal("42", result.Problems[1].ReferenceAnswer);

        // Row 3 has a null ground truth, row 4 a null message content.
        Assert.Equal([(3, "reward_model.ground_truth"), (4, "prompt[0].content")], result.Errors.Select(e => (e.Row, e.Field)));
        Assert.All(result.Errors, e => Assert.Equal(path, e.File));
    }

    [Fact]
    public void Flat_gsm8k_parquet_is_detected_from_its_columns()
    {
        using var files = new DataTestFiles();
        var path = files.PathOf("gsm8k.parquet");
        ParquetFile.Write(path, [
            new JsonObject { ["question"] = "Ann has 2 cats and gets 3 more. How many cats?", ["answer"] = "2+3=<<2+3=5>>5\n#### 5" },
            new JsonObject { ["question"] = "Big?", ["answer"] = "#### 1,500" },
            new JsonObject { ["question"] = "No hashes", ["answer"] = "7" },
        ]);
        var result = DatasetReader.Load(path);
        Assert.Equal(DatasetFormat.Gsm8k, result.Format);
        Assert.Equal(["5", "1500"], result.Problems.Select(p => p.ReferenceAnswer));
        Assert.Equal([(3, "answer")], result.Errors.Select(e => (e.Row, e.Field)));
    }

    [Fact]
    public void A_parquet_file_without_the_ground_truth_column_stops_naming_it()
    {
        using var files = new DataTestFiles();
        var path = files.PathOf("noreward.parquet");
        ParquetFile.Write(path, [new JsonObject { ["prompt"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }) }]);
        var e = Assert.Throws<DatasetException>(() => DatasetReader.Load(path, new DatasetReadOptions { Format = DatasetFormat.Verl }));
        Assert.StartsWith($"{path}: required column 'reward_model' is missing", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_parquet_stops_with_the_file_name()
    {
        using var files = new DataTestFiles();
        var path = files.WriteLines("broken.parquet", "not parquet at all");
        var e = Assert.Throws<DatasetException>(() => DatasetReader.Load(path));
        Assert.StartsWith($"{path}: cannot read as parquet", e.Message);
    }
}
