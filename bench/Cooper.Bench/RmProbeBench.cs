using System.Globalization;
using System.Text.RegularExpressions;
using Cooper.Data.Embedded;
using Cooper.Modeling;
using Cooper.Rewards;
using Cooper.Rewards.Negatives;
using Cooper.Runtime;
using Cooper.Tokenizers;
using Cooper.Verify;

namespace Cooper.Bench;

/// <summary>
/// <c>rm-probe</c>: what the shipped reward model rewards. For each validation problem of the embedded task
/// it scores the gold worked solution and three edits of it — the embedded rewriter's step rewrite (one
/// operand changed and carried through: arithmetically consistent, wrong final answer), an answer-only
/// change (steps untouched, a different boxed answer), and an arithmetic slip that is not carried (one
/// step's result off by one, final answer still the reference's) — and prints mean scores and how often
/// the gold solution outranks each edit. A model that compares the answer with the reference scores the
/// first two low and the slip high; one that checks the arithmetic does the opposite for the first and last.
/// </summary>
/// <remarks>Options: <c>--reward DIR</c> (default: models/reward of the repository), <c>--limit N</c> (problems, default all 200).</remarks>
public static partial class RmProbeBench
{
    [GeneratedRegex(@"(?<a>-?\d+(?:\.\d+)?)\s*(?<op>[-+*/])\s*(?<b>-?\d+(?:\.\d+)?)\s*=\s*(?<c>-?\d+)(?!\d|\.\d)")]
    private static partial Regex IntegerStep();

    [GeneratedRegex(@"\\boxed\{[^{}]*\}")]
    private static partial Regex Boxed();

    public static int Run(string[] args)
    {
        TorchRuntime.PreloadLibTorch();
        int limit = BenchRegistry.IntArg(args, "--limit", 200);
        var dir = BenchRegistry.Arg(args, "--reward", Path.Combine(BenchRegistry.ModelsDir(), "reward"));
        Console.WriteLine(BenchRegistry.Header("Cooper.Bench rm-probe " + string.Join(' ', args)));
        Console.WriteLine($"reward model: {Path.GetFileName(Path.TrimEndingDirectorySeparator(dir))}");
        using var rm = RewardModel.Load(dir);

        var kinds = new[] { "gold solution", "step rewrite (consistent, wrong answer)", "answer-only change", "uncarried slip (answer still right)" };
        var rows = new List<(int Problem, int Kind, RmInput Input)>();
        int used = 0;
        foreach (var p in EmbeddedTask.Generate().Validation.Take(limit))
        {
            var gold = p.Solution;
            if (gold is null || !MathVerifier.Score(gold, p.ReferenceAnswer)) continue;
            string? rewrite = null, answerOnly = null;
            for (ulong seed = 1; seed < 64 && (rewrite is null || answerOnly is null); seed++)
            {
                var r = EmbeddedRewriter.Rewrite(gold, seed);
                if (r is null || MathVerifier.Score(r, p.ReferenceAnswer)) continue;
                bool sameSteps = Boxed().Replace(r, "") == Boxed().Replace(gold, "");
                if (sameSteps) answerOnly ??= r; else rewrite ??= r;
            }
            var slip = Slip(gold);
            if (rewrite is null || answerOnly is null || slip is null || !MathVerifier.Score(slip, p.ReferenceAnswer)) continue;
            string[] texts = [gold, rewrite, answerOnly, slip];
            for (int k = 0; k < texts.Length; k++) rows.Add((used, k, new RmInput(p.Question, p.ReferenceAnswer, texts[k])));
            used++;
        }
        var scores = rm.Scores(rows.Select(r => r.Input).ToList());
        var byProblem = new float[used, kinds.Length];
        for (int i = 0; i < rows.Count; i++) byProblem[rows[i].Problem, rows[i].Kind] = scores[i];

        Console.WriteLine($"{used} validation problems with a gold solution that has a step to edit\n");
        Console.WriteLine("| completion | label by reference | mean score | scored ≥ 0.5 | gold scored higher |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: |");
        for (int k = 0; k < kinds.Length; k++)
        {
            var s = Enumerable.Range(0, used).Select(i => byProblem[i, k]).ToArray();
            string higher = k == 0 ? "–" : $"{Enumerable.Range(0, used).Count(i => byProblem[i, 0] > byProblem[i, k]) / (double)used:P1}";
            string label = k is 0 or 3 ? "correct" : "wrong";
            Console.WriteLine($"| {kinds[k]} | {label} | {s.Average():0.000} | {s.Count(x => x >= 0.5f) / (double)used:P1} | {higher} |");
        }
        return 0;
    }

    /// <summary>The first integer step's result off by one, not carried into later steps; null when there is none.</summary>
    private static string? Slip(string text)
    {
        var m = IntegerStep().Match(text);
        if (!m.Success) return null;
        var c = m.Groups["c"];
        long wrong = long.Parse(c.Value, CultureInfo.InvariantCulture) + 1;
        return string.Concat(text.AsSpan(0, c.Index), wrong.ToString(CultureInfo.InvariantCulture), text.AsSpan(c.Index + c.Length));
    }
}
