using System.Text.Json.Nodes;
using Cooper.Annotation;
using Cooper.Annotation.Judges;
using Cooper.Tests.Modeling;

using Cooper.Tests.RL;
using Cooper.Tests.Data;

namespace Cooper.Tests.Annotation;

public class RewardModelAnnotationTests
{
    /// <summary>A judge that answers from a script keyed by completion; "throw" makes it fail.</summary>
    private sealed class ScriptedJudge(IReadOnlyDictionary<string, string> script) : IJudge
    {
        public int Calls;

        public Task<bool?> JudgeAsync(string question, string reference, string completion, CancellationToken ct = default)
        {
            Interlocked.Increment(ref Calls);
            return script[completion] switch
            {
                "yes" => Task.FromResult<bool?>(true),
                "no" => Task.FromResult<bool?>(false),
                "none" => Task.FromResult<bool?>(null),
                _ => throw new HttpRequestException("endpoint down"),
            };
        }
    }

    // (completion, rule verdict, judge verdict, source). Hand counts over the 8:
    //   agree: c1 c2 (both yes), c3 c4 (both no)      → 4 agreements
    //   disagree: c5 (rule yes, judge no), c6 (rule no, judge yes) → 2
    //   no verdict: c7 (judge null), c8 (judge throws) → 2; judged = 6
    //   rule positives c1 c2 c5 c7 = 4; judge positives c1 c2 c6 = 3
    private static readonly (string Completion, bool Rule, string Judge, string Source)[] s_fixture =
    [
        ("c1", true, "yes", "A"), ("c2", true, "yes", "A"), ("c3", false, "no", "A"), ("c4", false, "no", "A"),
        ("c5", true, "no", "B"), ("c6", false, "yes", "B"), ("c7", true, "none", "B"), ("c8", false, "throw", "B"),
    ];

    private static IReadOnlyList<AnnotationItem> Items() =>
        s_fixture.Select((f, i) => new AnnotationItem($"p{i}", $"question {i}", "ref", f.Completion) { DataSource = f.Source }).ToList();

    private static Task<AnnotationResult> Annotate(LabelPolicy policy, ScriptedJudge? judge = null)
    {
        var rule = s_fixture.ToDictionary(f => f.Completion, f => f.Rule);
        judge ??= new ScriptedJudge(s_fixture.ToDictionary(f => f.Completion, f => f.Judge));
        return HybridAnnotator.AnnotateAsync(Items(), (completion, _) => rule[completion], judge, policy, maxConcurrency: 3);
    }

    [Theory]
    [InlineData(LabelPolicy.KeepAgreements, 4, 2, "c1 c2 c3 c4")]
    [InlineData(LabelPolicy.RuleOnly, 8, 4, "c1 c2 c3 c4 c5 c6 c7 c8")]
    [InlineData(LabelPolicy.JudgeOnly, 6, 3, "c1 c2 c3 c4 c5 c6")]
    public async Task Each_policy_keeps_the_hand_counted_rows(LabelPolicy policy, int labelled, int positives, string kept)
    {
        var judge = new ScriptedJudge(s_fixture.ToDictionary(f => f.Completion, f => f.Judge));
        var result = await Annotate(policy, judge);
        var c = result.Counts;
        Assert.Equal(8, judge.Calls);   // the judge runs whatever the policy, so agreement is always reported
        Assert.Equal((8, 6, 2, 4, 2, 4, 3), (c.Total, c.Judged, c.NoVerdict, c.Agreements, c.Disagreements, c.RulePositives, c.JudgePositives));
        Assert.Equal(4.0 / 6, c.AgreementRate, 12);
        Assert.Equal((labelled, positives), (c.Labelled, c.Positives));
        Assert.Equal(kept, string.Join(' ', result.Labelled.Select(r => r.Completion)));
        Assert.Equal(["c5", "c6"], result.Disagreements.Select(d => d.Item.Completion));
    }

    [Fact]
    public async Task The_judge_only_policy_labels_by_the_judge()
    {
        var result = await Annotate(LabelPolicy.JudgeOnly);
        var byCompletion = result.Labelled.ToDictionary(r => r.Completion, r => r.Label);
        Assert.False(byCompletion["c5"]);
        Assert.True(byCompletion["c6"]);
    }

