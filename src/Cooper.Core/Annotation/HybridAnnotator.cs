using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Annotation.Judges;
using Cooper.Runs;

namespace Cooper.Annotation;

/// <summary>Which verdicts become a training label.</summary>
public enum LabelPolicy
{
    /// <summary>The paper's hybrid annotation (§3.1): keep a completion only when the rule verifier and the judge agree.</summary>
    KeepAgreements,
    /// <summary>The rule verifier's verdict for every completion.</summary>
    RuleOnly,
    /// <summary>The judge's verdict; completions it gave no verdict for get no label.</summary>
    JudgeOnly,
}

/// <summary>A completion to label.</summary>
/// <param name="Id">Row id (problem id, with <c>#k</c> for sample k).</param>
public sealed record AnnotationItem(string Id, string Question, string Reference, string Completion)
{
    /// <summary>The problem's <c>data_source</c>.</summary>
    public string DataSource { get; init; } = "";
    /// <summary>The problem's difficulty, when known.</summary>
    public int? Difficulty { get; init; }
}

/// <summary>Both verdicts for one completion and the label the policy gives it (null = dropped).</summary>
public sealed record AnnotatedItem(AnnotationItem Item, bool RuleLabel, bool? JudgeLabel, bool? Label)
{
    /// <summary>The judge gave a verdict and it differs from the rule verifier's.</summary>
    public bool Disagrees => JudgeLabel is { } j && j != RuleLabel;

    /// <summary>As a labelled row (requires <see cref="Label"/>).</summary>
    public LabelledExample ToExample() => new(Item.Question, Item.Reference, Item.Completion, Label ?? throw new InvalidOperationException($"{Item.Id} has no label"))
    {
        Id = Item.Id,
        DataSource = Item.DataSource,
        Difficulty = Item.Difficulty,
        RuleLabel = RuleLabel,
        JudgeLabel = JudgeLabel,
    };
}

/// <summary>Counts over one annotation run (or one data source of it).</summary>
/// <param name="Total">Completions seen.</param>
/// <param name="Judged">Completions the judge gave a verdict for.</param>
/// <param name="NoVerdict">Completions the judge gave no verdict for (never treated as incorrect).</param>
/// <param name="Agreements">Judged completions where rule and judge agree.</param>
/// <param name="Disagreements">Judged completions where they differ.</param>
/// <param name="Labelled">Completions the policy kept, with <paramref name="Positives"/> labelled correct.</param>
public sealed record AnnotationCounts(int Total, int Judged, int NoVerdict, int Agreements, int Disagreements,
    int RulePositives, int JudgePositives, int Labelled, int Positives)
{
    /// <summary>Agreements / judged (NaN when nothing was judged).</summary>
    public double AgreementRate => Judged == 0 ? double.NaN : (double)Agreements / Judged;

    /// <summary>Counts of <paramref name="items"/>.</summary>
    public static AnnotationCounts Of(IReadOnlyCollection<AnnotatedItem> items) => new(
        items.Count,
        items.Count(i => i.JudgeLabel is not null),
        items.Count(i => i.JudgeLabel is null),
        items.Count(i => i.JudgeLabel == i.RuleLabel),
        items.Count(i => i.Disagrees),
        items.Count(i => i.RuleLabel),
        items.Count(i => i.JudgeLabel == true),
        items.Count(i => i.Label is not null),
        items.Count(i => i.Label == true));

    /// <summary>As JSON (what <c>summary.json</c> holds).</summary>
    public JsonObject ToJson() => new()
    {
        ["total"] = Total,
        ["judged"] = Judged,
        ["no_verdict"] = NoVerdict,
        ["agreements"] = Agreements,
        ["disagreements"] = Disagreements,
        ["agreement_rate"] = double.IsNaN(AgreementRate) ? null : AgreementRate,
        ["rule_positives"] = RulePositives,
        ["judge_positives"] = JudgePositives,
        ["labelled"] = Labelled,
        ["positives"] = Positives,
        ["negatives"] = Labelled - Positives,
    };
}

/// <summary>What <see cref="HybridAnnotator.AnnotateAsync"/> produced.</summary>
public sealed record AnnotationResult(LabelPolicy Policy, IReadOnlyList<AnnotatedItem> Items)
{
    /// <summary>Rows with a label, in input order.</summary>
    public IReadOnlyList<LabelledExample> Labelled => Items.Where(i => i.Label is not null).Select(i => i.ToExample()).ToList();

    /// <summary>Completions where the rule verifier and the judge disagree, in input order.</summary>
    public IReadOnlyList<AnnotatedItem> Disagreements => Items.Where(i => i.Disagrees).ToList();

    /// <summary>Counts over all items.</summary>
    public AnnotationCounts Counts => AnnotationCounts.Of(Items);

    /// <summary>Counts per data source, sources in name order.</summary>
    public IReadOnlyDictionary<string, AnnotationCounts> BySource =>
        Items.GroupBy(i => i.Item.DataSource, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => AnnotationCounts.Of(g.ToList()));
}

