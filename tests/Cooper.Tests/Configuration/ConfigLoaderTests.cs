using Cooper.Configuration;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Configuration;

public enum TestAggregation { TokenMean, SeqMeanTokenMean }

public sealed record TestOptimConfig
{
    public double LearningRate { get; init; } = 1e-6;
    public int WarmupSteps { get; init; } = 20;
}

public sealed record TestRunConfig : IValidatable
{
    public string Name { get; init; } = "default";
    public long Seed { get; init; } = 1;
    public bool DynamicSampling { get; init; }
    public TestAggregation Aggregation { get; init; } = TestAggregation.TokenMean;
    public int[] Seeds { get; init; } = [1];
    public double? MaxGradNorm { get; init; } = 1.0;
    public TestOptimConfig Optim { get; init; } = new();

    public void Validate()
    {
        if (Optim.LearningRate <= 0) throw new ConfigException($"optim.learning_rate must be > 0 (got {Optim.LearningRate})");
    }
}

public class ConfigLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cooper-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, string text)
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllText(p, text);
        return p;
    }

    [Fact]
    public void Defaults_apply_when_no_file_and_no_overrides()
    {
        var c = ConfigLoader.Load<TestRunConfig>(null);
        Assert.Equal("default", c.Name);
        Assert.Equal(1, c.Seed);
        Assert.Equal([1], c.Seeds);
        Assert.Equal(1.0, c.MaxGradNorm);
        Assert.Equal(new TestOptimConfig { LearningRate = 1e-6, WarmupSteps = 20 }, c.Optim);
    }

    [Fact]
    public void Yaml_file_values_then_overrides_are_applied_in_order()
    {
        var p = Write("c.yaml", "name: exp\nseed: 7\naggregation: seq_mean_token_mean\nseeds: [1, 2, 3]\noptim:\n  learning_rate: 2e-5\n");
        var c = ConfigLoader.Load<TestRunConfig>(p, ["seed=9", "optim.warmup_steps=5", "dynamic_sampling=true"]);
        Assert.Equal("exp", c.Name);
        Assert.Equal(9, c.Seed);
        Assert.Equal(TestAggregation.SeqMeanTokenMean, c.Aggregation);
        Assert.Equal([1, 2, 3], c.Seeds);
        Assert.Equal(2e-5, c.Optim.LearningRate);
        Assert.Equal(5, c.Optim.WarmupSteps);
        Assert.True(c.DynamicSampling);
    }

    [Fact]
    public void Json_files_load_too()
    {
        var p = Write("c.json", """{"seed": 3, "optim": {"learning_rate": 0.5}, "max_grad_norm": null}""");
        var c = ConfigLoader.Load<TestRunConfig>(p);
        Assert.Equal(3, c.Seed);
        Assert.Equal(0.5, c.Optim.LearningRate);
        Assert.Null(c.MaxGradNorm);
    }

    [Fact]
    public void Unknown_key_in_file_is_an_error_naming_it()
    {
        var p = Write("c.yaml", "optim:\n  learning_rat: 1\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<TestRunConfig>(p));
        Assert.Contains("'optim.learning_rat'", e.Message);
        Assert.Contains(p, e.Message);
        Assert.Contains("learning_rate", e.Message); // lists the known keys
    }

    [Fact]
    public void Unknown_override_key_is_an_error_naming_it()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<TestRunConfig>(null, ["sed=3"]));
        Assert.Contains("'sed'", e.Message);
    }

    [Theory]
    [InlineData("seed=abc", "'seed'", "'abc'", "an integer")]
    [InlineData("optim.learning_rate=fast", "'optim.learning_rate'", "'fast'", "a number")]
    [InlineData("dynamic_sampling=maybe", "'dynamic_sampling'", "'maybe'", "true or false")]
    [InlineData("aggregation=sum", "'aggregation'", "'sum'", "one of token_mean, seq_mean_token_mean")]
    public void Bad_value_is_an_error_naming_key_value_and_expected_type(string assignment, string key, string value, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<TestRunConfig>(null, [assignment]));
        Assert.Contains(key, e.Message);
        Assert.Contains(value, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Bad_value_in_file_names_the_file_and_key()
    {
        var p = Write("c.yaml", "seed: 1.5\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<TestRunConfig>(p));
        Assert.Contains(p, e.Message);
        Assert.Contains("'seed'", e.Message);
        Assert.Contains("'1.5'", e.Message);
    }

    [Fact]
    public void Override_without_equals_sign_is_rejected()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<TestRunConfig>(null, ["seed"]));
        Assert.Contains("key=value", e.Message);
    }

    [Fact]
    public void Validate_runs_after_overrides()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<TestRunConfig>(null, ["optim.learning_rate=-1"]));
        Assert.Contains("optim.learning_rate must be > 0", e.Message);
    }

    [Fact]
    public void Saved_yaml_loads_back_to_the_same_config()
    {
        var c = ConfigLoader.Load<TestRunConfig>(null, ["seed=4", "aggregation=seq_mean_token_mean", "seeds=4,5", "optim.learning_rate=3e-4"]);
        var p = Write("saved.yaml", ConfigLoader.ToYaml(c));
        var back = ConfigLoader.Load<TestRunConfig>(p);
        Assert.Equal(c.Seed, back.Seed);
        Assert.Equal(c.Aggregation, back.Aggregation);
        Assert.Equal(c.Seeds, back.Seeds);
        Assert.Equal(c.Optim, back.Optim);
        Assert.Contains("learning_rate: 0.0003", File.ReadAllText(p));
    }

    [Theory]
    [InlineData("cooper_plus")]
    [InlineData("cooper-plus")]
    [InlineData("CooperPlus")]
    public void The_cooper_plus_mode_reads_in_any_spelling_and_is_written_snake_case(string spelling)
    {
        var c = ConfigLoader.Load<Cooper.RL.TrainConfig>(null, [$"reward={spelling}"]);
        Assert.Equal(Cooper.Rewards.RewardMode.CooperPlus, c.Reward);
        Assert.Equal("cooper_plus", Cooper.Rewards.RewardModes.Name(c.Reward));
        Assert.Equal("train-cooper_plus-s1", c.RunName());
    }

    [Theory]
    [InlineData("cooper.positives_per_prompt=-1", "cooper.positives_per_prompt must be ≥ 0")]
    [InlineData("cooper.negatives_per_positive=0", "cooper.negatives_per_positive must be ≥ 1")]
    [InlineData("cooper.anchor_weight=-0.5", "cooper.anchor_weight must be a finite number ≥ 0")]
    [InlineData("cooper.updates_per_step=0", "cooper.updates_per_step must be ≥ 1")]
    [InlineData("cooper.rollout_label_weight=-1", "cooper.rollout_label_weight must be a finite number ≥ 0")]
    public void Cooper_plus_options_are_range_checked(string assignment, string message)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<Cooper.RL.TrainConfig>(null, [assignment]));
        Assert.Contains(message, e.Message);
    }
}
