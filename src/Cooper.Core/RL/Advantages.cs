namespace Cooper.RL;

/// <summary>GRPO's group-relative advantage (Shao et al. 2024; verl <c>compute_grpo_outcome_advantage</c>).</summary>
public static class Advantages
{
    /// <summary>
    /// A_i = (s_i − mean_G) / (std_G + ε) over the rollouts G of the same prompt, std unbiased (N−1).
    /// With <paramref name="normalizeByStd"/> false this is Dr.GRPO's A_i = s_i − mean_G.
    /// </summary>
    /// <remarks>
    /// Departure from verl: a group of one rollout gets advantage 0 (verl divides the raw score by
    /// 1+ε, which pushes a lone sample by its absolute reward; with no group there is no baseline).
    /// </remarks>
    /// <param name="scores">Sequence rewards s_i, one per rollout.</param>
    /// <param name="groups">Group id (prompt index) of each rollout.</param>
    /// <param name="normalizeByStd">Divide by the group std (GRPO) or not (Dr.GRPO).</param>
    /// <param name="epsilon">ε in the denominator (verl: 1e-6).</param>
    public static double[] GroupRelative(IReadOnlyList<double> scores, IReadOnlyList<int> groups, bool normalizeByStd = true, double epsilon = 1e-6)
    {
        if (scores.Count != groups.Count)
            throw new ArgumentException($"scores ({scores.Count}) and groups ({groups.Count}) differ in length");
        var members = new Dictionary<int, List<int>>();
        for (int i = 0; i < groups.Count; i++)
        {
            if (!members.TryGetValue(groups[i], out var list)) members[groups[i]] = list = [];
            list.Add(i);
        }
        var adv = new double[scores.Count];
        foreach (var idx in members.Values)
        {
            int n = idx.Count;
            if (n == 1) { adv[idx[0]] = 0; continue; }
            double mean = idx.Sum(i => scores[i]) / n;
            double std = SampleStd(idx.Select(i => scores[i]).ToList());
            foreach (var i in idx)
                adv[i] = normalizeByStd ? (scores[i] - mean) / (std + epsilon) : scores[i] - mean;
        }
        return adv;
    }

    /// <summary>
    /// True when every rollout of the group has the same score (its advantages are all 0), or, with
    /// <paramref name="minStd"/> &gt; 0, when the scores' standard deviation (N−1, as in <see cref="GroupRelative"/>) is at most it.
    /// </summary>
    public static bool IsZeroStdGroup(IEnumerable<double> groupScores, double minStd = 0)
    {
        if (minStd > 0)
        {
            var s = groupScores.ToList();
            return s.Count < 2 || SampleStd(s) <= minStd;
        }
        double? first = null;
        foreach (var s in groupScores)
        {
            first ??= s;
            if (Math.Abs(s - first.Value) > 1e-12) return false;
        }
        return true;
    }

    /// <summary>The unbiased (N−1) standard deviation of at least two scores.</summary>
    private static double SampleStd(IReadOnlyList<double> xs)
    {
        double mean = xs.Average();
        return Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1));
    }
}
