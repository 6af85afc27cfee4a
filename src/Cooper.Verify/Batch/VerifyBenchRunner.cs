using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cooper.Verify.Batch;

/// <summary>Accuracy on VerifyBench: overall and per answer type and subtype.</summary>
public sealed record VerifyBenchReport(
    int Items, int Correct, IReadOnlyDictionary<string, (int Items, int Correct)> ByType,
    IReadOnlyDictionary<string, (int Items, int Correct)> BySubtype, IReadOnlyList<string> BadLines)
{
    public double Accuracy => Items == 0 ? double.NaN : (double)Correct / Items;

    public string Format()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"overall                         {Pct(Correct, Items),8}  ({Correct}/{Items})");
        foreach (var (k, (n, c)) in ByType.OrderBy(k => k.Key, StringComparer.Ordinal))
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {k,-30}{Pct(c, n),8}  ({c}/{n})");
        foreach (var (k, (n, c)) in BySubtype.OrderBy(k => k.Key, StringComparer.Ordinal))
            sb.AppendLine(CultureInfo.InvariantCulture, $"    {k,-28}{Pct(c, n),8}  ({c}/{n})");
        if (BadLines.Count > 0) sb.AppendLine(CultureInfo.InvariantCulture, $"{BadLines.Count} bad lines skipped");
        return sb.ToString();
    }

    private static string Pct(int c, int n) => n == 0 ? "-" : (100.0 * c / n).ToString("0.00", CultureInfo.InvariantCulture) + "%";
}

/// <summary>
/// Runs VerifyBench (Yan et al., 2025, arXiv 2505.15801): lines with "question", "answer", "completion",
/// "gold_correct", "answer_type", "answer_subtype". A verdict is correct when it equals gold_correct.
/// Targets follow the answer type: multiple choice → choice letters; string → LaTeX, expressions and
/// free-form words; everything else → LaTeX and expressions (Math-Verify's default).
/// </summary>
public static class VerifyBenchRunner
{
    public static ExtractionTargets TargetsFor(string answerType)
    {
        var t = answerType.ToLowerInvariant();
        if (t.Contains("choice")) return ExtractionTargets.MultipleChoice;
        if (t.Contains("string")) return ExtractionTargets.Everything;
        return ExtractionTargets.LatexAndExpr;
    }

    public static VerifyBenchReport Run(TextReader input, TextWriter? output, VerifyOptions? baseline = null)
    {
        baseline ??= VerifyOptions.Default;
        var byType = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        var bySub = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        var bad = new List<string>();
        int items = 0, correct = 0, lineNo = 0;
        string? line;
        while ((line = input.ReadLine()) is not null)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonObject o;
            string answer, completion, type, sub;
            bool gold;
            try
            {
                o = JsonNode.Parse(line) as JsonObject ?? throw new FormatException("not a JSON object");
                answer = o["answer"]?.ToString() ?? throw new FormatException("missing \"answer\"");
                completion = o["completion"]?.GetValue<string>() ?? throw new FormatException("missing \"completion\"");
                gold = o["gold_correct"] is { } g ? g.GetValueKind() == JsonValueKind.Number ? g.GetValue<int>() != 0 : g.GetValue<bool>()
                    : throw new FormatException("missing \"gold_correct\"");
                type = o["answer_type"]?.GetValue<string>() ?? "unknown";
                sub = o["answer_subtype"]?.GetValue<string>() ?? "unknown";
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
            {
                bad.Add($"line {lineNo}: {e.Message}");
                continue;
            }
            var targets = TargetsFor(type);
            var v = MathVerifier.Verify(answer, completion, baseline with { GoldTargets = targets, PredictionTargets = targets });
            bool ok = v.IsEquivalent == gold;
            items++;
            if (ok) correct++;
            Bump(byType, type, ok);
            Bump(bySub, $"{type}/{sub}", ok);
            if (output is not null)
            {
                o["verdict"] = v.IsEquivalent;
                o["rule"] = v.Rule.ToString();
                o["reason"] = v.Reason;
                output.WriteLine(o.ToJsonString());
            }
        }
        return new VerifyBenchReport(items, correct, byType, bySub, bad);
    }

    private static void Bump(Dictionary<string, (int Items, int Correct)> d, string key, bool ok)
    {
        d.TryGetValue(key, out var v);
        d[key] = (v.Items + 1, v.Correct + (ok ? 1 : 0));
    }
}
