using System.Text.Json;
using Cooper.Cli;
using Cooper.Data;
using Cooper.Evaluation;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Training;

[Collection("NonParallel")]
public class ShippedPolicyTests
{
    [Fact]
    public void Cooper_eval_of_the_shipped_policy_reproduces_the_recorded_accuracy()
    {
        // Recorded in docs/BENCHMARKS.md ("Shipped models"): 36 of 160 samples correct (22.5%) for
        // `cooper eval --model models/policy --data embedded:test --limit 40 --samples 4` at the default seed.
        var file = Path.Combine(Directory.CreateTempSubdirectory("cooper-eval-").FullName, "samples.jsonl");
        try
        {
            int rc = CliApp.Run(["eval", "--model", ShippedModels.Policy, "--data", "embedded:test", "--limit", "40", "--samples", "4", "--device", "cpu", "--out", file]);
            Assert.Equal(0, rc);
            var rows = File.ReadLines(file).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(160, rows.Count);
            Assert.Equal(36, rows.Count(r => r.GetProperty("correct").GetBoolean()));
        }
        finally { Directory.Delete(Path.GetDirectoryName(file)!, true); }
    }
}

public class EvalSummaryTests
{
    private static MathProblem P(string id, int level, string source) =>
        new() { Id = id, Question = "q" + id, ReferenceAnswer = "1", Difficulty = level, DataSource = source };

    [Fact]
    public void Mean_at_k_is_the_fraction_of_correct_samples_overall_and_per_group()
    {
        var problems = new[] { P("a", 1, "s1"), P("b", 1, "s2"), P("c", 2, "s2") };
        // a: 2/2 correct, b: 1/2, c: 0/2 → overall 3/6; level 1: 3/4, level 2: 0/2; s1: 2/2, s2: 1/4
        var samples = new List<EvalSample>
        {
            new(0, "a", 0, "x", true, "stop"), new(0, "a", 1, "x", true, "stop"),
            new(1, "b", 0, "x", true, "stop"), new(1, "b", 1, "x", false, "stop"),
            new(2, "c", 0, "x", false, "length"), new(2, "c", 1, "x", false, "stop"),
        };
        var r = PolicyEvaluator.Summarise(problems, samples, 2);
        Assert.Equal(0.5, r.Accuracy);
        Assert.Equal(0.75, r.ByDifficulty[1]);
        Assert.Equal(0.0, r.ByDifficulty[2]);
        Assert.Equal(1.0, r.ByDataSource["s1"]);
        Assert.Equal(0.25, r.ByDataSource["s2"]);
        Assert.Equal(0.75, r.ToMetrics("test")["test/accuracy_level_1"]);
    }
}
