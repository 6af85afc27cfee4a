namespace Cooper.Data.Embedded;

/// <summary>Split sizes for <see cref="EmbeddedTask.Generate(int, int, int, int)"/>.</summary>
public sealed record EmbeddedTaskSizes(int Train, int Validation, int Test);

/// <summary>The three fixed splits of the embedded task for one seed.</summary>
public sealed record EmbeddedSplits(int Seed, IReadOnlyList<MathProblem> Train, IReadOnlyList<MathProblem> Validation, IReadOnlyList<MathProblem> Test)
{
    /// <summary>(name, problems) for <c>train</c>, <c>val</c>, <c>test</c>, the file names <c>cooper data generate</c> uses.</summary>
    public IEnumerable<(string Name, IReadOnlyList<MathProblem> Problems)> All =>
        [("train", Train), ("val", Validation), ("test", Test)];
}

/// <summary>
/// The embedded math task: seeded GSM8K-style word problems small enough for a ~2–5M-parameter
/// character model (questions ≤ 200 characters, solutions ≤ 250), so the whole Cooper loop can run
/// without downloading a dataset.
/// <list type="bullet">
/// <item>14 story templates (<see cref="TemplateNames"/>), 1–4 arithmetic steps; <see cref="MathProblem.Difficulty"/> = steps.</item>
/// <item>Solutions write every step as an explicit equation (<c>Cost: 3*12=36.</c>), one per line, and end
/// with <c>The answer is \boxed{36}.</c>; <see cref="ArithmeticChecker"/> can recompute each one.</item>
/// <item>About 80% of answers are integers; the rest are decimals (<c>2.5</c>), reduced fractions
/// (<c>\frac{3}{4}</c>) and percentages (<c>40\%</c>), so a strict string match misses some correct
/// answers written another way (<c>0.75</c> for <c>\frac{3}{4}</c>) — where a reward model earns its keep.</item>
/// <item>Every value is non-negative, below 10,000 and has at most two decimal places.</item>
/// <item>Problem <c>i</c> of a split depends only on (seed, split, i): the test and validation splits are
/// generated first, so they stay the same whatever the train size; a question already used in any split
/// is drawn again, so the splits share no question text.</item>
/// <item>Randomness is <see cref="SplitMix64"/>, not <see cref="Random"/>, so a seed gives the same data on every .NET version.</item>
/// </list>
/// </summary>
public static class EmbeddedTask
{
    /// <summary>The seed used when none is given.</summary>
    public const int DefaultSeed = 1234;

    /// <summary>
    /// Default split sizes: 20,000 training problems (a few epochs of SFT plus RL prompts for a tiny model),
    /// 600 for validation during training (a standard error of about 1.8 points on mean@2; 400 gave 2.2) and 500
    /// held out for the final evaluation (the size of MATH-500). Validation problems past the first 200 are
    /// generated after the other splits, so growing it (200 → 400 → 600) changed no training or test problem
    /// and kept the earlier validation problems first.
    /// </summary>
    public static EmbeddedTaskSizes Default { get; } = new(20_000, 600, 500);

    /// <summary>Share of problems whose answer is an integer; the rest use a template's other answer kinds.</summary>
    public const double IntegerShare = 0.8;

    /// <summary>The template names; each problem's <c>data_source</c> is <c>cooper/arith-{name}</c>.</summary>
    public static IReadOnlyList<string> TemplateNames { get; } = Templates.All.Select(t => t.Name).ToArray();

    /// <summary>The <c>data_source</c> prefix of every embedded problem.</summary>
    public const string DataSourcePrefix = "cooper/arith-";

    /// <summary>The splits for <paramref name="seed"/> at the <see cref="Default"/> sizes.</summary>
    public static EmbeddedSplits Generate(int seed = DefaultSeed) =>
        Generate(seed, Default.Train, Default.Validation, Default.Test);

    /// <summary>The splits for <paramref name="seed"/> at the given sizes.</summary>
    public static EmbeddedSplits Generate(int seed, int trainCount, int valCount, int testCount)
    {
        if (trainCount < 0) throw new ArgumentException($"train count must be ≥ 0, got {trainCount}", nameof(trainCount));
        if (valCount < 0) throw new ArgumentException($"validation count must be ≥ 0, got {valCount}", nameof(valCount));
        if (testCount < 0) throw new ArgumentException($"test count must be ≥ 0, got {testCount}", nameof(testCount));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Held-out splits first: their content must not depend on how much training data was asked for.
        var test = GenerateSplit(seed, "test", 0, testCount, seen);
        var val = GenerateSplit(seed, "val", 0, Math.Min(valCount, ValidationBeforeTrain), seen);
        var train = GenerateSplit(seed, "train", 0, trainCount, seen);
        // Validation problems past the first 200 are drawn after the training split, so growing the validation
        // split changes no training problem (the shipped policy was trained on these exact problems).
        val.AddRange(GenerateSplit(seed, "val", ValidationBeforeTrain, valCount, seen));
        return new EmbeddedSplits(seed, train, val, test);
    }

    /// <summary>Validation problems drawn before the training split (the split's size when the shipped models were built).</summary>
    private const int ValidationBeforeTrain = 200;

    private static List<MathProblem> GenerateSplit(int seed, string split, int from, int to, HashSet<string> seen)
    {
        var problems = new List<MathProblem>(Math.Max(0, to - from));
        for (int i = from; i < to; i++)
        {
            for (int attempt = 0; ; attempt++)
            {
                if (attempt == 1000)
                    throw new InvalidOperationException($"embedded task: 1000 duplicate questions in a row at {split}[{i}]; the template space is exhausted");
                var p = Problem(seed, split, i, attempt);
                if (seen.Add(p.Question)) { problems.Add(p); break; }
            }
        }
        return problems;
    }

    /// <summary>
    /// Problem <paramref name="index"/> of <paramref name="split"/> as drawn on try <paramref name="attempt"/>
    /// (before de-duplication across splits). Depends on nothing else.
    /// </summary>
    public static MathProblem Problem(int seed, string split, int index, int attempt = 0)
    {
        var rng = new SplitMix64(SplitMix64.Derive((ulong)(uint)seed, SplitId(split), (ulong)index, (ulong)attempt));
        var template = rng.Pick(Templates.All);
        var kind = rng.Chance(IntegerShare) ? AnswerKind.Integer : rng.Pick(template.NonInteger);
        // Numbers and step counts are redrawn until the story fits every limit; a template/kind pair that
        // can never fit is a bug the tests catch long before this bound is reached.
        for (int tries = 0; tries < 10_000; tries++)
        {
            int steps = rng.Range(1, 4);
            var draft = new Draft(rng, steps, kind);
            template.Write(draft);
            if (draft.Finish() is not { } done) continue;
            return new MathProblem
            {
                Id = $"arith-{split}-{index:D5}",
                Question = done.Question,
                ReferenceAnswer = done.Answer,
                Solution = done.Solution,
                DataSource = DataSourcePrefix + template.Name,
                Difficulty = steps,
                Extra = new Dictionary<string, string>
                {
                    ["split"] = split,
                    ["template"] = template.Name,
                    ["answer_kind"] = kind.ToString().ToLowerInvariant(),
                },
            };
        }
        throw new InvalidOperationException($"embedded task: template '{template.Name}' produced no valid {kind} problem in 10000 tries");
    }

    private static ulong SplitId(string split)
    {
        // FNV-1a: a fixed hash (string.GetHashCode is randomized per process).
        ulong h = 14695981039346656037UL;
        foreach (char c in split) { h ^= c; h *= 1099511628211UL; }
        return h;
    }
}
