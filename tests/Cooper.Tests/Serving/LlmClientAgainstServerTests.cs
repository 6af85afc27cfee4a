using Cooper.Endpoints;

namespace Cooper.Tests.Serving;

/// <summary>Cooper's own OpenAI client talks to Cooper's own server.</summary>
[Collection(ServedTinyModelCollection.Name)]
public class LlmClientAgainstServerTests(ServedTinyModel served)
{
    private EndpointConfig Config(string model = ServedTinyModel.Name) => new()
    {
        BaseUrl = served.Server.Url + "/v1",
        Model = model,
        ApiKeyEnv = null,
        MaxRetries = 0,
        UseCache = false,
        TimeoutSeconds = 30,
        Temperature = 1.0,
        MaxTokens = 8,
    };

    [Fact]
    public async Task LlmClient_gets_n_samples_and_the_token_counts()
    {
        using var client = new LlmClient(Config());

        var result = await client.CompleteAsync([ChatMessage.System("be brief"), ChatMessage.User("2+3?")], new ChatRequestOptions { N = 2, Seed = 3 });

        Assert.True(result.Ok, result.Error);
        Assert.Equal(200, result.StatusCode);
        Assert.Equal(2, result.Texts.Count);
        var counters = client.Counters.Snapshot();
        Assert.Equal(ChatPromptLength("2+3?"), counters.PromptTokens);
        Assert.InRange(counters.CompletionTokens, 2, 16);
    }

    [Fact]
    public async Task LlmClient_asking_for_another_model_gets_a_4xx_failure()
    {
        using var client = new LlmClient(Config(model: "not-served"));

        var result = await client.CompleteAsync([ChatMessage.User("hi")]);

        Assert.False(result.Ok);
        Assert.Equal(EndpointFailure.Http4xx, result.Failure);
        Assert.Equal(404, result.StatusCode);
    }

    private static long ChatPromptLength(string question) => Cooper.Data.ChatPrompt.ForCharModel(question).Length;
}
