using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Modeling;

/// <summary>How closely a model reproduces a reference file's outputs (only the checks the file allows are set).</summary>
public sealed record ParityReport
{
    /// <summary>The largest |Δ| that passes: float32 logits of the same weights agree to this across implementations.</summary>
    public const double DefaultTolerance = 1e-4;

    /// <summary>Largest |Δ| over <c>logits_first_last</c> (first and last position of each <c>input_ids</c> row).</summary>
    public double? MaxAbsLogitErr { get; init; }

    /// <summary>Largest |Δ| over <c>token_logprobs</c> (log p of each next token of <c>input_ids</c>).</summary>
    public double? MaxAbsLogprobErr { get; init; }

    /// <summary>Greedy continuation of <c>greedy_prompt</c> equals <c>greedy_output</c>.</summary>
    public bool? GreedyMatch { get; init; }

    /// <summary>Greedy continuation of the left-padded <c>padded_prompts</c> equals <c>padded_greedy_output</c>.</summary>
    public bool? PaddedGreedyMatch { get; init; }

    /// <summary>Largest |Δ| over a classifier's <c>scores</c>.</summary>
    public double? MaxAbsScoreErr { get; init; }

    /// <summary>Where a greedy check failed, e.g. <c>greedy_output row 0 differs at position 9: ours 17, reference 1</c>.</summary>
    public IReadOnlyList<string> GreedyMismatches { get; init; } = [];

    /// <summary>Why no check ran, when none did (the reference lacks the keys this kind of model is checked with).</summary>
    public string? NoCheckReason { get; init; }

    /// <summary>
    /// One line per failed check: the error and the tolerance it exceeds, where a greedy output first differs, or
    /// why nothing was checked. Empty when the report passes.
    /// </summary>
    public IReadOnlyList<string> Failures(double tolerance = DefaultTolerance)
    {
        var failures = new List<string>();
        foreach (var (key, err) in new[] { ("max_abs_logit_err", MaxAbsLogitErr), ("max_abs_logprob_err", MaxAbsLogprobErr), ("max_abs_score_err", MaxAbsScoreErr) })
            if (err is { } e && !(e <= tolerance))   // NaN fails too
                failures.Add(FormattableString.Invariant($"{key} {e:G6} exceeds the tolerance {tolerance:G6}"));
        if (GreedyMatch == false || PaddedGreedyMatch == false) failures.AddRange(GreedyMismatches);
        bool any = new[] { MaxAbsLogitErr, MaxAbsLogprobErr, MaxAbsScoreErr }.Any(e => e is not null) || GreedyMatch is not null || PaddedGreedyMatch is not null;
        if (!any) failures.Add(NoCheckReason ?? "no check ran: the reference holds nothing this model is checked against");
        return failures;
    }

    /// <summary>All errors ≤ <paramref name="tolerance"/> and every greedy output identical (and at least one check ran).</summary>
    public bool Passed(double tolerance = DefaultTolerance) => Failures(tolerance).Count == 0;

    /// <summary>
    /// One JSON object with the keys that apply (snake_case, as <c>cooper model parity</c> prints), the tolerance,
    /// <c>passed</c>, and on failure <c>failures</c>: what failed and by how much (<see cref="Failures"/>).
    /// </summary>
    public string ToJson()
    {
        var o = new JsonObject();
        if (MaxAbsLogitErr is { } a) o["max_abs_logit_err"] = a;
        if (MaxAbsLogprobErr is { } b) o["max_abs_logprob_err"] = b;
        if (GreedyMatch is { } c) o["greedy_match"] = c;
        if (PaddedGreedyMatch is { } d) o["padded_greedy_match"] = d;
        if (MaxAbsScoreErr is { } e) o["max_abs_score_err"] = e;
        o["tolerance"] = DefaultTolerance;
        var failures = Failures();
        o["passed"] = failures.Count == 0;
        if (failures.Count > 0) o["failures"] = new JsonArray(failures.Select(f => (JsonNode?)f).ToArray());
        // Read by people as well as scripts: keep "+" and quotes in the failure lines as they are.
        return o.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}

/// <summary>
/// Compares a Hugging Face model folder with a reference file written by transformers
/// (<c>input_ids</c>, <c>logits_first_last</c>, <c>token_logprobs</c>, <c>greedy_prompt</c>/<c>greedy_output</c>,
/// <c>padded_prompts</c>/<c>padded_mask</c>/<c>padded_greedy_output</c>, or <c>scores</c> for a classifier).
/// </summary>
public static class Parity
{
    /// <summary>Loads <paramref name="modelDir"/> (causal LM or sequence classifier, by its config) in float32 and runs every check the reference allows.</summary>
    public static ParityReport Check(string modelDir, string referencePath, Device? device = null)
    {
        var reference = CheckpointJson.ReadObject(referencePath);
        var config = ModelConfig.Load(modelDir);
        if (config.Architectures.Any(a => a.EndsWith("ForSequenceClassification", StringComparison.Ordinal)))
        {
            using var clf = SequenceClassifier.FromPretrained(modelDir, device, ScalarType.Float32);
            return AgainstFile(referencePath, () => CheckClassifier(clf, reference));
        }
        using var lm = CausalLM.FromPretrained(modelDir, device, ScalarType.Float32);
        return AgainstFile(referencePath, () => CheckCausal(lm, reference));
    }

