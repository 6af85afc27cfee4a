using System.Text.Json.Nodes;
using Cooper.Verify.Batch;

namespace Cooper.Verify.Tests;

/// <summary>The batch runners behind <c>cooper verify --cases</c> and <c>--verifybench</c>.</summary>
public class BatchTests
{
    [Fact]
    public void Case_runner_echoes_each_line_adds_verdict_and_ms_and_skips_bad_lines()
    {
        var input = new StringReader(string.Join("\n",
            """{"gold": "$\\frac{1}{2}$", "pred": "0.5", "expected": true}""",
            """{"gold": "$x \\in [-2,7]$", "pred": "$-2 \\le x \\le 7$", "expected": false, "match_types": ["latex"], "allow_set_relation_comp": false}""",
            "this is not json",
            """{"gold": "1"}""",
            "",
            """{"gold": "1000", "pred": "1000,4", "precision": 0, "match_types": ["expr"]}"""));
        var output = new StringWriter();
        var summary = CaseRunner.Run(input, output);

        Assert.Equal(3, summary.Cases);
        Assert.Equal(2, summary.WithExpected);
        Assert.Equal(2, summary.Agreed);
        Assert.Equal(2, summary.BadLines.Count);
        Assert.StartsWith("line 3:", summary.BadLines[0]);
        Assert.StartsWith("line 4:", summary.BadLines[1]);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        var first = JsonNode.Parse(lines[0])!;
        Assert.Equal("0.5", first["pred"]!.GetValue<string>());
        Assert.True(first["verdict"]!.GetValue<bool>());
        Assert.True(first["ms"]!.GetValue<double>() >= 0);
        Assert.True(JsonNode.Parse(lines[2])!["verdict"]!.GetValue<bool>());        // precision 0: 1000,4 (decimal comma) rounds to 1000
        var last = JsonNode.Parse(lines[^1])!;
        Assert.True(last["summary"]!.GetValue<bool>());
        Assert.Equal(3, last["cases"]!.GetValue<int>());
        Assert.Equal(1.0, last["agreement"]!.GetValue<double>());
    }

    [Fact]
    public void Case_runner_on_the_dev_file_reports_its_agreement()
    {
        using var input = File.OpenText(TestData.PathOf("math_verify_dev_cases.jsonl"));
        var summary = CaseRunner.Run(input, output: null);
        Assert.Equal(115, summary.Cases);
        Assert.True(summary.Agreement >= 0.97, CaseRunner.Describe(summary));
    }

    [Fact]
    public void VerifyBench_runner_reports_accuracy_per_type_and_subtype()
    {
        string Line(string answer, string completion, bool correct, string type, string sub) =>
            new JsonObject
            {
                ["question"] = "q",
                ["answer"] = answer,
                ["completion"] = completion,
                ["gold_correct"] = correct,
                ["answer_type"] = type,
                ["answer_subtype"] = sub,
            }.ToJsonString();

        var input = new StringReader(string.Join("\n",
            Line("$\\frac{1}{2}$", "The answer is \\boxed{0.5}.", true, "Numerical", "Float"),
            Line("42", "so we get 41", false, "Numerical", "Integer"),
            Line("B", "Comparing the options, the answer is (B).", true, "Multiple Choice", "Single"),
            Line("C", "The answer is \\boxed{A}", false, "Multiple Choice", "Single"),
            Line("Paris", "Thus the answer is Paris.", true, "String", "Specific"),
            Line("$x^2+2x+1$", "\\boxed{(x+1)^2}", true, "Expression", "Algebraic"),
            Line("7", "wrong: the answer is 7", false, "Numerical", "Integer"),
            "{broken"));
        var report = VerifyBenchRunner.Run(input, output: null);

        Assert.Equal(7, report.Items);
        Assert.Equal(6, report.Correct);                   // the last numeric item's gold label disagrees with the math
        Assert.Single(report.BadLines);
        Assert.Equal((2, 2), report.ByType["Multiple Choice"]);
        Assert.Equal((3, 2), report.ByType["Numerical"]);
        Assert.Equal((2, 1), report.BySubtype["Numerical/Integer"]);
        Assert.Contains("overall", report.Format());
    }
}
