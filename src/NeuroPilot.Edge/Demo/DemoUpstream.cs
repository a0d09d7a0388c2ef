using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace NeuroPilot.Edge.Demo;

/// <summary>
/// A small upstream server for the demo, drills and tests (<c>neuropilot-edge upstream</c>): answers with its region
/// name, echoes bodies, headers and WebSocket messages, and can be told to fail (503, hang, reset). It counts the
/// requests it sees (<c>GET /_upstream/stats[?after=N]</c>) and, once asked (<c>POST /_upstream/record?last=N</c>), keeps the
/// request line and headers of the last N, so a test can tell exactly what a proxy in front let through.
/// </summary>
public sealed class DemoUpstream
{
    private const int UploadFirstResponseAfter = 1 << 20;
    private const int MaxRecorded = 4096;
    private const string ControlPrefix = "/_upstream/";

    private volatile string _fault = "none";
    private long _requests;
    private volatile RequestLog? _log;

    public DemoUpstream(string region) => Region = region;

    public string Region { get; }

    /// <summary><c>none</c>, <c>503</c> (every request answers 503), <c>hang</c> (never answers) or <c>reset</c> (aborts the connection).</summary>
    public string Fault
    {
        get => _fault;
        set => _fault = value;
    }

    /// <param name="tls">For an <c>https://</c> <paramref name="listen"/>: the certificate served and, optionally,
    /// the CAs a client certificate must chain to (then one is required).</param>
    public WebApplication Build(Uri listen, HttpProtocols protocols, DemoUpstreamTls? tls = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            var address = listen.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(listen.Host.Trim('[', ']'));
            kestrel.Listen(address, listen.Port, options =>
            {
                options.Protocols = protocols;
                if (listen.Scheme == Uri.UriSchemeHttps && tls is not null)
                {
                    options.UseHttps(tls.HandshakeOptions());
                }
            });
        });
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(HandleAsync);
        return app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        context.Response.Headers["X-Upstream-Region"] = Region;
        if (context.Features.Get<Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature>()?.HostName is { Length: > 0 } serverName)
        {
            // The name the client asked for (SNI), so a test can tell what a proxy in front sent.
            context.Response.Headers["X-Upstream-Server-Name"] = serverName;
        }

        if (context.Connection.ClientCertificate is { } clientCertificate)
        {
            // mTLS: who connected, so a test can tell the edge showed its client certificate.
            context.Response.Headers["X-Upstream-Client-Certificate"] = clientCertificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, forIssuer: false);
        }

        if (path.StartsWith(ControlPrefix, StringComparison.Ordinal))
        {
            await ControlAsync(context, path);
            return;
        }

        // Counted before any fault acts: a request that reached the process was seen, answered or not.
        var sequence = Interlocked.Increment(ref _requests);
        if (_log?.Add(sequence, context) is not { } seen)
        {
            await ServeAsync(context, path);
            return;
        }

        try
        {
            await ServeAsync(context, path);
            seen.Outcome = context.RequestAborted.IsCancellationRequested ? "aborted" : "completed";
        }
        catch (Exception e)
        {
            // /echo and /upload read the whole body: a body cut short or malformed ends here.
            seen.Outcome = $"failed: {e.GetType().Name}";
            throw;
        }
    }

    private async Task ServeAsync(HttpContext context, string path)
    {
        var request = context.Request;
        var response = context.Response;
        switch (Fault)
        {
            case "503":
                response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await response.WriteAsync($"{Region} is failing (fault=503)\n");
                return;
            case "hang":
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            case "reset":
                context.Abort();
                return;
        }

        switch (path)
        {
            case "/healthz":
                await response.WriteAsync("ok\n");
                return;
            case "/headers":
                response.ContentType = "text/plain";
                var text = new StringBuilder();
                foreach (var header in request.Headers)
                {
                    text.Append(header.Key).Append(": ").Append(header.Value.ToString()).Append('\n');
                }

                await response.WriteAsync(text.ToString());
                return;
            case "/echo":
                response.ContentType = request.ContentType ?? "application/octet-stream";
                await request.Body.CopyToAsync(response.Body, context.RequestAborted);
                return;
            case "/upload":
                await UploadAsync(context);
                return;
            case "/delay":
                var ms = int.TryParse(request.Query["ms"], out var delay) ? delay : 1000;
                await Task.Delay(ms, context.RequestAborted);
                await response.WriteAsync($"{Region} after {ms} ms\n");
                return;
            case "/ws":
                await WebSocketEchoAsync(context);
                return;
            default:
                response.ContentType = "text/plain";
                await response.WriteAsync($"{Region} {request.Method} {path}\n");
                return;
        }
    }

    /// <summary>
    /// The control endpoints, never counted as requests seen: <c>POST /_upstream/fault?mode=...</c>,
    /// <c>GET /_upstream/stats[?after=N]</c>, <c>POST /_upstream/record?last=N</c> (0 stops recording).
    /// </summary>
    private async Task ControlAsync(HttpContext context, string path)
    {
        var request = context.Request;
        var response = context.Response;
        switch (path)
        {
            case "/_upstream/fault" when HttpMethods.IsPost(request.Method):
                Fault = request.Query["mode"].ToString() is { Length: > 0 } mode ? mode : "none";
                await response.WriteAsync($"{Region} fault={Fault}\n");
                return;
            case "/_upstream/record" when HttpMethods.IsPost(request.Method):
                if (!int.TryParse(request.Query["last"], out var last) || last is < 0 or > MaxRecorded)
                {
                    response.StatusCode = StatusCodes.Status400BadRequest;
                    await response.WriteAsync($"last must be 0-{MaxRecorded}\n");
                    return;
                }

                _log = last == 0 ? null : new RequestLog(last);
                await response.WriteAsync($"{Region} recording the last {last} requests\n");
                return;
            case "/_upstream/stats" when HttpMethods.IsGet(request.Method):
                response.ContentType = "application/json";
                await response.Body.WriteAsync(WriteStats(long.TryParse(request.Query["after"], out var after) ? after : 0));
                return;
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                return;
        }
    }

    /// <summary>
    /// <c>{"region", "requests", "recording", "recent": [{"sequence", "method", "target", "protocol", "outcome",
    /// "headers": ["Name: value"]}]}</c>; outcome: <c>running</c>, <c>completed</c>, <c>aborted</c> or
    /// <c>failed: EXCEPTION</c>. Only requests with a sequence number above <paramref name="after"/> are listed.
    /// </summary>
    private ReadOnlyMemory<byte> WriteStats(long after)
    {
        var log = _log;
        var output = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("region", Region);
            json.WriteNumber("requests", Interlocked.Read(ref _requests));
            json.WriteNumber("recording", log?.Capacity ?? 0);
            json.WriteStartArray("recent");
            foreach (var seen in log?.Snapshot() ?? [])
            {
                if (seen.Sequence <= after)
                {
                    continue;
                }

                json.WriteStartObject();
                json.WriteNumber("sequence", seen.Sequence);
                json.WriteString("method", seen.Method);
                json.WriteString("target", seen.Target);
                json.WriteString("protocol", seen.Protocol);
                json.WriteString("outcome", seen.Outcome);
                json.WriteStartArray("headers");
                foreach (var header in seen.Headers)
                {
                    json.WriteStringValue(header);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return output.WrittenMemory;
    }

    /// <summary>
    /// Reads the body; once the first MiB is in, sends the response headers and a first line, so a client can tell
    /// that the proxy streams (a buffering proxy would hold the headers until the whole body was sent).
    /// </summary>
    private static async Task UploadAsync(HttpContext context)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long total = 0;
        var started = false;
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            total += read;
            if (!started && total >= UploadFirstResponseAfter)
            {
                started = true;
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("receiving\n");
                await context.Response.Body.FlushAsync();
            }
        }

        await context.Response.WriteAsync($"bytes={total} sha256={Convert.ToHexStringLower(sha.GetHashAndReset())}\n");
    }

    private static async Task WebSocketEchoAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var message = await socket.ReceiveAsync(buffer, context.RequestAborted);
            if (message.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, message.Count), message.MessageType, message.EndOfMessage, context.RequestAborted);
        }
    }

    private sealed class SeenRequest(long sequence, string method, string target, string protocol, string[] headers)
    {
        private volatile string _outcome = "running";

        public long Sequence => sequence;

        public string Method => method;

        public string Target => target;

        public string Protocol => protocol;

        public string[] Headers => headers;

        public string Outcome
        {
            get => _outcome;
            set => _outcome = value;
        }
    }

    /// <summary>The last <see cref="Capacity"/> requests seen, oldest first; only while a test asked for it.</summary>
    private sealed class RequestLog(int capacity)
    {
        private readonly SeenRequest[] _ring = new SeenRequest[capacity];
        private readonly Lock _gate = new();
        private long _added;

        public int Capacity => _ring.Length;

        public SeenRequest Add(long sequence, HttpContext context)
        {
            var request = context.Request;
            var headers = new string[request.Headers.Count];
            var i = 0;
            foreach (var header in request.Headers)
            {
                headers[i++] = $"{header.Key}: {header.Value}";
            }

            var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "";
            var seen = new SeenRequest(sequence, request.Method, target, request.Protocol, headers);
            lock (_gate)
            {
                _ring[_added++ % _ring.Length] = seen;
            }

            return seen;
        }

        public SeenRequest[] Snapshot()
        {
            lock (_gate)
            {
                var count = (int)Math.Min(_added, _ring.Length);
                var result = new SeenRequest[count];
                for (var i = 0; i < count; i++)
                {
                    result[i] = _ring[(_added - count + i) % _ring.Length];
                }

                return result;
            }
        }
    }
}
