using Cooper.Configuration;
using Cooper.Endpoints;

namespace Cooper.Tests.Endpoints;

public class EndpointConfigTests
{
    [Fact]
    public void The_defaults_are_valid_once_a_model_is_named()
    {
        var config = new EndpointConfig { Model = "Qwen2.5-7B-Instruct" };
        config.Validate();
        Assert.Equal((8, 60.0, 4, 500), (config.MaxConcurrency, config.TimeoutSeconds, config.MaxRetries, config.InitialBackoffMs));
    }

    [Fact]
    public void A_saved_config_loads_back_unchanged()
    {
        var config = new EndpointConfig { Model = "qwen72b", CacheDir = "cache", ApiKeyEnv = "JUDGE_KEY", TimeoutSeconds = 0.5 };
        var path = Path.Combine(Path.GetTempPath(), $"cooper-endpoint-{Guid.NewGuid():N}.yaml");
        try
        {
            File.WriteAllText(path, ConfigLoader.ToYaml(config));
            Assert.Equal(config, ConfigLoader.Load<EndpointConfig>(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_key_pasted_where_the_variable_name_belongs_is_rejected_without_echoing_it()
    {
        const string pasted = "sk-proj-abc123-secret";
        var error = Assert.Throws<ConfigException>(() => new EndpointConfig { Model = "m", ApiKeyEnv = pasted }.Validate());
        Assert.Contains("api_key_env", error.Message);
        Assert.DoesNotContain(pasted, error.Message);
    }

    [Theory]
    [InlineData("base_url", "localhost:8000")]
    [InlineData("model", "")]
    [InlineData("max_concurrency", "0")]
    [InlineData("timeout_seconds", "0")]
    [InlineData("max_retries", "-1")]
    [InlineData("top_p", "0")]
    public void Bad_values_name_the_key_to_change(string key, string value)
    {
        var config = new EndpointConfig { Model = "m" };
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.ApplyOverride(config, $"{key}={value}").Validate());
        Assert.Contains(key, error.Message);
    }
}
