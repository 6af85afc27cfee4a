using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Cooper.Annotation;
using Cooper.Evaluation;

namespace Cooper.Rewards;

/// <summary>Accuracy of one slice of an evaluation set (an answer type, subtype or data source).</summary>
public sealed record RmEvalGroup(string Name, int Count, int Positives, double Accuracy);

/// <summary>A reward model measured as a verifier on labelled completions.</summary>
/// <param name="Accuracy">Fraction with (p ≥ threshold) = label.</param>
/// <param name="Auroc">Area under the ROC curve (NaN with one class only).</param>
/// <param name="Ece">Expected calibration error over <see cref="Calibration"/>.</param>
/// <param name="LogLoss">Mean binary cross-entropy of the probabilities (clamped to [1e-7, 1 − 1e-7]).</param>
public sealed record RmEvalReport(
    int Count, int Positives, double Threshold, double Accuracy, double Auroc, double Ece, double LogLoss,
    IReadOnlyList<CalibrationBin> Calibration,
    IReadOnlyList<RmEvalGroup> ByType, IReadOnlyList<RmEvalGroup> BySubtype, IReadOnlyList<RmEvalGroup> BySource)
{
    /// <summary>Namespaced scalar metrics, e.g. <c>rm/val_accuracy</c> with <paramref name="prefix"/> <c>rm/val_</c>.</summary>
    public Dictionary<string, double> ToMetrics(string prefix) => new()
    {
        [prefix + "accuracy"] = Accuracy,
        [prefix + "auroc"] = Auroc,
        [prefix + "ece"] = Ece,
        [prefix + "loss"] = LogLoss,
        [prefix + "count"] = Count,
    };
}

/// <summary>
/// Evaluates a scorer (P(correct) per input) on labelled completions: accuracy at a threshold
/// (VerifyBench reports accuracy at 0.5), overall and per <c>answer_type</c>, <c>answer_subtype</c> and
/// <c>data_source</c>; AUROC; a calibration table and its ECE. Works on VerifyBench-format JSONL
/// (<c>question</c>, <c>answer</c>, <c>completion</c>, <c>gold_correct</c>, <c>answer_type</c>,
/// <c>answer_subtype</c>) and on <see cref="HybridAnnotator"/>'s output alike (see <see cref="LabelledSet"/>).
/// </summary>
public static class RmEvaluation
{
    /// <summary>Scores every row with <paramref name="scorer"/> (called once with all inputs) and measures it.</summary>
    public static RmEvalReport Evaluate(IReadOnlyList<LabelledExample> rows, Func<IReadOnlyList<RmInput>, float[]> scorer,
        double threshold = 0.5, int bins = 10)
    {
        if (rows.Count == 0) throw new ArgumentException("nothing to evaluate: the labelled set is empty");
        var scores = scorer(rows.Select(r => r.ToInput()).ToList());
        if (scores.Length != rows.Count) throw new ArgumentException($"the scorer returned {scores.Length} scores for {rows.Count} rows");
        return Measure(rows, scores.Select(s => (double)s).ToList(), threshold, bins);
    }

    /// <summary>Measures given probabilities against the rows' labels.</summary>
    public static RmEvalReport Measure(IReadOnlyList<LabelledExample> rows, IReadOnlyList<double> p, double threshold = 0.5, int bins = 10)
    {
        if (p.Count != rows.Count) throw new ArgumentException($"{p.Count} scores for {rows.Count} rows");
        var y = rows.Select(r => r.Label).ToList();
        var table = ClassificationMetrics.Calibration(p, y, bins);
        double logLoss = 0;
        for (int i = 0; i < p.Count; i++)
        {
            double q = Math.Clamp(p[i], 1e-7, 1 - 1e-7);
            logLoss -= y[i] ? Math.Log(q) : Math.Log(1 - q);
        }
        return new RmEvalReport(
            rows.Count, y.Count(l => l), threshold,
            ClassificationMetrics.Accuracy(p, y, threshold),
            ClassificationMetrics.Auroc(p, y),
            ClassificationMetrics.ExpectedCalibrationError(table),
            logLoss / p.Count,
            table,
            Groups(rows, p, threshold, r => r.AnswerType),
            Groups(rows, p, threshold, r => r.AnswerSubtype),
            Groups(rows, p, threshold, r => r.DataSource));
    }

