using Cooper.Experiments;
using Cooper.Rewards;
using Cooper.Tests.Modeling;
using Cooper.Tests.RL;
using static TorchSharp.torch;

namespace Cooper.Tests.Runs;

/// <summary>
/// What <c>cooper train</c> and <c>cooper sft</c> do with run folders: a new run never writes into an existing
/// one, <c>--resume</c> refuses changed settings and says what it resumes, and nothing is created before the
/// data, config, model and tokenizer have been checked.
/// </summary>
[Collection("NonParallel")]
public class RunFolderTests
{
    [Fact]
    public void A_second_run_with_the_same_name_is_refused_and_the_first_run_is_untouched()
    {
        using var tmp = new TempDir();
        var args = CooperCli.TinyTrain(tmp.Path, "same", "steps=2", "checkpoint_every=1");
        Assert.Equal(0, CooperCli.Run(args).Code);
        var metrics = Path.Combine(tmp.Path, "same", "metrics.jsonl");
        var before = File.ReadAllText(metrics);

        var (code, _, stderr) = CooperCli.Run(args);

        Assert.NotEqual(0, code);
        Assert.Contains("already holds a run", stderr);
        Assert.Contains("--resume", stderr);
        Assert.Equal(before, File.ReadAllText(metrics));
    }

    [Fact]
    public void Resume_with_a_changed_reward_or_step_count_is_refused_naming_both_values()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, CooperCli.Run(CooperCli.TinyTrain(tmp.Path, "run", "steps=2", "checkpoint_every=1")).Code);
        var config = File.ReadAllText(Path.Combine(tmp.Path, "run", "config.yaml"));

        var (code, _, stderr) = CooperCli.Run([.. CooperCli.TinyTrain(tmp.Path, "run", "steps=3", "checkpoint_every=1", "reward=rm",
            $"reward_model={ShippedModels.Reward}"), "--resume"]);

        Assert.NotEqual(0, code);
        Assert.Contains("started with reward rule", stderr);
        Assert.Contains("steps 2", stderr);
        Assert.Contains("steps 3", stderr);
        Assert.Equal(config, File.ReadAllText(Path.Combine(tmp.Path, "run", "config.yaml")));
    }

    [Fact]
    public void Resume_may_change_a_safe_key_and_says_which_checkpoint_it_continues()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, CooperCli.Run(CooperCli.TinyTrain(tmp.Path, "run", "steps=3", "checkpoint_every=1", "stop_after=2")).Code);

        var (code, stdout, stderr) = CooperCli.Run([.. CooperCli.TinyTrain(tmp.Path, "run", "steps=3", "checkpoint_every=2", "stop_after=0"), "--resume"]);

        Assert.True(code == 0, stderr);
        Assert.Contains("from checkpoint step-000002 (step 2 of 3)", stdout);
        Assert.Equal([1, 2, 3], CooperCli.Steps(Path.Combine(tmp.Path, "run", "metrics.jsonl")));
    }

    [Fact]
    public void A_failed_data_load_leaves_no_run_folder()
    {
        using var tmp = new TempDir();
        var (code, _, stderr) = CooperCli.Run(CooperCli.TinyTrain(tmp.Path, "nodata", "steps=1", $"data={Path.Combine(tmp.Path, "missing.jsonl")}"));

        Assert.NotEqual(0, code);
        Assert.Contains("missing.jsonl", stderr);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "nodata")));
    }

    [Fact]
    public void A_failed_sft_data_load_leaves_no_run_folder()
    {
        using var tmp = new TempDir();
        var (code, _, stderr) = CooperCli.Run(CooperCli.TinySft(tmp.Path, "nodata", "steps=1", $"data={Path.Combine(tmp.Path, "missing.jsonl")}"));

        Assert.NotEqual(0, code);
        Assert.Contains("missing.jsonl", stderr);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "nodata")));
    }

    [Fact]
    public void A_nan_temperature_is_refused_before_the_run_folder_exists()
    {
        using var tmp = new TempDir();
        var (code, _, stderr) = CooperCli.Run(CooperCli.TinyTrain(tmp.Path, "nan", "steps=1", "grpo.temperature=NaN"));

        Assert.Equal(2, code);
        Assert.Contains("grpo.temperature must be > 0 (got NaN)", stderr);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "nan")));
    }

    /// <summary>The shipped policy's config and weights in a folder of their own, with <paramref name="tokenizerFrom"/>'s tokenizer files (none when null).</summary>
    private static string PolicyCopy(string dir, string? tokenizerFrom)
    {
        Directory.CreateDirectory(dir);
        foreach (var f in new[] { "config.json", "model.safetensors" }) File.Copy(Path.Combine(ShippedModels.Policy, f), Path.Combine(dir, f));
        if (tokenizerFrom is not null)
            foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json" }) File.Copy(Path.Combine(tokenizerFrom, f), Path.Combine(dir, f));
        return dir;
    }

    [Fact]
    public void A_policy_folder_without_a_tokenizer_trains_with_the_tokenizer_setting()
    {
        using var tmp = new TempDir();
        var policy = PolicyCopy(Path.Combine(tmp.Path, "weights-only"), tokenizerFrom: null);

        var (code, _, stderr) = CooperCli.Run(CooperCli.TinyTrain(tmp.Path, "run", "steps=1", $"policy={policy}", $"tokenizer={ShippedModels.Policy}"));

        Assert.True(code == 0, stderr);
        Assert.Equal([1], CooperCli.Steps(Path.Combine(tmp.Path, "run", "metrics.jsonl")));
    }

    [Fact]
    public void A_policy_folder_without_a_tokenizer_fails_saying_how_to_name_one()
    {
        using var tmp = new TempDir();
        var policy = PolicyCopy(Path.Combine(tmp.Path, "weights-only"), tokenizerFrom: null);

        var (code, _, stderr) = CooperCli.Run(CooperCli.TinyTrain(tmp.Path, "run", "steps=1", $"policy={policy}"));

        Assert.NotEqual(0, code);
        Assert.Contains("set tokenizer=DIR", stderr);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "run")));
    }

    [Fact]
    public void A_tokenizer_larger_than_the_policy_vocabulary_is_refused_before_the_run_folder_exists()
    {
        using var tmp = new TempDir();
        var policy = PolicyCopy(Path.Combine(tmp.Path, "qwen-tokenizer"), tokenizerFrom: ModelFixtures.QwenTokenizer);

        var (code, _, stderr) = CooperCli.Run(CooperCli.TinyTrain(tmp.Path, "run", "steps=1", $"policy={policy}"));

        Assert.NotEqual(0, code);
        Assert.Contains("has a vocabulary of 87", stderr);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "run")));
    }

    [Fact]
    public void Sft_trains_with_the_chat_prompt_style()
    {
        using var tmp = new TempDir();
        var (code, _, stderr) = CooperCli.Run(CooperCli.TinySft(tmp.Path, "chat", "steps=2", "prompt_style=chat"));

        Assert.True(code == 0, stderr);
        Assert.Equal([1, 2], CooperCli.Steps(Path.Combine(tmp.Path, "chat", "metrics.jsonl")));
        Assert.Contains("prompt_style: Chat", File.ReadAllText(Path.Combine(tmp.Path, "chat", "config.yaml")));
    }

    [Fact]
    public async Task The_experiment_runner_reuses_its_run_folders_replacing_what_an_earlier_run_left()
    {
        using var tmp = new TempDir();
        var quick = new ExperimentConfig().Quick();
        var cfg = quick with
        {
            Out = tmp.Path, Modes = [RewardMode.Rule], Steps = 1, TestPrompts = 2, TestSamples = 1,
            Train = quick.Train with
            {
                Policy = ShippedModels.Policy, RewardModel = ShippedModels.Reward, RmValData = null, ValEvery = 1, ValPrompts = 2, ValSamples = 1,
                Grpo = quick.Train.Grpo with { PromptsPerStep = 1, RolloutsPerPrompt = 2, MaxNewTokens = 16 },
            },
        };

        await ExperimentRunner.RunAsync(cfg, CPU, _ => { });
        await ExperimentRunner.RunAsync(cfg, CPU, _ => { });

        // step 0 validation, step 1 (training + validation), step 1 test: one run's lines, not two
        Assert.Equal([0, 1, 1], CooperCli.Steps(Path.Combine(tmp.Path, "runs", "rule-s1", "metrics.jsonl")));
    }
}
