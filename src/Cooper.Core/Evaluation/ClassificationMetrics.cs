namespace Cooper.Evaluation;

/// <summary>One row of a calibration table: predictions whose probability fell in [Low, High).</summary>
public sealed record CalibrationBin(double Low, double High, int Count, double MeanPredicted, double FractionPositive);

/// <summary>Metrics of a probabilistic binary classifier (the reward model as a verifier).</summary>
public static class ClassificationMetrics
{
    /// <summary>Fraction of rows where (p ≥ threshold) equals the label.</summary>
    public static double Accuracy(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels, double threshold = 0.5)
    {
        Check(probabilities, labels);
        if (labels.Count == 0) return double.NaN;
        int hit = 0;
        for (int i = 0; i < labels.Count; i++) if ((probabilities[i] >= threshold) == labels[i]) hit++;
        return (double)hit / labels.Count;
    }

    /// <summary>
    /// Area under the ROC curve = P(score of a random positive &gt; score of a random negative),
    /// ties counting one half (Mann–Whitney U). NaN when one class is absent.
    /// </summary>
    public static double Auroc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        Check(scores, labels);
        int nPos = labels.Count(l => l), nNeg = labels.Count - nPos;
        if (nPos == 0 || nNeg == 0) return double.NaN;
        // Rank-sum with average ranks for ties: O(n log n).
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        var ranks = new double[scores.Count];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]]) j++;
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) ranks[order[k]] = avg;
            i = j + 1;
        }
        double rankSumPos = 0;
        for (int i = 0; i < labels.Count; i++) if (labels[i]) rankSumPos += ranks[i];
        double u = rankSumPos - nPos * (nPos + 1) / 2.0;
        return u / ((double)nPos * nNeg);
    }

    /// <summary>Calibration table over <paramref name="bins"/> equal-width probability bins (the last includes 1.0).</summary>
    public static IReadOnlyList<CalibrationBin> Calibration(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels, int bins = 10)
    {
        Check(probabilities, labels);
        var result = new List<CalibrationBin>();
        for (int b = 0; b < bins; b++)
        {
            double lo = (double)b / bins, hi = (double)(b + 1) / bins;
            var idx = Enumerable.Range(0, labels.Count)
                .Where(i => probabilities[i] >= lo && (probabilities[i] < hi || (b == bins - 1 && probabilities[i] <= 1.0)))
                .ToList();
            result.Add(new CalibrationBin(lo, hi, idx.Count,
                idx.Count == 0 ? double.NaN : idx.Average(i => probabilities[i]),
                idx.Count == 0 ? double.NaN : idx.Count(i => labels[i]) / (double)idx.Count));
        }
        return result;
    }

    /// <summary>Expected calibration error: Σ_bins (n_b / n)·|mean p_b − fraction positive_b|.</summary>
    public static double ExpectedCalibrationError(IReadOnlyList<CalibrationBin> table)
    {
        int n = table.Sum(b => b.Count);
        return n == 0 ? double.NaN : table.Where(b => b.Count > 0).Sum(b => b.Count * Math.Abs(b.MeanPredicted - b.FractionPositive)) / n;
    }

    private static void Check(IReadOnlyList<double> p, IReadOnlyList<bool> y)
    {
        if (p.Count != y.Count) throw new ArgumentException($"{p.Count} scores but {y.Count} labels");
    }
}
