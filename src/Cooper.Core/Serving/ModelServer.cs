using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.Tokenizers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TorchSharp;

namespace Cooper.Serving;

/// <summary>
/// An OpenAI-compatible chat endpoint over one local model, bound to 127.0.0.1: <c>GET /v1/models</c>,
/// <c>POST /v1/chat/completions</c> (non-streaming) and <c>GET /health</c>. Enough of the protocol for
/// Cooper's own <see cref="Endpoints.LlmClient"/> and other OpenAI clients to use a checkpoint as a judge or
/// assistant, or to eyeball a trained policy.
/// </summary>
/// <remarks>
/// <para>One generation at a time: requests queue on a semaphore in front of the model (TorchSharp modules
/// are not thread-safe); the <c>n</c> samples of one request decode together in one batch of the
/// <see cref="RolloutEngine"/>. Concurrent requests are not batched with each other.</para>
/// <para>Each generation runs on a pool thread inside one dispose scope under <c>no_grad</c> (the engine
/// adds inference mode), so the live tensor count does not grow with the number of requests.</para>
/// <para>Every refusal has OpenAI's error body, including a body over <see cref="ServeOptions.MaxRequestBodyBytes"/>
/// (413), an unknown path (404) and a method a path does not take (405); only server errors (500) log a stack trace.</para>
/// <para>Built on an empty ASP.NET Core host: no appsettings, environment URLs or console logging take
/// part, and the host does not capture Ctrl+C (the caller decides when to stop).</para>
/// </remarks>
public sealed class ModelServer : IAsyncDisposable
{
    // JSON, never HTML: no need to escape quotes, apostrophes or non-ASCII text as \uXXXX.
    private static readonly JsonSerializerOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ServeOptions _options;
    private readonly CausalLM _model;
    private readonly ITokenizer _tokenizer;
    private readonly RolloutEngine _engine;
    private readonly IReadOnlyList<int> _turnStopIds;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private readonly WebApplication _app;
    private volatile bool _closed;
    private int _stopping;

    /// <summary>The bound address without a path, e.g. <c>http://127.0.0.1:8000</c>; clients use <c>{Url}/v1</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The name at <c>/v1/models</c> that requests must use (or leave out).</summary>
    public string ModelName { get; }

    /// <summary>The prompt format in use (<see cref="PromptFormat.Auto"/> already resolved).</summary>
    public PromptFormat PromptFormat { get; }

    /// <summary>Prompt + completion tokens a request may use: the model's <c>max_position_embeddings</c>.</summary>
    public int ContextLength => _model.Config.MaxPositionEmbeddings;

    private ModelServer(ServeOptions options, CausalLM model, ITokenizer tokenizer, PromptFormat format)
    {
        _options = options;
        _model = model;
        _tokenizer = tokenizer;
        _engine = new RolloutEngine(model, tokenizer);
        ModelName = options.ServedName;
        PromptFormat = format;
        _turnStopIds = ServingPrompt.StopTokenIds(format, tokenizer);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "Cooper.Serving" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;   // reading past it throws a 413 BadHttpRequestException
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        // Requests still running at stop get this long before their connections are cut; the generation itself
        // finishes regardless and StopAsync waits for it before freeing the weights.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        _app = builder.Build();
        _app.Use(AnswerUnroutedAsync);
        _app.MapGet("/health", ctx => Task.CompletedTask);
        _app.MapGet("/v1/models", ctx => WriteJsonAsync(ctx, 200, ChatCompletionResponse.ModelList(ModelName, _created)));
        _app.MapPost("/v1/chat/completions", HandleChatAsync);
    }

    /// <summary>
    /// Loads the model and tokenizer of <see cref="ServeOptions.ModelDir"/>, resolves the prompt format and
    /// starts listening; the returned server owns the model. Throws <see cref="ArgumentException"/> for bad
    /// options, and whatever loading or binding the port throws.
    /// </summary>
    public static async Task<ModelServer> StartAsync(ServeOptions options, CancellationToken ct = default)
    {
        options.Validate();
        var tokenizer = TokenizerLoader.Load(options.TokenizerDir ?? options.ModelDir);
        CausalLM? model = null;
        ModelServer? server = null;
        try
        {
            var format = ServingPrompt.Resolve(options.PromptFormat, tokenizer);
            model = CausalLM.FromPretrained(options.ModelDir, options.Device, options.Dtype);
            server = new ModelServer(options, model, tokenizer, format);
            await server._app.StartAsync(ct).ConfigureAwait(false);
            server.Url = server._app.Urls.First().TrimEnd('/');
            return server;
        }
        catch
        {
            if (server is not null)
            {
                // Frees the model too; a second failure here must not hide the first (e.g. the port is taken).
                try { await server.DisposeAsync().ConfigureAwait(false); }
                catch (Exception) { }
            }
            else
            {
                model?.Dispose();
                (tokenizer as IDisposable)?.Dispose();
            }
            throw;
        }
    }

