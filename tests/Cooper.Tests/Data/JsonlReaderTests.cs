using Cooper.Data;

namespace Cooper.Tests.Data;

public class JsonlReaderTests
{
    private static string Fixture(string name) => DataTestFiles.Fixture(name);

    [Fact]
    public void Real_gsm8k_lines_give_the_number_after_the_hashes_without_thousands_commas()
    {
        var result = DatasetReader.Load(Fixture("gsm8k_test_sample.jsonl"));

        Assert.Equal(DatasetFormat.Gsm8k, result.Format);
        Assert.Equal(0, result.Skipped);
        // Lines 1, 2, 3, 147 and 202 of GSM8K's test split; the last two end in "#### 2,125" and "#### 114,200".
        Assert.Equal(["18", "3", "70000", "2125", "114200"], result.Problems.Select(p => p.ReferenceAnswer));
        var robe = result.Problems[1];
        Assert.Equal("A robe takes 2 bolts of blue fiber and half that much white fiber.  How many bolts in total does it take?", robe.Question);
        Assert.Equal("It takes 2/2=<<2/2=1>>1 bolt of white fiber\nSo the total amount of fabric is 2+1=<<2+1=3>>3 bolts of fabric", robe.Solution);
        Assert.Equal("openai/gsm8k", robe.DataSource);
        Assert.Equal("gsm8k_test_sample-2", robe.Id);
        Assert.StartsWith("Janet\u2019s ducks lay 16 eggs per day.", result.Problems[0].Question);
    }

    [Fact]
    public void Gsm8k_calculator_annotations_can_be_stripped()
    {
        Assert.Equal("It takes 2/2=1 bolt", Cooper.Data.Formats.Gsm8kFormat.StripCalculatorAnnotations("It takes 2/2=<<2/2=1>>1 bolt"));
    }

    [Fact]
    public void Malformed_gsm8k_rows_are_skipped_and_reported_with_line_and_field()
    {
        var path = Fixture("gsm8k_malformed.jsonl");
        var result = DatasetReader.Load(path);

        // Good: lines 1, 6 and 10 (line 3 is blank and not a row).
        Assert.Equal(["5", "1000", "24"], result.Problems.Select(p => p.ReferenceAnswer));
        Assert.Equal("g-10", result.Problems[2].Id);
        Assert.Equal("gsm8k_malformed-1", result.Problems[0].Id);
        Assert.Equal(6, result.Skipped);
        Assert.Equal([(2, null), (4, "question"), (5, "answer"), (7, "question"), (8, "question"), (9, null)],
            result.Errors.Select(e => (e.Row, e.Field)));
        Assert.All(result.Errors, e => Assert.Equal(path, e.File));
        Assert.StartsWith("invalid JSON", result.Errors[0].Message);
        Assert.Equal("empty", result.Errors[1].Message);
        Assert.Contains("####", result.Errors[2].Message);
        Assert.Equal("expected text, got a list", result.Errors[3].Message);
        Assert.Equal("missing", result.Errors[4].Message);
        Assert.Equal($"{path}:5: field 'answer': has no '#### N' final answer", result.Errors[2].ToString());
    }

    [Fact]
    public void Strict_mode_throws_at_the_first_malformed_row_naming_file_line_and_field()
    {
        var path = Fixture("math_malformed.jsonl");
        var e = Assert.Throws<DatasetException>(() => DatasetReader.Load(path, new DatasetReadOptions { Strict = true }));
        Assert.StartsWith($"{path}:3: field 'answer': missing, and the solution has no \\boxed{{}} answer", e.Message);
    }