/// <summary>
/// Hybrid annotation (paper §3.1): every completion is labelled by a rule verifier (the final answer
/// against the reference) and by a judge (an LLM following VerifyBench's protocol, or the embedded
/// arithmetic checker); a <see cref="LabelPolicy"/> turns the two verdicts into the training label.
/// The paper keeps only agreements, trading recall for label precision. Both verdicts are always
/// computed, whatever the policy, so the summary's agreement numbers are comparable across policies.
/// </summary>
public static class HybridAnnotator
{
    /// <summary>The label the policy gives a (rule, judge) pair of verdicts; null = no label.</summary>
    public static bool? Decide(LabelPolicy policy, bool rule, bool? judge) => policy switch
    {
        LabelPolicy.KeepAgreements => judge == rule ? rule : null,   // no verdict (null) never equals a bool
        LabelPolicy.RuleOnly => rule,
        LabelPolicy.JudgeOnly => judge,
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
    };

    /// <summary>
    /// Labels <paramref name="items"/>. The rule verifier runs in parallel on the CPU; the judge with at most
    /// <paramref name="maxConcurrency"/> calls in flight. A judge that throws counts as no verdict;
    /// cancellation throws.
    /// </summary>
    /// <param name="rule">The rule verifier: (completion, reference) → equivalent. Must be thread-safe.</param>
    /// <param name="progress">Called with the number of completions judged so far.</param>
    public static async Task<AnnotationResult> AnnotateAsync(IReadOnlyList<AnnotationItem> items, Func<string, string, bool> rule,
        IJudge judge, LabelPolicy policy, int maxConcurrency = 8, Action<int>? progress = null, CancellationToken ct = default)
    {
        var ruleLabels = new bool[items.Count];
        Parallel.For(0, items.Count, new ParallelOptions { CancellationToken = ct }, i => ruleLabels[i] = rule(items[i].Completion, items[i].Reference));

        var judgeLabels = new bool?[items.Count];
        int done = 0;
        using var gate = new SemaphoreSlim(Math.Max(1, maxConcurrency));
        await Task.WhenAll(items.Select(async (item, i) =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                try { judgeLabels[i] = await judge.JudgeAsync(item.Question, item.Reference, item.Completion, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
                catch (Exception) { judgeLabels[i] = null; }   // a failing judge gives no label, never aborts the run
                progress?.Invoke(Interlocked.Increment(ref done));
            }
            finally { gate.Release(); }
        })).ConfigureAwait(false);

        var annotated = items.Select((item, i) => new AnnotatedItem(item, ruleLabels[i], judgeLabels[i], Decide(policy, ruleLabels[i], judgeLabels[i]))).ToList();
        return new AnnotationResult(policy, annotated);
    }

    /// <summary>
    /// Writes <c>labelled.jsonl</c> (the kept rows with both verdicts), <c>disagreements.jsonl</c> (every
    /// judged completion where the verdicts differ, whatever the policy) and <c>summary.json</c> (counts,
    /// agreement rate, per-source counts) into <paramref name="dir"/>, each atomically.
    /// </summary>
    public static void Write(AnnotationResult result, string dir, JsonObject? extra = null)
    {
        Directory.CreateDirectory(dir);
        LabelledSet.Write(Path.Combine(dir, "labelled.jsonl"), result.Labelled);
        // A disagreement carries both verdicts; "label" only when the policy still gave it one.
        var disagreements = result.Disagreements.Select(d =>
        {
            var row = LabelledSet.ToJson(new LabelledExample(d.Item.Question, d.Item.Reference, d.Item.Completion, d.Label ?? false)
            {
                Id = d.Item.Id, DataSource = d.Item.DataSource, Difficulty = d.Item.Difficulty, RuleLabel = d.RuleLabel, JudgeLabel = d.JudgeLabel,
            });
            if (d.Label is null) row.Remove("label");
            return row.ToJsonString(LabelledSet.JsonOptions) + "\n";
        });
        AtomicFile.WriteAllText(Path.Combine(dir, "disagreements.jsonl"), string.Concat(disagreements));
        var summary = new JsonObject
        {
            ["policy"] = PolicyName(result.Policy),
            ["counts"] = result.Counts.ToJson(),
            ["by_data_source"] = new JsonObject(result.BySource.Select(kv => KeyValuePair.Create(kv.Key.Length == 0 ? "(none)" : kv.Key, (JsonNode?)kv.Value.ToJson()))),
        };
        if (extra is not null) foreach (var (k, v) in extra) summary[k] = v?.DeepClone();
        AtomicFile.WriteAllText(Path.Combine(dir, "summary.json"), summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary><c>keep-agreements</c>, <c>rule-only</c>, <c>judge-only</c>.</summary>
    public static string PolicyName(LabelPolicy p) => p switch
    {
        LabelPolicy.KeepAgreements => "keep-agreements",
        LabelPolicy.RuleOnly => "rule-only",
        LabelPolicy.JudgeOnly => "judge-only",
        _ => throw new ArgumentOutOfRangeException(nameof(p), p, null),
    };

    /// <summary>Parses a policy name (<c>keep-agreements</c>, <c>rule-only</c>, <c>judge-only</c>; case and <c>_</c>/<c>-</c> ignored).</summary>
    public static LabelPolicy ParsePolicy(string name) => name.Trim().ToLowerInvariant().Replace('_', '-') switch
    {
        "keep-agreements" or "keepagreements" or "agree" => LabelPolicy.KeepAgreements,
        "rule-only" or "ruleonly" or "rule" => LabelPolicy.RuleOnly,
        "judge-only" or "judgeonly" or "judge" => LabelPolicy.JudgeOnly,
        _ => throw new ArgumentException($"unknown label policy '{name}': use keep-agreements, rule-only or judge-only"),
    };
}