    /// <summary>
    /// Answers one chat-completion request: checks it against this server, renders and encodes the prompt,
    /// waits its turn for the model, and samples <c>n</c> replies.
    /// </summary>
    public async Task<JsonObject> CompleteAsync(ChatCompletionRequest request, CancellationToken ct = default)
    {
        if (request.Model is { } asked && asked != ModelName) throw OpenAiError.ModelNotFound(asked, ModelName);
        if (request.N > _options.MaxN)
            throw OpenAiError.BadRequest($"n = {request.N} exceeds this server's limit of {_options.MaxN} (ServeOptions.MaxN)", "n");

        int[] prompt = _tokenizer.Encode(ServingPrompt.Render(PromptFormat, request.Messages));
        if (prompt.Length == 0) throw OpenAiError.BadRequest("the messages encode to no tokens", "messages");
        int maxTokens = request.MaxTokens ?? Math.Max(1, Math.Min(_options.DefaultMaxTokens, ContextLength - prompt.Length));
        if (prompt.Length + maxTokens > ContextLength)
            throw OpenAiError.BadRequest(
                $"This model's maximum context length is {ContextLength} tokens. However, you requested {prompt.Length + maxTokens} tokens " +
                $"({prompt.Length} in the messages, {maxTokens} in the completion). Please reduce the length of the messages or completion.",
                "messages");

        var sampling = new SamplingParams
        {
            Temperature = request.Temperature ?? 1.0,   // OpenAI's defaults
            TopP = request.TopP ?? 1.0,
            TopK = request.TopK ?? 0,
            MaxNewTokens = maxTokens,
            N = request.N,
            // ignore_eos also ignores the end-of-turn token: the caller asked for exactly max_tokens.
            StopTokenIds = request.IgnoreEos ? [] : _turnStopIds,
            StopStrings = request.Stop,
            IgnoreEos = request.IgnoreEos,
            // No seed: a fresh one per request, so repeated requests differ as they do with OpenAI.
            Seed = request.Seed ?? Random.Shared.NextInt64(),
        };

        await _gate.WaitAsync(ct).ConfigureAwait(false);
        IReadOnlyList<RolloutSample> samples;
        try
        {
            if (_closed) throw new OpenAiError(503, "server_error", "the server is shutting down");
            samples = await Task.Run(() => Generate(prompt, sampling), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
        return ChatCompletionResponse.ToJson("chatcmpl-" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow, ModelName, prompt.Length, samples);
    }

    /// <summary>One request's generation: its own dispose scope, no autograd history. Runs synchronously on one thread.</summary>
    private IReadOnlyList<RolloutSample> Generate(int[] prompt, SamplingParams sampling)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return _engine.Generate(new[] { prompt }, sampling);
    }

    private async Task HandleChatAsync(HttpContext ctx)
    {
        var clock = Stopwatch.StartNew();
        int status = 200;
        string detail;
        try
        {
            // A declared length over the limit is refused unread (a client that sent "Expect: 100-continue" never sends
            // the body); a chunked body is cut off by Kestrel once it passes the limit.
            if (ctx.Request.ContentLength is { } length && length > _options.MaxRequestBodyBytes)
                throw OpenAiError.RequestTooLarge(_options.MaxRequestBodyBytes, length);
            ChatCompletionRequest request;
            try
            {
                using var doc = await JsonDocument.ParseAsync(ctx.Request.Body, default, ctx.RequestAborted).ConfigureAwait(false);
                request = ChatCompletionRequest.FromJson(doc.RootElement);
            }
            catch (JsonException e)
            {
                throw OpenAiError.BadRequest($"The body is not valid JSON: {e.Message}");
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                throw OpenAiError.RequestTooLarge(_options.MaxRequestBodyBytes, null);
            }
            var reply = await CompleteAsync(request, ctx.RequestAborted).ConfigureAwait(false);
            detail = $"n={request.N} tokens={reply["usage"]!["prompt_tokens"]}+{reply["usage"]!["completion_tokens"]}";
            await WriteJsonAsync(ctx, status, reply).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            status = 499;   // nginx's "client closed request": nobody is left to answer
            detail = "client went away";
        }
        catch (Exception e)
        {
            var error = e switch
            {
                OpenAiError oe => oe,
                ArgumentException ae => OpenAiError.BadRequest(ae.Message),   // the engine's checks on the request
                _ => OpenAiError.Internal($"generation failed: {e.Message}"),
            };
            status = error.Status;
            detail = error.Message;
            if (status >= 500) _options.Log?.Invoke($"error: {e}");
            if (!ctx.Response.HasStarted) await WriteJsonAsync(ctx, status, error.ToJson()).ConfigureAwait(false);
        }
        _options.Log?.Invoke($"POST /v1/chat/completions {status} {detail} ({clock.ElapsedMilliseconds} ms)");
    }

    /// <summary>
    /// Gives the empty 404 (no such path) and 405 (a method the path does not take; routing has set <c>Allow</c>)
    /// of ASP.NET's routing the body OpenAI's API sends, and logs them.
    /// </summary>
    private async Task AnswerUnroutedAsync(HttpContext ctx, RequestDelegate next)
    {
        await next(ctx).ConfigureAwait(false);
        if (ctx.Response.HasStarted || ctx.Response.StatusCode is not (404 or 405)) return;
        var error = OpenAiError.NoSuchRoute(ctx.Response.StatusCode, ctx.Request.Method, ctx.Request.Path);
        _options.Log?.Invoke($"{ctx.Request.Method} {ctx.Request.Path} {error.Status} {error.Message}");
        await WriteJsonAsync(ctx, error.Status, error.ToJson()).ConfigureAwait(false);
    }

    private static Task WriteJsonAsync(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body.ToJsonString(s_json), ctx.RequestAborted);
    }

    /// <summary>
    /// Stops listening (requests in flight get a few seconds), waits for a running generation to end, then
    /// frees the model and tokenizer. Safe to call twice.
    /// </summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0) return;
        try
        {
            await _app.StopAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            _closed = true;
            _model.Dispose();
            (_tokenizer as IDisposable)?.Dispose();
            _gate.Release();   // any request still queued sees _closed and answers 503
        }
    }

    /// <inheritdoc cref="StopAsync"/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>A host lifetime that leaves Ctrl+C and SIGTERM to the caller (ASP.NET's default would stop the host on them).</summary>
    private sealed class NoSignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
