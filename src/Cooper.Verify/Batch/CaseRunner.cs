using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cooper.Verify.Batch;

/// <summary>Totals of a batch run.</summary>
/// <param name="Cases">Lines verified.</param>
/// <param name="WithExpected">Lines that carried an "expected" verdict.</param>
/// <param name="Agreed">Of those, how many the verifier agreed with.</param>
/// <param name="MeanMs">Mean wall time of one verification (milliseconds, one thread).</param>
/// <param name="BadLines">Lines skipped as malformed (1-based numbers and why).</param>
public sealed record BatchSummary(int Cases, int WithExpected, int Agreed, double MeanMs, IReadOnlyList<string> BadLines)
{
    public double Agreement => WithExpected == 0 ? double.NaN : (double)Agreed / WithExpected;
}

/// <summary>
/// Runs verification cases in Math-Verify's test-case format, one JSON object per line:
/// <c>{"gold": …, "pred": …, "expected": bool?, "match_types": ["latex","expr","string"]?, "precision": int?,
/// "strict": bool?, "allow_set_relation_comp": bool?}</c> (the format of ../shared/verifier/math_verify_dev_cases.jsonl).
/// Each output line echoes the input and adds "verdict", "rule", "reason" and "ms"; the last line is a summary.
/// </summary>
public static class CaseRunner
{
    /// <summary>A case's options: match types become both sides' targets, as Math-Verify's tests do.</summary>
    public static VerifyOptions OptionsFor(JsonObject o, VerifyOptions baseline)
    {
        var opts = baseline;
        if (o["match_types"] is JsonArray types)
        {
            var targets = ExtractionTargets.FromNames(types.Select(t => t?.GetValue<string>() ?? throw new ArgumentException("match_types holds a null")));
            opts = opts with { GoldTargets = targets, PredictionTargets = targets };
        }
        if (o["precision"] is { } p) opts = opts with { FloatRounding = p.GetValue<int>() };
        if (o["strict"] is { } s) opts = opts with { Strict = s.GetValue<bool>() };
        if (o["allow_set_relation_comp"] is { } a) opts = opts with { AllowSetRelationComp = a.GetValue<bool>() };
        opts.Validate();
        return opts;
    }

    /// <summary>Verifies every line of <paramref name="input"/>, writing result lines to <paramref name="output"/> (if any).</summary>
    public static BatchSummary Run(TextReader input, TextWriter? output, VerifyOptions? baseline = null)
    {
        baseline ??= VerifyOptions.Default;
        WarmUp();
        var bad = new List<string>();
        int cases = 0, withExpected = 0, agreed = 0, lineNo = 0;
        double totalMs = 0;
        string? line;
        while ((line = input.ReadLine()) is not null)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonObject obj;
            string gold, pred;
            VerifyOptions opts;
            bool? expected;
            try
            {
                obj = JsonNode.Parse(line) as JsonObject ?? throw new FormatException("not a JSON object");
                gold = obj["gold"]?.GetValue<string>() ?? throw new FormatException("missing \"gold\"");
                pred = obj["pred"]?.GetValue<string>() ?? throw new FormatException("missing \"pred\"");
                expected = obj["expected"]?.GetValue<bool>();
                opts = OptionsFor(obj, baseline);
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
            {
                bad.Add($"line {lineNo}: {e.Message}");
                continue;
            }
            long t0 = Stopwatch.GetTimestamp();
            var v = MathVerifier.Verify(gold, pred, opts);
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            cases++;
            totalMs += ms;
            if (expected is { } e1)
            {
                withExpected++;
                if (e1 == v.IsEquivalent) agreed++;
            }
            if (output is not null)
            {
                obj["verdict"] = v.IsEquivalent;
                obj["rule"] = v.Rule.ToString();
                obj["reason"] = v.Reason;
                obj["ms"] = Math.Round(ms, 4);
                output.WriteLine(obj.ToJsonString());
            }
        }
        var summary = new BatchSummary(cases, withExpected, agreed, cases == 0 ? 0 : totalMs / cases, bad);
        output?.WriteLine(SummaryJson(summary));
        return summary;
    }

    /// <summary>Runs the main code paths once so the first line's "ms" measures verification, not JIT compilation.</summary>
    private static void WarmUp()
    {
        MathVerifier.Verify("$\\frac{1}{2}$", "The final answer is $0.5$. I hope it is correct.");
        MathVerifier.Verify("$x^2 + 1 = y$", "so \\boxed{y = 1 + x^2} and \\boxed{(1, 2]}");
        MathVerifier.Verify("$\\{1, 2\\}$", "Answer: 2, 1 and 3.5%");
    }

    public static string SummaryJson(BatchSummary s)
    {
        var o = new JsonObject();
        o["summary"] = true;
        o["cases"] = s.Cases;
        o["with_expected"] = s.WithExpected;
        o["agreed"] = s.Agreed;
        o["agreement"] = s.WithExpected == 0 ? null : JsonValue.Create(Math.Round(s.Agreement, 4));
        o["mean_ms"] = Math.Round(s.MeanMs, 4);
        o["bad_lines"] = s.BadLines.Count;
        return o.ToJsonString();
    }

    public static string Describe(BatchSummary s)
    {
        var pct = s.WithExpected > 0 ? FormattableString.Invariant($" ({100 * s.Agreement:0.00}%)") : "";
        return FormattableString.Invariant(
            $"{s.Cases} cases; agreement with expected {s.Agreed}/{s.WithExpected}{pct}; mean {s.MeanMs:0.0000} ms/case; {s.BadLines.Count} bad lines");
    }
}