    // A reference that does not fit the model (missing keys, other shapes) is reported against the reference file.
    private static ParityReport AgainstFile(string referencePath, Func<ParityReport> check)
    {
        try { return check(); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{referencePath}: {e.Message}", e); }
    }

    /// <summary>The causal-LM checks on an already loaded model.</summary>
    public static ParityReport CheckCausal(CausalLM lm, JsonObject reference)
    {
        var report = new ParityReport();
        using (torch.no_grad())
        {
            if (reference["input_ids"] is JsonArray ids)
            {
                using var scope = torch.NewDisposeScope();
                var input = Long2D(ids).to(lm.Device);                                   // (B, T)
                long t = input.shape[1];
                if (reference["logits_first_last"] is JsonArray fl)
                {
                    var logits = lm.forward(input);                                      // (B, T, V)
                    var ours = torch.stack([logits.select(1, 0), logits.select(1, t - 1)], 0).cpu(); // (2, B, V)
                    report = report with { MaxAbsLogitErr = MaxAbsDiff("logits_first_last", ours, Double3D(fl)) };
                }
                if (reference["token_logprobs"] is JsonArray tl)
                {
                    var ours = lm.TokenLogProbs(input).cpu();                             // (B, T-1)
                    report = report with { MaxAbsLogprobErr = MaxAbsDiff("token_logprobs", ours, Double2D(tl)) };
                }
            }
        }

        var engine = new RolloutEngine(lm);
        var greedy = new SamplingParams { Temperature = 0, StopTokenIds = lm.Config.EosTokenIds, IgnoreEos = true };
        var mismatches = new List<string>();
        if (reference["greedy_prompt"] is JsonArray gp && reference["greedy_output"] is JsonArray go)
        {
            var prompts = gp.Select(r => r!.AsArray().Select(x => x!.GetValue<int>()).ToArray()).ToList();
            var outputs = go.Select(r => r!.AsArray().Select(x => x!.GetValue<int>()).ToArray()).ToList();
            int maxNew = outputs[0].Length - prompts[0].Length;
            bool match = maxNew > 0;
            if (!match) mismatches.Add($"greedy_output row 0 ({outputs[0].Length} tokens) is no longer than greedy_prompt row 0 ({prompts[0].Length})");
            else
            {
                var samples = engine.Generate(prompts, greedy with { MaxNewTokens = maxNew });
                for (int i = 0; i < prompts.Count; i++)
                    if (FirstDifference(prompts[i].Concat(samples[i].TokenIds).ToArray(), outputs[i], lm.Config.PadTokenId) is { } diff)
                    {
                        match = false;
                        mismatches.Add($"greedy_output row {i} differs at position {diff}");
                    }
            }
            report = report with { GreedyMatch = match };
        }
        if (reference["padded_prompts"] is JsonArray pp && reference["padded_mask"] is JsonArray pm && reference["padded_greedy_output"] is JsonArray po)
        {
            var padded = pp.Select(r => r!.AsArray().Select(x => x!.GetValue<int>()).ToArray()).ToList();
            var mask = pm.Select(r => r!.AsArray().Select(x => x!.GetValue<int>()).ToArray()).ToList();
            var outputs = po.Select(r => r!.AsArray().Select(x => x!.GetValue<int>()).ToArray()).ToList();
            var prompts = padded.Select((row, i) => row.Where((_, j) => mask[i][j] != 0).ToArray()).ToList();
            int maxNew = outputs[0].Length - padded[0].Length;
            bool match = maxNew > 0;
            if (!match) mismatches.Add($"padded_greedy_output row 0 ({outputs[0].Length} tokens) is no longer than padded_prompts row 0 ({padded[0].Length})");
            else
            {
                // The engine left-pads to the longest prompt, the same layout as the reference batch.
                var samples = engine.Generate(prompts, greedy with { MaxNewTokens = maxNew });
                for (int i = 0; i < padded.Count; i++)
                    if (FirstDifference(padded[i].Concat(samples[i].TokenIds).ToArray(), outputs[i], lm.Config.PadTokenId) is { } diff)
                    {
                        match = false;
                        mismatches.Add($"padded_greedy_output row {i} differs at position {diff}");
                    }
            }
            report = report with { PaddedGreedyMatch = match };
        }
        return report with
        {
            GreedyMismatches = mismatches,
            NoCheckReason = $"no check ran: a causal LM is checked with input_ids + logits_first_last or token_logprobs, greedy_prompt + greedy_output, " +
                $"or padded_prompts + padded_mask + padded_greedy_output, but the reference has [{string.Join(", ", reference.Select(kv => kv.Key))}]",
        };
    }

    /// <summary>The classifier check: <c>scores</c> for <c>input_ids</c> (no mask, as the reference ran it).</summary>
    public static ParityReport CheckClassifier(SequenceClassifier clf, JsonObject reference)
    {
        if (reference["input_ids"] is not JsonArray ids || reference["scores"] is not JsonArray scores)
            throw new InvalidDataException($"a classifier is checked with input_ids + scores, but the reference has [{string.Join(", ", reference.Select(kv => kv.Key))}]");
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var input = Long2D(ids).to(clf.Device);
        var ours = clf.forward(input).cpu();                                              // (B, num_labels)
        var expected = scores[0] is JsonArray ? Double2D(scores) : Double2D(new JsonArray(scores.Select(s => (JsonNode?)new JsonArray(s!.GetValue<double>())).ToArray()));
        return new ParityReport { MaxAbsScoreErr = MaxAbsDiff("scores", ours, expected) };
    }

    // Null when our full sequence equals the reference (a reference longer than ours, because we stopped at EOS,
    // may only add padding); else the first position that differs and the two tokens there.
    private static string? FirstDifference(int[] ours, int[] reference, int? pad)
    {
        for (int i = 0; i < Math.Max(ours.Length, reference.Length); i++)
        {
            if (i < ours.Length && i < reference.Length && ours[i] == reference[i]) continue;
            if (i >= ours.Length && pad is { } p && reference[i] == p) continue;
            string Token(int[] seq, string end) => i < seq.Length ? seq[i].ToString(CultureInfo.InvariantCulture) : end;
            return $"{i}: ours {Token(ours, "(stopped)")}, reference {Token(reference, "(ended)")}";
        }
        return null;
    }

    private static double MaxAbsDiff(string key, Tensor ours, Tensor reference)
    {
        if (!ours.shape.SequenceEqual(reference.shape))
            throw new InvalidDataException(
                $"{key}: the reference has shape [{string.Join(", ", reference.shape)}] but the model gives [{string.Join(", ", ours.shape)}] (is the reference for another model?)");
        using var diff = (ours.to(ScalarType.Float64) - reference).abs().max();
        return diff.item<double>();
    }

    private static Tensor Long2D(JsonArray a)
    {
        var rows = a.Select(r => r!.AsArray().Select(x => x!.GetValue<long>()).ToArray()).ToArray();
        return torch.tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length], ScalarType.Int64);
    }

    private static Tensor Double2D(JsonArray a)
    {
        var rows = a.Select(r => r!.AsArray().Select(x => x!.GetValue<double>()).ToArray()).ToArray();
        return torch.tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length], ScalarType.Float64);
    }

    private static Tensor Double3D(JsonArray a)
    {
        var blocks = a.Select(b => b!.AsArray().Select(r => r!.AsArray().Select(x => x!.GetValue<double>()).ToArray()).ToArray()).ToArray();
        return torch.tensor(blocks.SelectMany(b => b.SelectMany(r => r)).ToArray(), [blocks.Length, blocks[0].Length, blocks[0][0].Length], ScalarType.Float64);
    }
}