    [Fact]
    public void Verl_jsonl_rows_read_prompt_ground_truth_and_extra_info()
    {
        var path = Fixture("verl_malformed.jsonl");
        var result = DatasetReader.Load(path);

        Assert.Equal(DatasetFormat.Verl, result.Format);
        Assert.Equal(3, result.Problems.Count);
        var first = result.Problems[0];
        Assert.Equal("7", first.Id);                       // extra_info.index
        Assert.Equal("What is 2+3?", first.Question);      // extra_info.question, not the prompt with its instruction
        Assert.Equal("5", first.ReferenceAnswer);
        Assert.Equal("openai/gsm8k", first.DataSource);
        Assert.Equal(new Dictionary<string, string> { ["split"] = "test" }, first.Extra);
        Assert.Equal([new ChatMessage("user", "What is 2+3? Let's think step by step and output the final answer after \"####\".")], first.Prompt!);

        var second = result.Problems[1];
        Assert.Equal("Compute 6*7.", second.Question);     // the last user message
        Assert.Equal("42", second.ReferenceAnswer);        // a numeric ground truth is read as text
        Assert.Equal("verl_malformed-2", second.Id);
        Assert.Equal(2, second.Prompt!.Count);
        Assert.Null(second.Extra);

        var flattened = result.Problems[2];
        Assert.Equal("9", flattened.ReferenceAnswer);      // reward_model given as JSON text
        Assert.Equal("arithmetic", flattened.ExtraValue("ability"));

        Assert.Equal([(3, "prompt"), (4, "prompt[0].content"), (5, "reward_model.ground_truth"), (6, "prompt"), (8, "reward_model.ground_truth")],
            result.Errors.Select(e => (e.Row, e.Field)));
        Assert.StartsWith("empty", result.Errors[0].Message);
        Assert.Equal("expected text, got a list", result.Errors[4].Message);
    }

    [Fact]
    public void Math_rows_take_the_last_balanced_boxed_answer_when_answer_is_absent()
    {
        var result = DatasetReader.Load(Fixture("math_malformed.jsonl"));

        Assert.Equal(DatasetFormat.Math, result.Format);
        Assert.Equal(["\\frac{3}{4}", "5", "2^{\\frac{1}{2}}"], result.Problems.Select(p => p.ReferenceAnswer));
        Assert.Equal([2, 3, null], result.Problems.Select(p => p.Difficulty)); // "Level 2", 3, "Level ?"
        Assert.Equal("Prealgebra", result.Problems[0].ExtraValue("type"));
        Assert.Equal("Algebra", result.Problems[1].ExtraValue("subject"));
        Assert.Equal("test/algebra/1.json", result.Problems[1].Id);
        Assert.Equal([(3, "answer"), (5, "level"), (6, "problem")], result.Errors.Select(e => (e.Row, e.Field)));
    }

    [Fact]
    public void Plain_rows_accept_numeric_answers_and_reject_booleans_and_bad_json()
    {
        var result = DatasetReader.Load(Fixture("plain_malformed.jsonl"));

        Assert.Equal(DatasetFormat.Plain, result.Format);
        Assert.Equal(["2", "0.75"], result.Problems.Select(p => p.ReferenceAnswer));
        Assert.Equal(1, result.Problems[1].Difficulty);
        Assert.Equal("fractions", result.Problems[1].ExtraValue("topic"));
        Assert.Equal([(3, "answer"), (4, "difficulty"), (5, "answer"), (6, null)], result.Errors.Select(e => (e.Row, e.Field)));
        Assert.Equal("expected text, got a boolean", result.Errors[2].Message);
    }

    [Fact]
    public void An_explicit_format_overrides_detection()
    {
        using var files = new DataTestFiles();
        // Looks plain (no ####), but read as GSM8K every row lacks its '#### N'.
        var path = files.WriteLines("qa.jsonl", """{"question": "q1", "answer": "#### 1"}""", """{"question": "q2", "answer": "2"}""");
        Assert.Equal(DatasetFormat.Gsm8k, DatasetReader.Load(path).Format);
        var plain = DatasetReader.Load(path, new DatasetReadOptions { Format = DatasetFormat.Plain });
        Assert.Equal(["#### 1", "2"], plain.Problems.Select(p => p.ReferenceAnswer));
        var gsm = DatasetReader.Load(path, new DatasetReadOptions { Format = DatasetFormat.Gsm8k, DataSource = "mine" });
        Assert.Equal(["1"], gsm.Problems.Select(p => p.ReferenceAnswer));
        Assert.Equal("mine", gsm.Problems[0].DataSource);
        Assert.Equal([(2, "answer")], gsm.Errors.Select(e => (e.Row, e.Field)));
    }

