using Cooper.Endpoints;
using Cooper.Modeling;
using Cooper.Rewards.Negatives;
using Cooper.Serving;
using Cooper.Tokenizers;

namespace Cooper.Tests.Serving;

/// <summary>
/// Cooper's assistant pointed at <c>cooper serve</c>: a char model whose context (640, as the shipped
/// <c>models/policy</c>) cannot hold the paper's <c>max_tokens</c> (the positive's words + 500) on top of
/// the rewrite prompt, which the server rejects with a context-length error.
/// </summary>
public class RewriterAgainstServerTests
{
    private const int Context = 640;
    private const string Question = "What is 2+3?";
    private const string Positive = "2 + 3 = 5, so the answer is \\boxed{5}.";

    [Fact]
    public async Task The_rewriter_gets_a_reply_from_a_served_model_when_max_tokens_is_configured()
    {
        await using var served = await ServedModel.StartAsync(Context);
        var log = new List<string>();
        using var client = new LlmClient(served.Config with { MaxTokens = 64 }, log.Add);
        var rewriter = new LlmRewriter(client);

        var negative = await rewriter.WriteAsync(Question, Positive, attempt: 0, seed: 7);

        Assert.True(negative is not null, string.Join("\n", log));
        var s = client.Counters.Snapshot();
        Assert.Equal((1, 1L), (s.Attempts, s.Successes));   // capped before sending: nothing rejected
        Assert.InRange(s.CompletionTokens, 1, 64);
    }

    [Fact]
    public async Task A_max_tokens_the_served_context_cannot_hold_is_cut_to_what_the_context_has_left()
    {
        await using var served = await ServedModel.StartAsync(Context);
        var log = new List<string>();
        using var client = new LlmClient(served.Config, log.Add);   // max_tokens 2048 by default: the request's 510 stands
        var rewriter = new LlmRewriter(client);

        var negative = await rewriter.WriteAsync(Question, Positive, attempt: 0, seed: 7);

        Assert.True(negative is not null, string.Join("\n", log));
        var s = client.Counters.Snapshot();
        Assert.Equal((2, 1, 1L), (s.Attempts, s.Retries, s.Successes));   // one 400, then the fitted request
        Assert.InRange(s.PromptTokens + s.CompletionTokens, 1, Context);
    }

    /// <summary>A tiny random char model with a <paramref name="context"/>-token context, saved and served on a free port.</summary>
    private sealed class ServedModel : IAsyncDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "cooper-serve-rewriter-" + Guid.NewGuid().ToString("N"));
        private ModelServer _server = null!;

        public EndpointConfig Config => new()
        {
            BaseUrl = _server.Url + "/v1",
            Model = Path.GetFileName(_dir),
            ApiKeyEnv = null,
            MaxRetries = 0,
            UseCache = false,
            TimeoutSeconds = 60,
        };

        public static async Task<ServedModel> StartAsync(int context)
        {
            var served = new ServedModel();
            var tokenizer = CharTokenizer.Create("0123456789+-*/=(). ?:\\{},\nabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
            using (var model = CausalLM.Create(TinyModels.CausalLM(tokenizer, context), seed: 99)) model.SavePretrained(served._dir);
            tokenizer.Save(served._dir);
            served._server = await ModelServer.StartAsync(new ServeOptions { ModelDir = served._dir, Port = 0 });
            return served;
        }

        public async ValueTask DisposeAsync()
        {
            await _server.DisposeAsync();
            try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        }
    }
}
