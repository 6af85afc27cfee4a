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
/// OpenAI-compatible endpoints over one local model, bound to 127.0.0.1: <c>GET /v1/models</c>,
/// <c>POST /v1/chat/completions</c> and <c>POST /v1/completions</c> (non-streaming; the latter in vLLM's flavour,
/// token-id prompts and logprobs included), SGLang's <c>POST /update_weights_from_disk</c> and
/// <c>GET /get_model_info</c>, and <c>GET /health</c>. Enough of the protocols for Cooper's own
/// <see cref="Endpoints.LlmClient"/> and other OpenAI clients to use a checkpoint as a judge or assistant, and for
/// a GRPO trainer to send its rollouts here as it would to vLLM or SGLang, reloading the policy after each step.
/// </summary>
/// <remarks>
/// <para>One generation at a time: requests queue on a semaphore in front of the model (TorchSharp modules
/// are not thread-safe); all samples of one request (prompts × <c>n</c>) decode together in one batch of the
/// <see cref="RolloutEngine"/>. Concurrent requests are not batched with each other.</para>
/// <para>A weight reload waits on the same semaphore: a running generation finishes on the old weights, and every
/// request that starts after the reply uses the new ones.</para>
/// <para>Each generation runs on a pool thread inside one dispose scope under <c>no_grad</c> (the engine
/// adds inference mode), so the live tensor count does not grow with the number of requests.</para>
/// <para>Every refusal has OpenAI's error body (SGLang's <c>{success: false, message}</c> for a reload), including a
/// body over <see cref="ServeOptions.MaxRequestBodyBytes"/> (413), an unknown path (404) and a method a path does
/// not take (405); only server errors (500) log a stack trace.</para>
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
    private volatile LoadedWeights _weights;
    private int _stopping;

    /// <summary>The folder the served weights came from and how many reloads replaced them, read and swapped as one.</summary>
    private sealed record LoadedWeights(string Path, int Version);

    /// <summary>The bound address without a path, e.g. <c>http://127.0.0.1:8000</c>; clients use <c>{Url}/v1</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The name at <c>/v1/models</c> that requests must use (or leave out).</summary>
    public string ModelName { get; }

    /// <summary>The prompt format in use (<see cref="PromptFormat.Auto"/> already resolved).</summary>
    public PromptFormat PromptFormat { get; }

    /// <summary>Prompt + completion tokens a request may use: the model's <c>max_position_embeddings</c>.</summary>
    public int ContextLength => _model.Config.MaxPositionEmbeddings;

    /// <summary>The folder of the served weights: <see cref="ServeOptions.ModelDir"/>, then the last folder reloaded (as given).</summary>
    public string ModelPath => _weights.Path;

    /// <summary>0 at start, +1 per successful <see cref="ReloadWeightsAsync"/>.</summary>
    public int WeightsVersion => _weights.Version;

    private ModelServer(ServeOptions options, CausalLM model, ITokenizer tokenizer, PromptFormat format)
    {
        _options = options;
        _model = model;
        _tokenizer = tokenizer;
        _engine = new RolloutEngine(model, tokenizer);
        _weights = new LoadedWeights(options.ModelDir, 0);
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
        _app.MapPost("/v1/chat/completions", ctx => HandleJsonAsync(ctx, AnswerChatAsync, e => e.ToJson()));
        _app.MapPost("/v1/completions", ctx => HandleJsonAsync(ctx, AnswerCompletionAsync, e => e.ToJson()));
        _app.MapPost("/update_weights_from_disk", ctx => HandleJsonAsync(ctx, AnswerReloadAsync, SglangFailure));
        _app.MapGet("/get_model_info", ctx => WriteJsonAsync(ctx, 200, ModelInfo()));
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
        CheckBatch(request, prompts: 1);
        int[] prompt = _tokenizer.Encode(ServingPrompt.Render(PromptFormat, request.Messages));
        if (prompt.Length == 0) throw OpenAiError.BadRequest("the messages encode to no tokens", "messages");
        int maxTokens = MaxTokens(request, prompt.Length);
        CheckContext(prompt.Length, maxTokens, "messages");

        // ignore_eos also ignores the end-of-turn token: the caller asked for exactly max_tokens.
        var sampling = Sampling(request, maxTokens, request.IgnoreEos ? [] : _turnStopIds);
        var samples = await GenerateAsync([prompt], sampling, ct).ConfigureAwait(false);
        return ChatCompletionResponse.ToJson("chatcmpl-" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow, ModelName, prompt.Length, samples);
    }

    /// <summary>
    /// Answers one <c>/v1/completions</c> request: checks it, encodes its text prompts as raw text (token-id prompts
    /// are used as given), waits its turn, and makes ONE <see cref="RolloutEngine.Generate(IReadOnlyList{int[]}, SamplingParams)"/>
    /// call over all prompts with <c>N = n</c>, the request's seed (a fresh one when absent), <c>stop_token_ids</c> and
    /// <c>stop</c>. A seeded request therefore returns exactly what the engine returns in process for the same
    /// prompts and parameters; the reply's shape is <see cref="CompletionResponse"/>'s.
    /// </summary>
    public async Task<JsonObject> CompleteAsync(CompletionRequest request, CancellationToken ct = default)
    {
        if (request.Prompts.Count == 0) throw OpenAiError.BadRequest("prompt is missing: give at least one prompt", "prompt");
        CheckBatch(request, request.Prompts.Count);
        var prompts = request.Prompts.Select(EncodePrompt).ToList();
        int maxTokens = MaxTokens(request, prompts.Max(p => p.Length));
        for (int i = 0; i < prompts.Count; i++) CheckContext(prompts[i].Length, maxTokens, request.Prompts[i].Field);

        var sampling = Sampling(request, maxTokens, request.StopTokenIds) with { SkipSpecialTokens = request.SkipSpecialTokens };
        var samples = await GenerateAsync(prompts, sampling, ct).ConfigureAwait(false);
        return CompletionResponse.ToJson("cmpl-" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow, ModelName, request, prompts, samples, _tokenizer);
    }

    /// <summary>
    /// Loads the safetensors of the HF folder <paramref name="modelPath"/> into the served model in place
    /// (<see cref="CausalLM.LoadWeights"/>), after the generation running now and before any queued request; then
    /// <see cref="ModelPath"/> is <paramref name="modelPath"/> and <see cref="WeightsVersion"/> one more. The folder's
    /// <c>config.json</c> must describe the served architecture. The tokenizer is not reloaded: a checkpoint of the
    /// same run shares it.
    /// </summary>
    /// <remarks>
    /// A folder that does not exist, holds another architecture, or whose safetensors miss a weight, carry an unknown
    /// one, have another shape or are cut off throws <see cref="ArgumentException"/> naming the path, and the served
    /// weights are unchanged: every header is checked before a weight is copied. A read that fails midway through the
    /// copy (a disk error) would leave the weights mixed; that surfaces as a server error, and the version stays.
    /// </remarks>
    public async Task ReloadWeightsAsync(string modelPath, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(modelPath)) throw new ArgumentException("model_path is empty: give the HF folder to load");
        if (!Directory.Exists(modelPath)) throw new ArgumentException($"model_path '{modelPath}' does not exist or is not a folder");
        await UnderGateAsync(() =>
        {
            try
            {
                _model.LoadWeights(modelPath);
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or ArgumentException)
            {
                throw new ArgumentException($"cannot load the weights of '{modelPath}': {e.Message}", e);
            }
            _weights = new LoadedWeights(modelPath, _weights.Version + 1);
            return true;
        }, ct).ConfigureAwait(false);
    }

    /// <summary>The model name, n and batch size against this server's limits.</summary>
    private void CheckBatch(SamplingRequest request, int prompts)
    {
        if (request.Model is { } asked && asked != ModelName) throw OpenAiError.ModelNotFound(asked, ModelName);
        if (request.N > _options.MaxN)
            throw OpenAiError.BadRequest($"n = {request.N} exceeds this server's limit of {_options.MaxN} (ServeOptions.MaxN)", "n");
        if ((long)prompts * request.N > _options.MaxBatchRows)
            throw OpenAiError.BadRequest(
                $"{prompts} prompts × n = {request.N} make {(long)prompts * request.N} rows, over this server's limit of {_options.MaxBatchRows} " +
                "(cooper serve --max-batch-rows): send fewer prompts per request", prompts > 1 ? "prompt" : "n");
    }

    /// <summary>The request's <c>max_tokens</c>, else the default cut to what the context leaves after the longest prompt.</summary>
    private int MaxTokens(SamplingRequest request, int longestPrompt) =>
        request.MaxTokens ?? Math.Max(1, Math.Min(_options.DefaultMaxTokens, ContextLength - longestPrompt));

    /// <summary>vLLM's check and wording (which Cooper's <see cref="Endpoints.ContextLengthError"/> reads), naming <paramref name="param"/>.</summary>
    private void CheckContext(int promptLength, int maxTokens, string param)
    {
        if (promptLength + maxTokens > ContextLength)
            throw OpenAiError.BadRequest(
                $"This model's maximum context length is {ContextLength} tokens. However, you requested {promptLength + maxTokens} tokens " +
                $"({promptLength} in the messages, {maxTokens} in the completion). Please reduce the length of the messages or completion.",
                param);
    }

    /// <summary>One prompt's token ids: text encoded as is, ids checked against the model's vocabulary.</summary>
    private int[] EncodePrompt(CompletionPrompt prompt)
    {
        if (prompt.Text is { } text)
        {
            var ids = _tokenizer.Encode(text);
            return ids.Length > 0 ? ids : throw OpenAiError.BadRequest($"{prompt.Field} encodes to no tokens: every prompt needs at least one", prompt.Field);
        }
        var given = prompt.TokenIds ?? throw new ArgumentException($"{prompt.Field} has neither text nor token ids");
        if (given.Count == 0) throw OpenAiError.BadRequest($"{prompt.Field} is an empty list of token ids: every prompt needs at least one token", prompt.Field);
        int vocab = _model.Config.VocabSize;
        for (int j = 0; j < given.Count; j++)
        {
            if (given[j] < 0 || given[j] >= vocab)
            {
                string where = $"{prompt.Field}[{j}]";
                throw OpenAiError.BadRequest($"{where} = {given[j]} is not a token id of this model: ids are 0…{vocab - 1}", where);
            }
        }
        return given.ToArray();
    }

    private static SamplingParams Sampling(SamplingRequest request, int maxTokens, IReadOnlyList<int> stopTokenIds) => new()
    {
        Temperature = request.Temperature ?? 1.0,   // OpenAI's defaults
        TopP = request.TopP ?? 1.0,
        TopK = request.TopK ?? 0,
        MaxNewTokens = maxTokens,
        N = request.N,
        StopTokenIds = stopTokenIds,   // the engine adds the EOS unless IgnoreEos
        StopStrings = request.Stop,
        IgnoreEos = request.IgnoreEos,
        // No seed: a fresh one per request, so repeated requests differ as they do with OpenAI.
        Seed = request.Seed ?? Random.Shared.NextInt64(),
    };

    /// <summary>One request's generation, when its turn comes: its own dispose scope, no autograd history.</summary>
    private Task<IReadOnlyList<RolloutSample>> GenerateAsync(IReadOnlyList<int[]> prompts, SamplingParams sampling, CancellationToken ct) =>
        UnderGateAsync(() =>
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            return _engine.Generate(prompts, sampling);
        }, ct);

    /// <summary>
    /// Runs <paramref name="work"/> on a pool thread once no other work holds the model; 503 once the server has
    /// stopped. Waiting can be cancelled; work that has started finishes.
    /// </summary>
    private async Task<T> UnderGateAsync<T>(Func<T> work, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_closed) throw new OpenAiError(503, "server_error", "the server is shutting down");
            return await Task.Run(work, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<(JsonObject Reply, string Detail)> AnswerChatAsync(JsonElement body, CancellationToken ct)
    {
        var request = ChatCompletionRequest.FromJson(body);
        var reply = await CompleteAsync(request, ct).ConfigureAwait(false);
        return (reply, $"n={request.N} tokens={reply["usage"]!["prompt_tokens"]}+{reply["usage"]!["completion_tokens"]}");
    }

    private async Task<(JsonObject Reply, string Detail)> AnswerCompletionAsync(JsonElement body, CancellationToken ct)
    {
        var request = CompletionRequest.FromJson(body);
        var reply = await CompleteAsync(request, ct).ConfigureAwait(false);
        return (reply, $"prompts={request.Prompts.Count} n={request.N} tokens={reply["usage"]!["prompt_tokens"]}+{reply["usage"]!["completion_tokens"]}");
    }

    /// <summary>SGLang's <c>{"model_path": …}</c> (its other fields, e.g. <c>load_format</c>, are ignored) and its reply.</summary>
    private async Task<(JsonObject Reply, string Detail)> AnswerReloadAsync(JsonElement body, CancellationToken ct)
    {
        if (body.ValueKind != JsonValueKind.Object) throw OpenAiError.BadRequest($"The body must be a JSON object, got {body.ValueKind}");
        string path = RequestFields.String(body, "model_path", "model_path")!;
        await ReloadWeightsAsync(path, ct).ConfigureAwait(false);
        var reply = new JsonObject
        {
            ["success"] = true,
            ["message"] = "Succeeded to update model weights.",
            ["num_paused_requests"] = 0,
        };
        return (reply, $"weights_version={WeightsVersion} model_path={path}");
    }

    /// <summary>SGLang's failure body for a reload.</summary>
    private static JsonObject SglangFailure(OpenAiError error) => new()
    {
        ["success"] = false,
        ["message"] = error.Message,
    };

    /// <summary>SGLang's <c>/get_model_info</c> fields that apply here, plus the weights version.</summary>
    private JsonObject ModelInfo()
    {
        var weights = _weights;
        return new JsonObject
        {
            ["model_path"] = weights.Path,
            ["tokenizer_path"] = _options.TokenizerDir ?? _options.ModelDir,
            ["is_generation"] = true,
            ["served_model_name"] = ModelName,
            ["weights_version"] = weights.Version,
        };
    }

    /// <summary>
    /// One JSON request from body to log line: a body over the limit is refused unread, malformed JSON is a 400,
    /// <paramref name="answer"/> gives the reply and a log detail; a client that leaves gets 499 in the log; any
    /// error becomes its status and <paramref name="errorBody"/>'s body (an <see cref="ArgumentException"/> is a
    /// 400, anything unexpected a 500 with its stack trace in the log).
    /// </summary>
    private async Task HandleJsonAsync(
        HttpContext ctx,
        Func<JsonElement, CancellationToken, Task<(JsonObject Reply, string Detail)>> answer,
        Func<OpenAiError, JsonObject> errorBody)
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
            JsonDocument doc;
            try
            {
                doc = await JsonDocument.ParseAsync(ctx.Request.Body, default, ctx.RequestAborted).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw OpenAiError.BadRequest($"The body is not valid JSON: {e.Message}");
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                throw OpenAiError.RequestTooLarge(_options.MaxRequestBodyBytes, null);
            }
            JsonObject reply;
            using (doc)
            {
                (reply, detail) = await answer(doc.RootElement, ctx.RequestAborted).ConfigureAwait(false);
            }
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
                ArgumentException ae => OpenAiError.BadRequest(ae.Message),   // the engine's and the reload's checks on the request
                _ => OpenAiError.Internal($"{ctx.Request.Path} failed: {e.Message}"),
            };
            status = error.Status;
            detail = error.Message;
            if (status >= 500) _options.Log?.Invoke($"error: {e}");
            if (!ctx.Response.HasStarted) await WriteJsonAsync(ctx, status, errorBody(error)).ConfigureAwait(false);
        }
        _options.Log?.Invoke($"{ctx.Request.Method} {ctx.Request.Path} {status} {detail} ({clock.ElapsedMilliseconds} ms)");
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
