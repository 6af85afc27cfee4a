using System.Text.Json.Nodes;

namespace Cooper.Serving;

/// <summary>
/// A request the server refuses, answered as OpenAI does: the HTTP status and
/// <c>{"error": {"message", "type", "param", "code"}}</c>.
/// </summary>
public sealed class OpenAiError(int status, string type, string message, string? param = null, string? code = null)
    : Exception(message)
{
    /// <summary>The HTTP status (400 bad request, 404 unknown model or path, 405 wrong method, 413 body too large, 500 server error).</summary>
    public int Status { get; } = status;

    /// <summary>OpenAI's error type, e.g. <c>invalid_request_error</c>.</summary>
    public string Type { get; } = type;

    /// <summary>The request field at fault, if one is.</summary>
    public string? Param { get; } = param;

    /// <summary>A machine-readable code, e.g. <c>model_not_found</c>.</summary>
    public string? Code { get; } = code;

    /// <summary>400 <c>invalid_request_error</c>.</summary>
    public static OpenAiError BadRequest(string message, string? param = null) => new(400, "invalid_request_error", message, param);

    /// <summary>404 for a model this server does not serve (OpenAI's <c>model_not_found</c>).</summary>
    public static OpenAiError ModelNotFound(string requested, string served) =>
        new(404, "invalid_request_error", $"The model '{requested}' does not exist; this server serves '{served}'.", "model", "model_not_found");

    /// <summary>413 for a body over <see cref="ServeOptions.MaxRequestBodyBytes"/> (<paramref name="length"/>: its declared size, if known).</summary>
    public static OpenAiError RequestTooLarge(long limit, long? length) =>
        new(413, "invalid_request_error",
            $"The request body{(length is { } n ? $" has {n} bytes; it" : "")} exceeds this server's limit of {limit} bytes (cooper serve --max-body-bytes).",
            code: "request_too_large");

    /// <summary>404 or 405 for a path this server does not have or a method the path does not take, worded as OpenAI's API words them.</summary>
    public static OpenAiError NoSuchRoute(int status, string method, string path) =>
        new(status, "invalid_request_error", status == 405 ? $"Invalid method for URL ({method} {path})" : $"Invalid URL ({method} {path})");

    /// <summary>500 <c>server_error</c>.</summary>
    public static OpenAiError Internal(string message) => new(500, "server_error", message);

    /// <summary>The response body.</summary>
    public JsonObject ToJson() => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = Message,
            ["type"] = Type,
            ["param"] = Param,
            ["code"] = Code,
        },
    };
}