    [Fact]
    public async Task The_output_folder_holds_labels_disagreements_and_a_summary()
    {
        using var dir = new TempDir();
        var result = await Annotate(LabelPolicy.KeepAgreements);
        HybridAnnotator.Write(result, dir.Path, new JsonObject { ["judge"] = "scripted" });

        var labelled = LabelledSet.Read(Path.Combine(dir.Path, "labelled.jsonl"));
        Assert.Equal(["c1", "c2", "c3", "c4"], labelled.Select(r => r.Completion));
        Assert.All(labelled, r => Assert.Equal(r.RuleLabel, r.JudgeLabel));
        Assert.Equal("A", labelled[0].DataSource);

        var disagreements = File.ReadAllLines(Path.Combine(dir.Path, "disagreements.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(2, disagreements.Count);
        Assert.True(disagreements[0]["rule_label"]!.GetValue<bool>());
        Assert.False(disagreements[0]["judge_label"]!.GetValue<bool>());
        Assert.Null(disagreements[0]["label"]);   // keep-agreements gives a disagreement no label

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "summary.json")))!.AsObject();
        Assert.Equal("keep-agreements", summary["policy"]!.GetValue<string>());
        Assert.Equal("scripted", summary["judge"]!.GetValue<string>());
        Assert.Equal(4, summary["counts"]!["agreements"]!.GetValue<int>());
        Assert.Equal(2, summary["counts"]!["no_verdict"]!.GetValue<int>());
        // per source: A holds c1..c4 (all agree, all kept); B holds c5..c8 (2 disagree, 2 unjudged, none kept)
        Assert.Equal(4, summary["by_data_source"]!["A"]!["labelled"]!.GetValue<int>());
        Assert.Equal(0, summary["by_data_source"]!["B"]!["labelled"]!.GetValue<int>());
        Assert.Equal(2, summary["by_data_source"]!["B"]!["judged"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(LabelPolicy.KeepAgreements, true, true, true)]
    [InlineData(LabelPolicy.KeepAgreements, true, false, null)]
    [InlineData(LabelPolicy.KeepAgreements, false, null, null)]
    [InlineData(LabelPolicy.RuleOnly, false, true, false)]
    [InlineData(LabelPolicy.RuleOnly, true, null, true)]
    [InlineData(LabelPolicy.JudgeOnly, false, true, true)]
    [InlineData(LabelPolicy.JudgeOnly, true, null, null)]
    public void Decide_follows_the_policy(LabelPolicy policy, bool rule, bool? judge, bool? expected) =>
        Assert.Equal(expected, HybridAnnotator.Decide(policy, rule, judge));

    [Fact]
    public async Task The_arithmetic_judge_recomputes_steps_and_gives_no_label_without_an_answer()
    {
        var judge = new ArithmeticJudge();
        Assert.True(await judge.JudgeAsync("q", "36", "Cost: 3*12=36.\nThe answer is \\boxed{36}."));
        Assert.False(await judge.JudgeAsync("q", "36", "Cost: 3*12=35.\nThe answer is \\boxed{36}."));
        Assert.Null(await judge.JudgeAsync("q", "36", "I think it is thirty-six"));
    }

    [Fact]
    public void Completion_files_may_hold_one_completion_or_a_list_per_row()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "completions.jsonl");
        File.WriteAllText(path,
            "{\"id\":\"a\",\"question\":\"1+1?\",\"answer\":\"2\",\"completion\":\"\\\\boxed{2}\",\"data_source\":\"s\"}\n" +
            "{\"question\":\"2+2?\",\"reference\":\"4\",\"completions\":[\"\\\\boxed{4}\",\"\\\\boxed{5}\"],\"difficulty\":2}\n");
        var items = CompletionSources.ReadCompletions(path);
        Assert.Equal(["a", "row-2#0", "row-2#1"], items.Select(i => i.Id));
        Assert.Equal("\\boxed{5}", items[2].Completion);
        Assert.Equal("4", items[2].Reference);
        Assert.Equal(2, items[1].Difficulty);
        Assert.Equal("s", items[0].DataSource);
    }

    [Theory]
    [InlineData("keep-agreements", LabelPolicy.KeepAgreements)]
    [InlineData("rule_only", LabelPolicy.RuleOnly)]
    [InlineData("Judge-Only", LabelPolicy.JudgeOnly)]
    public void Policy_names_parse(string name, LabelPolicy expected) => Assert.Equal(expected, HybridAnnotator.ParsePolicy(name));
}
