using System.CommandLine;
using Cooper.Configuration;
using Cooper.RL;
using Cooper.Rewards;
using Cooper.Data;
using Cooper.Runs;

namespace Cooper.Cli.Commands;

/// <summary><c>cooper train --config FILE --reward rule|rm|cooper|cooper_plus [--set k=v …] [--resume]</c>.</summary>
public static class TrainCommand
{
    public static Command Create(GlobalOptions g)
    {
        var config = new Option<string?>("--config") { Description = "YAML/JSON config (TrainConfig); defaults apply without one" };
        var reward = new Option<string?>("--reward") { Description = "rule | rm | cooper | cooper_plus (overrides the config's reward)" };
        var set = new Option<string[]>("--set") { Description = "key=value override (repeatable), e.g. --set grpo.learning_rate=1e-5", AllowMultipleArgumentsPerToken = false };
        var resume = new Option<bool>("--resume") { Description = "continue the run folder's latest checkpoint (with the run's settings; only TrainConfig.ResumeSafeKeys may change)" };
        var cmd = new Command("train", "GRPO on the policy with a rule, static reward-model or Cooper (co-trained) reward");
        cmd.Options.Add(config);
        cmd.Options.Add(reward);
        cmd.Options.Add(set);
        cmd.Options.Add(resume);
        cmd.SetAction((pr, ct) => g.RunAsync(pr, async () =>
        {
            var overrides = (pr.GetValue(set) ?? []).ToList();
            if (pr.GetValue(reward) is { } r) overrides.Add($"reward={r}");
            if (pr.GetValue(g.Seed) is { } s) overrides.Add($"seed={s}");
            var cfg = ConfigLoader.Load<TrainConfig>(pr.GetValue(config), overrides);
            var device = g.InitTorch(pr);
            // Nothing is written until the trainer has loaded and checked data, models and tokenizer.
            var run = RunFolder.At(Path.Combine(cfg.Out, cfg.RunName()));
            void Warn(string msg) => Console.Error.WriteLine("warning: " + msg);
            var inputs = TrainerSetup.Inputs(cfg, Warn);
            using var trainer = new GrpoTrainer(cfg, inputs, run, device, pr.GetValue(resume), Warn);
            Console.WriteLine(trainer.Start.Describe(cfg.Steps));
            await trainer.TrainAsync(ct);
            return 0;
        }, ct));
        return cmd;
    }
}
