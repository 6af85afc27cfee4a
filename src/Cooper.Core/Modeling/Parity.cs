using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Modeling;

/// <summary>How closely a model reproduces a reference file's outputs (only the checks the file allows are set).</summary>
public sealed record ParityReport
{
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

    /// <summary>All errors ≤ <paramref name="tolerance"/> and every greedy output identical (and at least one check ran).</summary>
    public bool Passed(double tolerance = 1e-4)
    {
        double?[] errs = [MaxAbsLogitErr, MaxAbsLogprobErr, MaxAbsScoreErr];
        bool?[] matches = [GreedyMatch, PaddedGreedyMatch];
        bool any = errs.Any(e => e is not null) || matches.Any(m => m is not null);
        return any && errs.All(e => e is null || e <= tolerance) && matches.All(m => m is null or true);
    }

    /// <summary>One JSON object with the keys that apply (snake_case, as <c>cooper model parity</c> prints).</summary>
    public string ToJson()
    {
        var o = new JsonObject();
        if (MaxAbsLogitErr is { } a) o["max_abs_logit_err"] = a;
        if (MaxAbsLogprobErr is { } b) o["max_abs_logprob_err"] = b;
        if (GreedyMatch is { } c) o["greedy_match"] = c;
        if (PaddedGreedyMatch is { } d) o["padded_greedy_match"] = d;
        if (MaxAbsScoreErr is { } e) o["max_abs_score_err"] = e;
        o["passed"] = Passed();
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
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
        var reference = JsonNode.Parse(File.ReadAllText(referencePath)) as JsonObject
            ?? throw new InvalidDataException($"{referencePath}: not a JSON object");
        var config = ModelConfig.Load(modelDir);
        if (config.Architectures.Any(a => a.EndsWith("ForSequenceClassification", StringComparison.Ordinal)))
        {
            using var clf = SequenceClassifier.FromPretrained(modelDir, device, ScalarType.Float32);
            return CheckClassifier(clf, reference);
        }
        using var lm = CausalLM.FromPretrained(modelDir, device, ScalarType.Float32);
        return CheckCausal(lm, reference);
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
                    report = report with { MaxAbsLogitErr = MaxAbsDiff(ours, Double3D(fl)) };
                }
                if (reference["token_logprobs"] is JsonArray tl)
                {
                    var ours = lm.TokenLogProbs(input).cpu();                             // (B, T-1)
                    report = report with { MaxAbsLogprobErr = MaxAbsDiff(ours, Double2D(tl)) };
                }
            }
        }

        var engine = new RolloutEngine(lm);
        var greedy = new SamplingParams { Temperature = 0, StopTokenIds = lm.Config.EosTokenIds, IgnoreEos = true };
        if (reference["greedy_prompt"] is JsonArray gp && reference["greedy_output"] is JsonArray go)
        {
            var prompts = gp.Select(r => r!.AsArray().Select(x => x!.GetValue<int>()).ToArray()).ToList();
            var outputs = go.Select(r => r!.AsArray().Select(x => x!.GetValue<int>()).ToArray()).ToList();
            int maxNew = outputs[0].Length - prompts[0].Length;
            bool match = maxNew > 0;
            if (match)
            {
                var samples = engine.Generate(prompts, greedy with { MaxNewTokens = maxNew });
                for (int i = 0; i < prompts.Count; i++)
                    match &= SameContinuation(prompts[i].Concat(samples[i].TokenIds).ToArray(), outputs[i], lm.Config.PadTokenId);
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
            if (match)
            {
                // The engine left-pads to the longest prompt, the same layout as the reference batch.
                var samples = engine.Generate(prompts, greedy with { MaxNewTokens = maxNew });
                for (int i = 0; i < padded.Count; i++)
                    match &= SameContinuation(padded[i].Concat(samples[i].TokenIds).ToArray(), outputs[i], lm.Config.PadTokenId);
            }
            report = report with { PaddedGreedyMatch = match };
        }
        return report;
    }

    /// <summary>The classifier check: <c>scores</c> for <c>input_ids</c> (no mask, as the reference ran it).</summary>
    public static ParityReport CheckClassifier(SequenceClassifier clf, JsonObject reference)
    {
        if (reference["input_ids"] is not JsonArray ids || reference["scores"] is not JsonArray scores)
            throw new InvalidDataException("a classifier reference needs input_ids and scores");
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var input = Long2D(ids).to(clf.Device);
        var ours = clf.forward(input).cpu();                                              // (B, num_labels)
        var expected = scores[0] is JsonArray ? Double2D(scores) : Double2D(new JsonArray(scores.Select(s => (JsonNode?)new JsonArray(s!.GetValue<double>())).ToArray()));
        return new ParityReport { MaxAbsScoreErr = MaxAbsDiff(ours, expected) };
    }

    // Our full sequence equals the reference; a reference longer than ours (we stopped at EOS) may only add padding.
    private static bool SameContinuation(int[] ours, int[] reference, int? pad)
    {
        if (ours.Length > reference.Length) return false;
        for (int i = 0; i < ours.Length; i++) if (ours[i] != reference[i]) return false;
        for (int i = ours.Length; i < reference.Length; i++) if (pad is null || reference[i] != pad) return false;
        return true;
    }

    private static double MaxAbsDiff(Tensor ours, Tensor reference)
    {
        if (!ours.shape.SequenceEqual(reference.shape))
            throw new InvalidDataException($"shape mismatch: ours [{string.Join(", ", ours.shape)}], reference [{string.Join(", ", reference.shape)}]");
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
