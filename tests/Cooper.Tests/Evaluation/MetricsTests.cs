using Cooper.Evaluation;
using Cooper.RL;
using Cooper.Rewards;

namespace Cooper.Tests.Evaluation;

public class ClassificationMetricsTests
{
    [Fact]
    public void Auroc_counts_correctly_ordered_pairs_with_ties_as_half()
    {
        // positives 0.9, 0.4; negatives 0.4, 0.1: pairs (0.9>0.4) (0.9>0.1) (0.4=0.4 → ½) (0.4>0.1) → 3.5/4
        Assert.Equal(0.875, ClassificationMetrics.Auroc([0.9, 0.4, 0.4, 0.1], [true, true, false, false]), 12);
        Assert.Equal(1.0, ClassificationMetrics.Auroc([0.8, 0.2], [true, false]));
        Assert.Equal(0.0, ClassificationMetrics.Auroc([0.2, 0.8], [true, false]));
        Assert.True(double.IsNaN(ClassificationMetrics.Auroc([0.2, 0.8], [true, true])));
    }

    [Fact]
    public void Accuracy_uses_the_threshold_inclusively()
        => Assert.Equal(0.75, ClassificationMetrics.Accuracy([0.5, 0.49, 0.9, 0.1], [true, false, false, false]));

    [Fact]
    public void Calibration_table_bins_predictions_and_ece_matches_hand_value()
    {
        // 2 bins: [0,0.5): 0.2 (y=0), 0.4 (y=1) → mean 0.3, pos 0.5; [0.5,1]: 1.0 (y=1) → mean 1, pos 1
        var table = ClassificationMetrics.Calibration([0.2, 0.4, 1.0], [false, true, true], bins: 2);
        Assert.Equal(2, table[0].Count);
        Assert.Equal(0.3, table[0].MeanPredicted, 12);
        Assert.Equal(0.5, table[0].FractionPositive, 12);
        Assert.Equal(1, table[1].Count);
        // ECE = (2/3)·|0.3−0.5| + (1/3)·0 = 0.133333
        Assert.Equal(2.0 / 3 * 0.2, ClassificationMetrics.ExpectedCalibrationError(table), 12);
    }
}

public class HackingMonitorTests
{
    [Fact]
    public void Alarm_fires_when_reward_rises_while_accuracy_falls()
    {
        var m = new HackingMonitor(window: 5, minSlope: 0.01);
        bool fired = false;
        for (int i = 0; i < 5; i++) fired = m.Add(0.5 + 0.1 * i, 0.5 - 0.05 * i);
        Assert.True(fired);
        Assert.Equal(0.1, m.RewardSlope, 12);
        Assert.Equal(-0.05, m.AccuracySlope, 12);
        Assert.Equal((0.5 + 0.4) - (0.5 - 0.2), m.Gap, 12);
    }

    [Fact]
    public void No_alarm_when_both_rise_or_the_window_is_not_full()
    {
        var m = new HackingMonitor(window: 5, minSlope: 0.01);
        for (int i = 0; i < 4; i++) Assert.False(m.Add(0.5 + 0.1 * i, 0.5 - 0.1 * i)); // window not full
        var rising = new HackingMonitor(window: 3);
        for (int i = 0; i < 6; i++) Assert.False(rising.Add(0.3 + 0.1 * i, 0.2 + 0.1 * i));
    }
}

public class RewardModelTemplateTests
{
    [Fact]
    public void Template_is_exactly_the_papers()
        => Assert.Equal("<question>What is 2+2?</question>\n<reference_answer>4</reference_answer>\n<completion>2+2=4, so \\boxed{4}</completion>",
            RewardModelTemplate.Format("What is 2+2?", "4", "2+2=4, so \\boxed{4}"));

    [Fact]
    public void Long_completion_keeps_first_500_and_last_1000_characters()
    {
        string text = new string('a', 500) + new string('m', 100) + new string('z', 1000); // 1,600 chars
        string cut = RewardModelTemplate.Truncate(text);
        Assert.Equal(1500, cut.Length);
        Assert.Equal(new string('a', 500) + new string('z', 1000), cut);
    }

    [Fact]
    public void Texts_of_exactly_1500_characters_are_not_cut_and_the_question_never_is()
    {
        string exact = new string('x', 1500);
        Assert.Same(exact, RewardModelTemplate.Truncate(exact));
        string longQ = new string('q', 3000);
        Assert.Contains(longQ, RewardModelTemplate.Format(longQ, "1", "c"));
        Assert.Equal(1500, RewardModelTemplate.Truncate(exact + "y").Length);
    }
}
