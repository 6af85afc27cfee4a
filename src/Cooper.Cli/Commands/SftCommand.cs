using System.CommandLine;
using System.Globalization;
using Cooper.Configuration;
using Cooper.Runs;
using Cooper.Training;

namespace Cooper.Cli.Commands;

/// <summary><c>cooper sft [--config FILE] [--set k=v …] [--resume] [--export DIR]</c>.</summary>
public static class SftCommand
{
    public static Command Create(GlobalOptions g)
    {
        var config = new Option<string?>("--config") { Description = "YAML/JSON SftConfig (defaults: a fresh char model on the embedded task)" };
        var set = new Option<string[]>("--set") { Description = "key=value override (repeatable), e.g. --set steps=500" };
        var resume = new Option<bool>("--resume") { Description = "continue the run folder's latest checkpoint (with the run's settings; only SftConfig.ResumeSafeKeys may change)" };
        var export = new Option<string?>("--export") { Description = "also write the final model + tokenizer to this folder" };
        var cmd = new Command("sft", "Supervised fine-tuning on worked solutions (loss on assistant tokens only)");
        foreach (var o in new Option[] { config, set, resume, export }) cmd.Options.Add(o);
        cmd.SetAction(pr => g.Run(pr, () =>
        {
            var overrides = (pr.GetValue(set) ?? []).ToList();
            if (pr.GetValue(export) is { } e) overrides.Add($"export={e}");
            if (pr.GetValue(g.Seed) is { } s) overrides.Add($"seed={s}");
            var cfg = ConfigLoader.Load<SftConfig>(pr.GetValue(config), overrides);
            var device = g.InitTorch(pr);
            // Nothing is written until the trainer has loaded data and model.
            var run = RunFolder.At(Path.Combine(cfg.Out, cfg.RunName()));
            using var trainer = new SftTrainer(cfg, run, device, pr.GetValue(resume), log: msg => Console.Error.WriteLine("warning: " + msg));
            Console.WriteLine(trainer.Start.Describe(cfg.Steps));
            Console.WriteLine($"model: {trainer.Model.parameters().Sum(p => p.numel()):N0} parameters, vocabulary {trainer.Tokenizer.VocabSize}");
            var r = trainer.Train();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"final validation accuracy (mean@{r.SamplesPerProblem}, {r.Problems} problems): {r.Accuracy:0.000}"));
            return 0;
        }));
        return cmd;
    }
}
