using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Cooper.Tests.Endpoints;

/// <summary>What the fake server received: one HTTP request.</summary>
internal sealed record FakeRequest(int Index, string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonNode Json => JsonNode.Parse(Body)!;

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>What the fake server answers: a status, a body, headers, an optional delay, or a dropped connection.</summary>
internal sealed record FakeReply
{
    public int Status { get; init; } = 200;
    public string Body { get; init; } = "";
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public int DelayMs { get; init; }
    public bool DropConnection { get; init; }

    /// <summary>A well-formed chat completion with one choice per text (listed in reverse index order, as a server may).</summary>
    public static FakeReply Completion(params string[] texts)
    {
        var choices = new JsonArray();
        for (int i = texts.Length - 1; i >= 0; i--)
            choices.Add(new JsonObject
            {
                ["index"] = i,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = texts[i] },
                ["finish_reason"] = "stop",
            });
        var body = new JsonObject
        {
            ["id"] = "chatcmpl-test",
            ["object"] = "chat.completion",
            ["model"] = "fake",
            ["choices"] = choices,
            ["usage"] = new JsonObject { ["prompt_tokens"] = 7, ["completion_tokens"] = 5, ["total_tokens"] = 12 },
        };
        return new FakeReply { Body = body.ToJsonString() };
    }

    public static FakeReply Error(int status, string message = "error") =>
        new() { Status = status, Body = new JsonObject { ["error"] = new JsonObject { ["message"] = message } }.ToJsonString() };
}

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (port chosen by the OS) that plays an OpenAI-compatible
/// endpoint: one request per connection, replies from a script, every request recorded, and the
/// largest number of requests in flight at once tracked. Raw sockets rather than HttpListener so a
/// test can send garbage or drop the connection.
/// </summary>
internal sealed class FakeOpenAiServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<FakeRequest, FakeReply> _script;
    private readonly ConcurrentQueue<FakeRequest> _requests = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _acceptLoop;
    private int _count, _inFlight, _maxInFlight;

    /// <summary>Serves <paramref name="script"/>(request) for every request.</summary>
    public FakeOpenAiServer(Func<FakeRequest, FakeReply> script)
    {
        _script = script;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Request i gets <paramref name="replies"/>[i]; requests past the end get the last one.</summary>
    public static FakeOpenAiServer Scripted(params FakeReply[] replies) =>
        new(r => replies[Math.Min(r.Index, replies.Length - 1)]);

    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1";

    public IReadOnlyList<FakeRequest> Requests => [.. _requests.OrderBy(r => r.Index)];

    public int RequestCount => Volatile.Read(ref _count);

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptTcpClientAsync(_stop.Token);
                _connections.Add(ServeAsync(socket));
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
        catch (InvalidOperationException) when (_stop.IsCancellationRequested) { } // Stop() won the race with a new accept: "Not listening"
    }

    private async Task ServeAsync(TcpClient socket)
    {
        using var _ = socket;
        var ct = _stop.Token;
        try
        {
            var stream = socket.GetStream();
            var request = await ReadRequestAsync(stream, ct);
            if (request is null) return;
            _requests.Enqueue(request);
            int now = Interlocked.Increment(ref _inFlight);
            int seen;
            while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen) { }
            FakeReply reply;
            try
            {
                reply = _script(request);
                if (reply.DelayMs > 0) await Task.Delay(reply.DelayMs, ct);
            }
            finally
            {
                // Leave "in flight" before answering: once the client has the answer it may send the next one.
                Interlocked.Decrement(ref _inFlight);
            }
            if (reply.DropConnection) return;
            var body = Encoding.UTF8.GetBytes(reply.Body);
            var head = new StringBuilder()
                .Append($"HTTP/1.1 {reply.Status} {(HttpStatusCode)reply.Status}\r\n")
                .Append("Content-Type: application/json\r\n")
                .Append($"Content-Length: {body.Length}\r\n")
                .Append("Connection: close\r\n");
            foreach (var (k, v) in reply.Headers) head.Append($"{k}: {v}\r\n");
            head.Append("\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), ct);
            await stream.WriteAsync(body, ct);
            await stream.FlushAsync(ct);
        }
        catch (OperationCanceledException) { }
        catch (IOException) { } // the client gave up (its timeout) and closed the socket
        catch (SocketException) { }
    }

    private async Task<FakeRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        var data = new List<byte>();
        var buffer = new byte[8192];
        int headerEnd;
        while ((headerEnd = IndexOfBlankLine(data)) < 0)
        {
            int read = await stream.ReadAsync(buffer, ct);
            if (read == 0) return null;
            data.AddRange(buffer.AsSpan(0, read));
        }
        var lines = Encoding.ASCII.GetString(data.GetRange(0, headerEnd).ToArray()).Split("\r\n");
        var start = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        int length = headers.TryGetValue("Content-Length", out var cl) ? int.Parse(cl) : 0;
        var body = data.Skip(headerEnd + 4).ToList();
        while (body.Count < length)
        {
            int read = await stream.ReadAsync(buffer, ct);
            if (read == 0) return null;
            body.AddRange(buffer.AsSpan(0, read));
        }
        int index = Interlocked.Increment(ref _count) - 1;
        return new FakeRequest(index, start[0], start[1], headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    private static int IndexOfBlankLine(List<byte> data)
    {
        for (int i = 0; i + 3 < data.Count; i++)
            if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n') return i;
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _acceptLoop;
        await Task.WhenAll(_connections);
        _stop.Dispose();
    }
}
