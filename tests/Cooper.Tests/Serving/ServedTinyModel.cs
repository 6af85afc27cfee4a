using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Cooper.Modeling;
using Cooper.Serving;
using Cooper.Tokenizers;

namespace Cooper.Tests.Serving;

/// <summary>
/// A tiny random Qwen2-shaped model with a character tokenizer, saved as an HF folder and served on a free
/// loopback port for the whole collection (one load, one server).
/// </summary>
public sealed class ServedTinyModel : IAsyncLifetime
{
    /// <summary>The folder's name, hence the served model name.</summary>
    public const string Name = "tiny-char";

    /// <summary>Context length of the model (max_position_embeddings).</summary>
    public const int Context = 128;

    /// <summary>Seed of the served model's random weights.</summary>
    public const long Seed = 1234;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "cooper-serve-test-" + Guid.NewGuid().ToString("N"));

    public ModelServer Server { get; private set; } = null!;
    public string ModelDir => Path.Combine(_root, Name);
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };
    public ConcurrentQueue<string> Log { get; } = new();

    public async Task InitializeAsync()
    {
        var dir = ModelDir;
        SaveModel(dir, Seed);
        Server = await ModelServer.StartAsync(new ServeOptions { ModelDir = dir, Port = 0, Log = Log.Enqueue });
        Http.BaseAddress = new Uri(Server.Url);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>POSTs <paramref name="body"/> to /v1/chat/completions; returns the status and the parsed reply.</summary>
    public async Task<(int Status, JsonObject Json)> ChatAsync(JsonObject body) => await PostRawAsync(body.ToJsonString());

    /// <summary>POSTs raw text (possibly not JSON) to /v1/chat/completions.</summary>
    public Task<(int Status, JsonObject Json)> PostRawAsync(string body) => PostAsync(Http, "/v1/chat/completions", body);

    /// <summary>POSTs <paramref name="body"/> to /v1/completions; returns the status and the parsed reply.</summary>
    public Task<(int Status, JsonObject Json)> CompleteAsync(JsonObject body) => PostAsync(Http, "/v1/completions", body.ToJsonString());

    /// <summary>POSTs raw text to <paramref name="path"/> of the server behind <paramref name="http"/>; returns the status and the parsed reply.</summary>
    public static async Task<(int Status, JsonObject Json)> PostAsync(HttpClient http, string path, string body)
    {
        using var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        var json = await response.Content.ReadFromJsonAsync<JsonObject>();
        return ((int)response.StatusCode, json!);
    }

    /// <summary>The tiny model's character tokenizer.</summary>
    public static CharTokenizer Tokenizer() => CharTokenizer.Create("0123456789+-*/=(). ?abcdefghijklmnopqrstuvwxyzQA:\n");

    /// <summary>Saves a tiny random model drawn from <paramref name="seed"/> with <see cref="Tokenizer"/> as an HF folder.</summary>
    public static void SaveModel(string dir, long seed, Func<ModelConfig, ModelConfig>? change = null)
    {
        var tokenizer = Tokenizer();
        var config = TinyModels.CausalLM(tokenizer, Context);
        using (var model = CausalLM.Create(change?.Invoke(config) ?? config, seed)) model.SavePretrained(dir);
        tokenizer.Save(dir);
    }

    /// <summary>A one-question request.</summary>
    public static JsonObject Question(string text = "what is 2+2?") => new()
    {
        ["model"] = Name,
        ["messages"] = new JsonArray { new JsonObject { ["role"] = "user", ["content"] = text } },
    };
}

[CollectionDefinition(Name)]
public sealed class ServedTinyModelCollection : ICollectionFixture<ServedTinyModel>
{
    public const string Name = "ServedTinyModel";
}
