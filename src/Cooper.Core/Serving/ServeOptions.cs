using static TorchSharp.torch;

namespace Cooper.Serving;

/// <summary>How chat messages become the prompt text the model continues.</summary>
public enum PromptFormat
{
    /// <summary>
    /// Pick from the tokenizer: a <see cref="Tokenizers.CharTokenizer"/> (the embedded small models, trained on
    /// <c>Q: …\nA: </c>) gets <see cref="Plain"/> even though it reserves ChatML's markers; any other tokenizer
    /// gets the format its special tokens imply (<see cref="Tokenizers.ChatTemplate.For"/>), else <see cref="Plain"/>.
    /// </summary>
    Auto,

    /// <summary>Qwen's ChatML, ending with the assistant header; <c>&lt;|im_end|&gt;</c> stops generation.</summary>
    ChatML,

    /// <summary>Llama 3's headers, ending with the assistant header; <c>&lt;|eot_id|&gt;</c> stops generation.</summary>
    Llama3,

    /// <summary>
    /// The last user message as <c>Q: {content}\nA: </c> (<see cref="Data.ChatPrompt.ForCharModel"/>); system
    /// messages and earlier turns are dropped, as the small models were never trained on them.
    /// </summary>
    Plain,
}

/// <summary>
/// Settings of <c>cooper serve</c>: which model, where to listen, how to build prompts, and the limits a
/// request may ask for. The listening address is always 127.0.0.1: put a reverse proxy in front to expose it.
/// </summary>
public sealed record ServeOptions
{
    /// <summary>HF model folder: <c>config.json</c> + safetensors, and the tokenizer unless <see cref="TokenizerDir"/> is set.</summary>
    public string ModelDir { get; init; } = "";

    /// <summary>Folder with <c>tokenizer.json</c> when it is not next to the weights (null: <see cref="ModelDir"/>).</summary>
    public string? TokenizerDir { get; init; }

    /// <summary>
    /// The model's name at <c>/v1/models</c>; a request naming another model gets 404 (null: the name of
    /// <see cref="ModelDir"/>'s folder, as vLLM's <c>--served-model-name</c> defaults to the path).
    /// </summary>
    public string? Name { get; init; }

    /// <summary>TCP port on 127.0.0.1; 0 lets the OS pick a free one. Default 8000, as vLLM and SGLang.</summary>
    public int Port { get; init; } = 8000;

    /// <summary>How messages become prompt text (see <see cref="Serving.PromptFormat"/>).</summary>
    public PromptFormat PromptFormat { get; init; } = PromptFormat.Auto;

    /// <summary>
    /// <c>max_tokens</c> when a request does not set one, cut to what the context has left. vLLM uses all
    /// the context left; we cap it because a CPU decode of thousands of tokens would look like a hang.
    /// </summary>
    public int DefaultMaxTokens { get; init; } = 512;

    /// <summary>Largest <c>n</c> a request may ask for (all n samples decode in one batch).</summary>
    public int MaxN { get; init; } = 16;

    /// <summary>
    /// Largest batch one request may decode: prompts × <c>n</c> rows (a <c>/v1/completions</c> request with a list of
    /// prompts decodes them all together). Bounds the KV cache a request allocates: rows × (longest prompt +
    /// max_tokens) positions per layer.
    /// </summary>
    public int MaxBatchRows { get; init; } = 256;

    /// <summary>
    /// Largest request body, in bytes; a larger one gets 413 <c>request_too_large</c> (when it declares its length,
    /// before a byte of it is read). Default 4 MiB: a request that fills a 128k-token context is well under 1 MB
    /// of text, and Kestrel's own default (30 MB) would let a client tie up memory for nothing.
    /// </summary>
    public long MaxRequestBodyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Device for the model (null: CPU).</summary>
    public Device? Device { get; init; }

    /// <summary>Dtype for the weights (null: the checkpoint's, else float32).</summary>
    public ScalarType? Dtype { get; init; }

    /// <summary>Receives one line per request (method, path, status, tokens, time) and per server error; null: silent.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The served name: <see cref="Name"/>, else the model folder's name.</summary>
    public string ServedName => !string.IsNullOrWhiteSpace(Name)
        ? Name
        : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(ModelDir)));

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting and what to use instead.</summary>
    public ServeOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelDir)) throw new ArgumentException("ModelDir is empty: give the HF folder to serve (config.json + *.safetensors + tokenizer.json)");
        if (!Directory.Exists(ModelDir)) throw new ArgumentException($"model folder '{ModelDir}' does not exist");
        if (TokenizerDir is not null && !Directory.Exists(TokenizerDir)) throw new ArgumentException($"tokenizer folder '{TokenizerDir}' does not exist");
        if (Port is < 0 or > 65535) throw new ArgumentException($"Port {Port} is outside 0…65535 (0 picks a free port)");
        if (!Enum.IsDefined(PromptFormat)) throw new ArgumentException($"PromptFormat {PromptFormat} is unknown: use auto, chatml, llama3 or plain");
        if (DefaultMaxTokens < 1) throw new ArgumentException($"DefaultMaxTokens must be ≥ 1, got {DefaultMaxTokens}");
        if (MaxN < 1) throw new ArgumentException($"MaxN must be ≥ 1, got {MaxN}");
        if (MaxBatchRows < 1) throw new ArgumentException($"MaxBatchRows must be ≥ 1, got {MaxBatchRows}");
        if (MaxRequestBodyBytes < 1) throw new ArgumentException($"MaxRequestBodyBytes must be ≥ 1, got {MaxRequestBodyBytes}");
        if (string.IsNullOrWhiteSpace(ServedName)) throw new ArgumentException($"cannot derive a model name from '{ModelDir}': set Name");
        return this;
    }
}