    /// <summary>Per-slice accuracy for rows whose key is set, slices in name order.</summary>
    private static List<RmEvalGroup> Groups(IReadOnlyList<LabelledExample> rows, IReadOnlyList<double> p, double threshold, Func<LabelledExample, string?> key) =>
        Enumerable.Range(0, rows.Count)
            .Where(i => !string.IsNullOrEmpty(key(rows[i])))
            .GroupBy(i => key(rows[i])!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var idx = g.ToList();
                int hit = idx.Count(i => (p[i] >= threshold) == rows[i].Label);
                return new RmEvalGroup(g.Key, idx.Count, idx.Count(i => rows[i].Label), (double)hit / idx.Count);
            })
            .ToList();

    /// <summary>The report as JSON (what <c>cooper rm eval --out</c> writes).</summary>
    public static JsonObject ToJson(RmEvalReport r)
    {
        static JsonNode? Num(double x) => double.IsFinite(x) ? JsonValue.Create(x) : null;
        static JsonArray Slices(IEnumerable<RmEvalGroup> gs) => new(gs.Select(g => (JsonNode)new JsonObject
        {
            ["name"] = g.Name, ["count"] = g.Count, ["positives"] = g.Positives, ["accuracy"] = g.Accuracy,
        }).ToArray());
        return new JsonObject
        {
            ["count"] = r.Count,
            ["positives"] = r.Positives,
            ["threshold"] = r.Threshold,
            ["accuracy"] = Num(r.Accuracy),
            ["auroc"] = Num(r.Auroc),
            ["ece"] = Num(r.Ece),
            ["log_loss"] = Num(r.LogLoss),
            ["by_answer_type"] = Slices(r.ByType),
            ["by_answer_subtype"] = Slices(r.BySubtype),
            ["by_data_source"] = Slices(r.BySource),
            ["calibration"] = new JsonArray(r.Calibration.Select(b => (JsonNode)new JsonObject
            {
                ["low"] = b.Low, ["high"] = b.High, ["count"] = b.Count,
                ["mean_predicted"] = Num(b.MeanPredicted), ["fraction_positive"] = Num(b.FractionPositive),
            }).ToArray()),
        };
    }

    /// <summary>A plain-text summary: headline numbers, per-slice accuracy and the calibration table.</summary>
    public static string Format(RmEvalReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"rows {r.Count} (positives {r.Positives})  accuracy@{r.Threshold:0.##} {r.Accuracy:0.0000}  AUROC {r.Auroc:0.0000}  ECE {r.Ece:0.0000}  log-loss {r.LogLoss:0.0000}");
        void Slices(string title, IReadOnlyList<RmEvalGroup> gs)
        {
            if (gs.Count == 0) return;
            sb.AppendLine(title);
            int w = Math.Max(6, gs.Max(g => g.Name.Length));
            foreach (var g in gs) sb.AppendLine(inv, $"  {g.Name.PadRight(w)}  n={g.Count,-6} acc={g.Accuracy:0.0000}");
        }
        Slices("by answer_type:", r.ByType);
        Slices("by answer_subtype:", r.BySubtype);
        Slices("by data_source:", r.BySource);
        sb.AppendLine("calibration (bin: n, mean p, fraction correct):");
        foreach (var b in r.Calibration.Where(b => b.Count > 0))
            sb.AppendLine(inv, $"  [{b.Low:0.0}, {b.High:0.0})  n={b.Count,-6} p={b.MeanPredicted:0.000}  correct={b.FractionPositive:0.000}");
        return sb.ToString();
    }
}