    [Fact]
    public void A_missing_required_column_stops_with_the_file_and_column()
    {
        using var files = new DataTestFiles();
        var path = files.WriteLines("questions.jsonl", """{"question": "q1"}""", """{"question": "q2"}""");
        var e = Assert.Throws<DatasetException>(() => DatasetReader.Load(path, new DatasetReadOptions { Format = DatasetFormat.Plain }));
        Assert.StartsWith($"{path}: required column 'answer' is missing", e.Message);
    }

    [Fact]
    public void Columns_that_fit_no_format_stop_with_a_message_listing_them()
    {
        using var files = new DataTestFiles();
        var path = files.WriteLines("odd.jsonl", """{"text": "hello", "label": 1}""");
        var e = Assert.Throws<DatasetException>(() => DatasetReader.Load(path));
        Assert.Contains("[text, label]", e.Message);
        Assert.StartsWith(path, e.Message);
    }

    [Fact]
    public void An_empty_file_or_one_with_only_bad_rows_stops_with_a_clear_message()
    {
        using var files = new DataTestFiles();
        var empty = files.WriteLines("empty.jsonl", "", "  ");
        Assert.Equal($"{empty}: the dataset is empty (no rows)", Assert.Throws<DatasetException>(() => DatasetReader.Load(empty)).Message);

        var bad = files.WriteLines("bad.jsonl", """{"question": "q", "answer": ""}""", "{oops");
        var e = Assert.Throws<DatasetException>(() => DatasetReader.Load(bad, new DatasetReadOptions { Format = DatasetFormat.Plain }));
        Assert.StartsWith($"{bad}: no usable rows: all 2 rows are malformed; first: {bad}:1: field 'answer': empty", e.Message);

        Assert.Throws<DatasetException>(() => DatasetReader.Load(files.PathOf("absent.jsonl")));
    }

    [Fact]
    public void A_json_array_file_is_read_as_rows_in_order()
    {
        using var files = new DataTestFiles();
        var path = files.WriteLines("array.json", """[{"question": "q1", "answer": "1"}, 5, {"question": "q3", "answer": "3"}]""");
        var result = DatasetReader.Load(path);
        Assert.Equal(["1", "3"], result.Problems.Select(p => p.ReferenceAnswer));
        Assert.Equal([(2, (string?)null)], result.Errors.Select(e => (e.Row, e.Field)));
    }

    [Fact]
    public void Limit_stops_after_that_many_good_problems()
    {
        var result = DatasetReader.Load(Fixture("gsm8k_test_sample.jsonl"), new DatasetReadOptions { Limit = 2 });
        Assert.Equal(["18", "3"], result.Problems.Select(p => p.ReferenceAnswer));
    }

    [Theory]
    [InlineData("The answer is $\\boxed{\\frac{3}{4}}$.", "\\frac{3}{4}")]
    [InlineData("\\boxed{1} then \\boxed{ 2^{\\frac{1}{2}} }", "2^{\\frac{1}{2}}")]
    [InlineData("\\fbox{7}", "7")]
    [InlineData("\\boxed{\\{1,2\\}}", "\\{1,2\\}")]
    [InlineData("\\boxed{unclosed", null)]
    [InlineData("no box", null)]
    public void The_last_boxed_answer_is_found_with_balanced_braces(string text, string? expected)
    {
        Assert.Equal(expected, BoxedAnswer.Last(text));
    }
}
