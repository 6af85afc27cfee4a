using System.CommandLine;
using Cooper.Verify;
using Cooper.Verify.Batch;

namespace Cooper.Cli.Commands;

/// <summary>
/// <c>cooper verify</c>: the rule-based math verifier from the command line. One pair
/// (<c>--gold G --pred P</c>), a batch of cases (<c>--cases FILE.jsonl [--out FILE]</c>), or
/// VerifyBench accuracy (<c>--verifybench FILE.jsonl</c>). Never initialises TorchSharp.
/// </summary>
public static class VerifyCommand
{
    public static Command Create(GlobalOptions g)
    {
        var gold = new Option<string?>("--gold") { Description = "gold answer (LaTeX or plain math)" };
        var pred = new Option<string?>("--pred") { Description = "prediction: an answer or a whole completion" };
        var cases = new Option<string?>("--cases") { Description = "JSONL of {gold, pred, expected?, match_types?, precision?, strict?, allow_set_relation_comp?}" };
        var verifyBench = new Option<string?>("--verifybench") { Description = "VerifyBench JSONL {question, answer, completion, gold_correct, answer_type, answer_subtype}" };
        var output = new Option<string?>("--out") { Description = "write per-line results (JSONL) here; default: stdout for --cases" };
        var matchTypes = new Option<string?>("--match-types") { Description = "comma-separated targets for --gold/--pred: latex, expr, string (default latex,expr)" };
        var rounding = new Option<int?>("--float-rounding") { Description = "decimal places compared when a side is a decimal (default 6)" };
        var notStrict = new Option<bool>("--no-strict") { Description = "let variable names differ (f(x) = f(y))" };
        var setRel = new Option<bool>("--allow-set-relation-comp") { Description = "let a predicted relation match a gold set" };

        var cmd = new Command("verify", "Check whether a predicted math answer equals the gold answer (rule-based, Math-Verify compatible)");
        foreach (var o in new Option[] { gold, pred, cases, verifyBench, output, matchTypes, rounding, notStrict, setRel }) cmd.Options.Add(o);

        cmd.SetAction(pr => g.Run(pr, () =>
        {
            var options = VerifyOptions.Default with
            {
                Strict = !pr.GetValue(notStrict),
                AllowSetRelationComp = pr.GetValue(setRel),
                FloatRounding = pr.GetValue(rounding) ?? VerifyOptions.Default.FloatRounding,
            };
            if (pr.GetValue(matchTypes) is { } mt)
            {
                var targets = ExtractionTargets.FromNames(mt.Split(',', StringSplitOptions.RemoveEmptyEntries));
                options = options with { GoldTargets = targets, PredictionTargets = targets };
            }
            options.Validate();

            if (pr.GetValue(cases) is { } casesPath) return RunCases(casesPath, pr.GetValue(output), options);
            if (pr.GetValue(verifyBench) is { } benchPath) return RunVerifyBench(benchPath, pr.GetValue(output), options);
            if (pr.GetValue(gold) is not { } goldText || pr.GetValue(pred) is not { } predText)
                throw new ArgumentException("give --gold and --pred, or --cases FILE, or --verifybench FILE");

            var v = MathVerifier.Verify(goldText, predText, options);
            Console.WriteLine(v.IsEquivalent ? "equivalent" : "not equivalent");
            Console.WriteLine($"rule:       {v.Rule}");
            Console.WriteLine($"gold:       {v.GoldExtracted ?? "(none)"}");
            Console.WriteLine($"prediction: {v.PredictionExtracted ?? "(none)"}");
            Console.WriteLine($"why:        {v.Reason}");
            return v.IsEquivalent ? 0 : 3;
        }));
        return cmd;
    }

    /// <summary>Verifies each case; a file with no valid case (empty, or every line invalid) is an error naming it.</summary>
    private static int RunCases(string path, string? outPath, VerifyOptions options)
    {
        using var input = File.OpenText(path);
        using var file = outPath is null ? null : File.CreateText(outPath);
        var summary = CaseRunner.Run(input, file ?? Console.Out, options);
        foreach (var b in summary.BadLines) Console.Error.WriteLine($"skipped {path}, {b}");
        if (summary.Cases == 0)
            throw new InvalidDataException(summary.BadLines.Count == 0
                ? $"{path}: no cases to verify (the file is empty or blank); expected one JSON object per line with \"gold\" and \"pred\""
                : $"{path}: no valid cases: all {summary.BadLines.Count} non-blank lines are invalid (listed above); each needs \"gold\" and \"pred\"");
        Console.Error.WriteLine(CaseRunner.Describe(summary));
        return 0;
    }

    private static int RunVerifyBench(string path, string? outPath, VerifyOptions options)
    {
        using var input = File.OpenText(path);
        using var file = outPath is null ? null : File.CreateText(outPath);
        var report = VerifyBenchRunner.Run(input, file, options);
        foreach (var b in report.BadLines) Console.Error.WriteLine($"skipped {b}");
        Console.Write(report.Format());
        return 0;
    }
}
