namespace Cooper.RL;

/// <summary>
/// Watches for reward hacking (paper §2): the reward the policy is trained on rises while the
/// verified accuracy of the same rollouts falls. Over the last <c>window</c> steps it fits a
/// least-squares slope to each series; the alarm fires when the reward slope is above
/// <c>+minSlope</c> and the accuracy slope below <c>−minSlope</c>. It also tracks the hacking
/// gap = mean reward − verified accuracy.
/// </summary>
public sealed class HackingMonitor(int window = 10, double minSlope = 0.002)
{
    private readonly List<(double Reward, double Accuracy)> _history = [];

    /// <summary>(reward, accuracy) per step seen, oldest first.</summary>
    public IReadOnlyList<(double Reward, double Accuracy)> History => _history;

    /// <summary>Steps seen so far.</summary>
    public int Count => _history.Count;

    /// <summary>Records one step; returns true when the alarm fires at this step.</summary>
    public bool Add(double rewardMean, double verifiedAccuracy)
    {
        _history.Add((rewardMean, verifiedAccuracy));
        return IsAlarming;
    }

    /// <summary>Reward − accuracy at the latest step (NaN before any step).</summary>
    public double Gap => _history.Count == 0 ? double.NaN : _history[^1].Reward - _history[^1].Accuracy;

    /// <summary>Slope per step of the reward over the window.</summary>
    public double RewardSlope => Slope(_history.TakeLast(window).Select(h => h.Reward).ToList());

    /// <summary>Slope per step of the verified accuracy over the window.</summary>
    public double AccuracySlope => Slope(_history.TakeLast(window).Select(h => h.Accuracy).ToList());

    /// <summary>True when the window is full, reward is rising and accuracy falling.</summary>
    public bool IsAlarming => _history.Count >= window && RewardSlope > minSlope && AccuracySlope < -minSlope;

    /// <summary>Least-squares slope of y against 0..n−1 (0 for fewer than 2 points).</summary>
    public static double Slope(IReadOnlyList<double> y)
    {
        int n = y.Count;
        if (n < 2) return 0;
        double xMean = (n - 1) / 2.0, yMean = y.Average();
        double num = 0, den = 0;
        for (int i = 0; i < n; i++) { num += (i - xMean) * (y[i] - yMean); den += (i - xMean) * (i - xMean); }
        return num / den;
    }
}
