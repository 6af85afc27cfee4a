using System.Globalization;
using System.Text.Json.Nodes;
using Cooper.Annotation;
using Cooper.Rewards;
using Cooper.Tests.Modeling;

using Cooper.Tests.RL;
using Cooper.Tests.Data;

namespace Cooper.Tests.Rewards;

public class RewardModelEvaluationTests
{
    // VerifyBench rows; each completion carries the score the fake scorer gives it ("p=0.9").
    private const string VerifyBench = """
        {"question":"q1","answer":"3","completion":"p=0.9","gold_correct":true,"answer_type":"Numerical","answer_subtype":"Integer"}
        {"question":"q2","answer":"3","completion":"p=0.2","gold_correct":false,"answer_type":"Numerical","answer_subtype":"Integer"}
        {"question":"q3","answer":"1/2","completion":"p=0.4","gold_correct":true,"answer_type":"Numerical","answer_subtype":"Fraction"}
        {"question":"q4","answer":"x^2","completion":"p=0.7","gold_correct":true,"answer_type":"Expression","answer_subtype":"Polynomial"}
        {"question":"q5","answer":"x^2","completion":"p=0.6","gold_correct":false,"answer_type":"Expression","answer_subtype":"Polynomial"}
        {"question":"q6","answer":"B","completion":"p=0.5","gold_correct":1,"answer_type":"Multiple-choice","answer_subtype":"Single"}
        {"question":"q7","answer":"B","completion":"p=0.1","gold_correct":"no","answer_type":"Multiple-choice","answer_subtype":"Single"}
        {"question":"q8","answer":"blue","completion":"p=0.3","gold_correct":false,"answer_type":"String","answer_subtype":"Word"}
        """;

    private static float[] FakeScorer(IReadOnlyList<RmInput> inputs) =>
        inputs.Select(i => float.Parse(i.Completion[2..], CultureInfo.InvariantCulture)).ToArray();

    private static List<LabelledExample> Fixture(TempDir dir)
    {
        var path = Path.Combine(dir.Path, "verifybench.jsonl");
        File.WriteAllText(path, VerifyBench);
        return LabelledSet.Read(path);
    }

    [Fact]
    public void Per_type_accuracy_matches_the_hand_count()
    {
        using var dir = new TempDir();
        var report = RmEvaluation.Evaluate(Fixture(dir), FakeScorer);
        // p ≥ 0.5 ⇒ "correct". Hits: q1 ✓, q2 ✓, q3 ✗ (0.4 on a correct one), q4 ✓, q5 ✗ (0.6 on a wrong one),
        // q6 ✓ (0.5 counts as correct), q7 ✓, q8 ✓ → 6 of 8.
        Assert.Equal(8, report.Count);
        Assert.Equal(4, report.Positives);
        Assert.Equal(0.75, report.Accuracy, 12);
        var byType = report.ByType.ToDictionary(g => g.Name, g => (g.Count, g.Accuracy));
        Assert.Equal((3, 2.0 / 3), byType["Numerical"]);
        Assert.Equal((2, 0.5), byType["Expression"]);
        Assert.Equal((2, 1.0), byType["Multiple-choice"]);
        Assert.Equal((1, 1.0), byType["String"]);
        var bySubtype = report.BySubtype.ToDictionary(g => g.Name, g => g.Accuracy);
        Assert.Equal(1.0, bySubtype["Integer"]);
        Assert.Equal(0.0, bySubtype["Fraction"]);
        // AUROC: positives {0.9, 0.4, 0.7, 0.5}, negatives {0.2, 0.6, 0.1, 0.3}; pairs won: 4 + 3 + 4 + 3 = 14 of 16.
        Assert.Equal(14.0 / 16, report.Auroc, 12);
        Assert.Equal(8, report.Calibration.Sum(b => b.Count));
    }

    [Fact]
    public void The_report_serialises_with_namespaced_metrics()
    {
        using var dir = new TempDir();
        var report = RmEvaluation.Evaluate(Fixture(dir), FakeScorer);
        var m = report.ToMetrics("rm/val_");
        Assert.Equal(0.75, m["rm/val_accuracy"], 12);
        Assert.True(m.ContainsKey("rm/val_auroc") && m.ContainsKey("rm/val_ece"));
        var json = RmEvaluation.ToJson(report);
        Assert.Equal(4, ((JsonArray)json["by_answer_type"]!).Count);
        Assert.Contains("Multiple-choice", RmEvaluation.Format(report));
    }

    [Fact]
    public void Labels_are_read_from_any_of_the_accepted_forms()
    {
        using var dir = new TempDir();
        var rows = Fixture(dir);
        Assert.Equal([true, false, true, true, false, true, false, false], rows.Select(r => r.Label));
        Assert.Equal("3", rows[0].Reference);
        Assert.Equal("Integer", rows[0].AnswerSubtype);
    }

    [Fact]
    public void A_row_without_a_label_names_its_line()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "bad.jsonl");
        File.WriteAllText(path, "{\"question\":\"q\",\"answer\":\"1\",\"completion\":\"c\",\"label\":true}\n\n{\"question\":\"q\",\"answer\":\"1\",\"completion\":\"c\",\"label\":\"maybe\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => LabelledSet.Read(path));
        Assert.Contains("bad.jsonl:3", e.Message);
    }

    [Fact]
    public void Written_rows_read_back_the_same()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "rows.jsonl");
        var rows = TinyRewardModel.SyntheticSet(5).Select((r, i) => r with { Difficulty = i, RuleLabel = r.Label, JudgeLabel = i == 2 ? null : r.Label }).ToList();
        LabelledSet.Write(path, rows);
        Assert.Equal(rows, LabelledSet.Read(path));
    }
}
