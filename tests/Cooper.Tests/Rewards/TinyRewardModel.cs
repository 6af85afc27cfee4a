using Cooper.Annotation;
using Cooper.Modeling;
using Cooper.Rewards;
using Cooper.Tokenizers;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Rewards;

/// <summary>A tiny char-level reward model (<see cref="TinyModels.Classifier"/>) for tests that need no downloaded weights.</summary>
internal static class TinyRewardModel
{
    public const string Characters = "0123456789+-*/=.,:;!?()[]{}<>_\\#$% \nabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    public static CharTokenizer Tokenizer() => CharTokenizer.Create(Characters);

    public static RewardModel Create(long seed = 0, int maxLength = 0)
    {
        var tok = Tokenizer();
        return new RewardModel(SequenceClassifier.Create(TinyModels.Classifier(tok), seed), tok) { MaxLength = maxLength };
    }

    /// <summary>
    /// A separable labelled set: <c>a+b</c> with a, b in 1..4; a correct completion boxes the sum (one
    /// digit), a wrong one boxes sum + 10..12 (two digits), so the final answer equals the reference
    /// exactly in the correct rows and a tiny model can tell them apart. Half the rows are correct.
    /// </summary>
    public static List<LabelledExample> SyntheticSet(int count, int offset = 0)
    {
        var rows = new List<LabelledExample>();
        for (int i = 0; i < count; i++)
        {
            int k = i + offset, a = k % 4 + 1, b = k / 4 % 4 + 1, sum = a + b;
            bool correct = i % 2 == 0;
            int said = correct ? sum : sum + 10 + k % 3;
            rows.Add(new LabelledExample($"{a}+{b}?", sum.ToString(), $"{a}+{b}={said}. \\boxed{{{said}}}", correct)
            {
                Id = $"syn-{k}",
                DataSource = i % 3 == 0 ? "syn/a" : "syn/b",
            });
        }
        return rows;
    }

    /// <summary>A folder holding only config.json and tokenizer files: <c>rm train --init</c> starts from fresh weights.</summary>
    public static string ConfigOnlyFolder(string dir)
    {
        var tok = Tokenizer();
        Directory.CreateDirectory(dir);
        TinyModels.Classifier(tok).Save(Path.Combine(dir, "config.json"));
        tok.Save(dir);
        return dir;
    }
}
