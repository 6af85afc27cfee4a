using System.CommandLine;
using System.Text.Json;
using Cooper.Annotation;
using Cooper.Configuration;
using Cooper.Rewards;
using Cooper.Runs;

namespace Cooper.Cli.Commands;

/// <summary>
/// <c>cooper rm train</c>: trains a reference-based reward model (VerifyRM) with BCE on labelled completions.
/// <c>cooper rm eval</c>: measures a reward model as a verifier (accuracy overall and per answer type, AUROC, calibration).
/// </summary>
public static class RewardModelCommands
{
    public static Command Create(GlobalOptions g)
    {
        var rm = new Command("rm", "Reward model (VerifyRM): train on labelled completions, evaluate on VerifyBench-format data");
        rm.Subcommands.Add(CreateTrain(g));
        rm.Subcommands.Add(CreateEval(g));
        return rm;
    }

    private static Command CreateTrain(GlobalOptions g)
    {
        var data = new Option<string?>("--data") { Description = "labelled JSONL to train on (question, reference|answer, completion, label|gold_correct)" };
        var val = new Option<string?>("--val") { Description = "held-out labelled JSONL (default: split val_fraction of the training questions off)" };
        var init = new Option<string?>("--init") { Description = "initial model folder: a reward model, a policy (backbone copied) or a config-only folder (from scratch)" };
        var config = new Option<string?>("--config") { Description = "YAML/JSON config (keys of RmTrainConfig in snake_case)" };
        var output = new Option<string?>("--out") { Description = "run folder (metrics.jsonl, checkpoints/, model/, eval.json); rerunning into it resumes" };
        var set = new Option<string[]>("--set") { Description = "config override key=value (repeatable), e.g. --set learning_rate=1e-5", AllowMultipleArgumentsPerToken = false };
        var cmd = new Command("train", "Train a reward model with BCE (AdamW lr 2e-5, wd 0.01, 3 epochs by default); resumes from the run folder's last checkpoint")
        {
            data, val, init, config, output, set,
        };
        cmd.SetAction(pr => g.Run(pr, () =>
        {
            var overrides = new List<string>();
            void Flag(string key, string? value) { if (value is not null) overrides.Add($"{key}={value}"); }
            Flag("data", pr.GetValue(data));
            Flag("val_data", pr.GetValue(val));
            Flag("init", pr.GetValue(init));
            Flag("out", pr.GetValue(output));
            if (pr.GetValue(g.Seed) is { } seed) overrides.Add($"seed={seed}");
            overrides.AddRange(pr.GetValue(set) ?? []);
            var cfg = ConfigLoader.Load<RmTrainConfig>(pr.GetValue(config), overrides);

            var device = g.InitTorch(pr);
            var rows = LabelledSet.Read(cfg.Data);
            var (train, held) = cfg.ValData is null
                ? RewardModelTrainer.Split(rows, cfg.ValFraction, cfg.Seed)
                : (rows, LabelledSet.Read(cfg.ValData));
            if (cfg.AnswerEdit > 0 || cfg.StepRewrite > 0)
            {
                int before = train.Count;
                (train, int edits, int rewrites) = TargetedRows.Augment(train, cfg.AnswerEdit, cfg.StepRewrite, cfg.Seed);
                Console.WriteLine($"targeted rows: {edits} answer edits and {rewrites} step rewrites added to {before} training rows");
            }
            if (cfg.ReferenceSwap > 0)
            {
                int before = train.Count;
                train = ReferenceSwap.Augment(train, cfg.ReferenceSwap, cfg.Seed);
                Console.WriteLine($"reference swap: {train.Count - before} swapped copies added to {before} training rows");
            }
            if (cfg.AnswerRows > 0)
            {
                var answerRows = TargetedRows.AnswerRows(train, cfg.AnswerRows, cfg.Seed);
                Console.WriteLine($"answer rows: {answerRows.Count} one-line rows from {train.Select(r => r.Reference.Trim()).Distinct().Count()} references" +
                                  (cfg.AnswerRowsOnly ? " (training on these alone)" : $" added to {train.Count} training rows"));
                train = cfg.AnswerRowsOnly ? answerRows : [.. train, .. answerRows];
            }
            Console.WriteLine($"train {train.Count} rows ({train.Count(r => r.Label)} correct), validation {held.Count} rows ({held.Count(r => r.Label)} correct)");
            var run = RunFolder.At(cfg.Out);
            var result = RewardModelTrainer.Train(cfg, train, held, run, () => RewardModelTrainer.Initialise(cfg, device), device, Console.WriteLine);
            if (result.ModelDir is null)
            {
                Console.WriteLine($"stopped at step {result.Steps}/{result.TotalSteps}; rerun with the same --out to resume");
                return 0;
            }
            Console.WriteLine($"done: {result.Steps} steps; model in {result.ModelDir}");
            if (result.Final is not null) Console.Write(RmEvaluation.Format(result.Final));
            return 0;
        }));
        return cmd;
    }

    private static Command CreateEval(GlobalOptions g)
    {
        var model = new Option<string>("--model") { Description = "reward model folder (HF *ForSequenceClassification, one label)", Required = true };
        var data = new Option<string>("--data") { Description = "labelled JSONL: VerifyBench format (question, answer, completion, gold_correct, answer_type, answer_subtype) or ours", Required = true };
        var output = new Option<string?>("--out") { Description = "write the report as JSON here" };
        var batch = new Option<int>("--batch") { Description = "inputs per forward", DefaultValueFactory = _ => 32 };
        var maxLength = new Option<int>("--max-length") { Description = "token cap per input (0 = the model's maximum)", DefaultValueFactory = _ => 0 };
        var threshold = new Option<double>("--threshold") { Description = "P(correct) at or above which a completion counts as judged correct", DefaultValueFactory = _ => 0.5 };
        var cmd = new Command("eval", "Evaluate a reward model as a verifier: accuracy (overall, per answer type/subtype/source), AUROC, calibration")
        {
            model, data, output, batch, maxLength, threshold,
        };
        cmd.SetAction(pr => g.Run(pr, () =>
        {
            var device = g.InitTorch(pr);
            var rows = LabelledSet.Read(pr.GetValue(data)!);
            using var rm = RewardModel.Load(pr.GetValue(model)!, device, pr.GetValue(maxLength));
            int b = pr.GetValue(batch);
            var report = RmEvaluation.Evaluate(rows, inputs => rm.Scores(inputs, b), pr.GetValue(threshold));
            Console.Write(RmEvaluation.Format(report));
            if (pr.GetValue(output) is { } path)
            {
                var dir = Path.GetDirectoryName(Path.GetFullPath(path));
                if (dir is not null) Directory.CreateDirectory(dir);
                AtomicFile.WriteAllText(path, RmEvaluation.ToJson(report).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
                Console.WriteLine($"report written to {path}");
            }
            return 0;
        }));
        return cmd;
    }
}
